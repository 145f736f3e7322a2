// Shared by the config parser tests: table rows of {text, every message},
// diagnostics as one comparable text, and the repository's own files (the
// tests run from the repository root).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "twinbeat/diagnostic.h"

namespace twinbeat::config::testing {

// One table row: a file's text, and every diagnostic it must give, one per
// line, exactly as printed ("ha.cf:3: ..."); "" for none.
struct Row {
  const char* text;
  const char* expected;
};

// Parses a row's text; returns its diagnostics.
using ParseFn = std::function<std::vector<Diagnostic>(const std::string& text)>;

// Fails the current test, naming the row, for each row whose diagnostics
// differ from the expected text.
void check_rows(const Row* rows, size_t count, const ParseFn& parse);

template <size_t N>
void check_rows(const Row (&rows)[N], const ParseFn& parse) {
  check_rows(rows, N, parse);
}

// Parses `text + tail` as an ha.cf named "ha.cf".
ParseFn ha_cf_parser(const char* tail);

// Each diagnostic's to_string(), joined with newlines.
std::string messages(const std::vector<Diagnostic>& list);

// The whole file at `path`, or "" if it cannot be read.
std::string read_repo_file(const char* path);

// Two nodes and a ucast link, on two lines: what an ha.cf needs besides the
// line a test is about.
extern const char* const kTwoNodesAndALink;

}  // namespace twinbeat::config::testing
