// Diagnostics from config parsers: every error and warning of a file, each with
// its file and line, printed as "ha.cf:12: message" / "ha.cf:7: warning: ...".
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "twinbeat/result.h"

namespace twinbeat {

enum class Severity { warning, error };

struct Diagnostic {
  Severity severity = Severity::error;
  SourceLoc where;
  std::string message;

  std::string to_string() const;
};

// A parsed file: the value, and every diagnostic found on the way. A parser
// reports all it finds in one pass; `ok()` is false if any is an error, and
// then `value` must not be used.
template <class T>
struct Parsed {
  T value{};
  std::vector<Diagnostic> diagnostics;

  bool ok() const {
    for (const auto& d : diagnostics)
      if (d.severity == Severity::error) return false;
    return true;
  }
};

// Collects diagnostics for one file.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

  void error(int line, std::string message) {
    list_.push_back({Severity::error, {file_, line}, std::move(message)});
  }
  void warning(int line, std::string message) {
    list_.push_back({Severity::warning, {file_, line}, std::move(message)});
  }
  void add(Diagnostic d) { list_.push_back(std::move(d)); }

  const std::string& file() const { return file_; }
  std::vector<Diagnostic>& list() { return list_; }
  std::vector<Diagnostic> take() { return std::move(list_); }

 private:
  std::string file_;
  std::vector<Diagnostic> list_;
};

}  // namespace twinbeat
