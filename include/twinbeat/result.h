// Result<T>: a value or an Error, shaped like std::expected (which g++ 12 lacks
// in C++20 mode). Errors carry an errno-style code, a message and, for config
// errors, where in which file they were found.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace twinbeat {

// A position in a config file. line 0 means "the whole file".
struct SourceLoc {
  std::string file;
  int line = 0;
};

struct Error {
  int code = 0;  // errno value when a syscall failed, else 0
  std::string message;
  SourceLoc where;

  // "ha.cf:12: message", "ha.cf: message" or just "message".
  std::string to_string() const;
};

// Builds an Error from errno (or `err`) with context:
// errno_error("bind 10.0.0.1:694") -> "bind 10.0.0.1:694: Address already in use".
Error errno_error(const std::string& context, int err);
Error errno_error(const std::string& context);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace twinbeat
