// Command-line options shared by twinbeatd and twinbeat: "-c DIR",
// "--node NAME", flags, --help and --version.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace twinbeat {

struct Option {
  std::string_view short_name;  // "-c", or empty
  std::string_view long_name;   // "--confdir"
  std::string* value = nullptr;  // takes the next word
  bool* flag = nullptr;          // set to true
};

enum class Args { ok, help, version, error };

// Reads argv[1...] against `options`, plus -h/--help and --version. Stops at
// the first word that is not an option and stores its index in *first_word
// (argc if none). Unknown options and a missing value are reported on stderr,
// prefixed by `program`, and give Args::error.
Args parse_options(int argc, char** argv, std::span<const Option> options, const char* program,
                   int* first_word);

}  // namespace twinbeat
