// Small state files that must survive a crash: written to a temporary name,
// fsynced, renamed over the old one, and the directory fsynced.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "twinbeat/result.h"

namespace twinbeat {

// Replaces dir/name with `content`, durably. `name` must be a plain file name.
Result<void> write_file_durably(const std::string& dir, const std::string& name,
                                const std::string& content);

// Reads a file holding one decimal number (and optional trailing newline).
// nullopt if the file does not exist; an error if it exists but is unreadable
// or does not hold a number.
Result<std::optional<uint64_t>> read_number_file(const std::string& path);

// Creates `dir` (and missing parents) with `mode` if absent; fails if it
// exists and is not a directory.
Result<void> make_directory(const std::string& dir, unsigned mode);

}  // namespace twinbeat
