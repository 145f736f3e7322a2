// Printing errors and diagnostics.
#include "twinbeat/result.h"

#include <cerrno>
#include <cstring>

#include "twinbeat/diagnostic.h"

namespace twinbeat {

namespace {

std::string prefix(const SourceLoc& where) {
  if (where.file.empty()) return "";
  if (where.line <= 0) return where.file + ": ";
  return where.file + ":" + std::to_string(where.line) + ": ";
}

}  // namespace

std::string Error::to_string() const { return prefix(where) + message; }

Error errno_error(const std::string& context, int err) {
  return Error{err, context + ": " + std::strerror(err), {}};
}

Error errno_error(const std::string& context) { return errno_error(context, errno); }

std::string Diagnostic::to_string() const {
  return prefix(where) + (severity == Severity::warning ? "warning: " : "") + message;
}

}  // namespace twinbeat
