// Encoding and decoding the executor's run requests and replies.
#include "twinbeat/daemon/executor_protocol.h"

#include <charconv>

namespace twinbeat::daemon {

namespace {

template <class T>
std::optional<T> number(std::string_view text) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Splits "a b c" on single spaces.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const size_t sp = line.find(' ');
    out.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) break;
    line.remove_prefix(sp + 1);
  }
  return out;
}

}  // namespace

std::string RunResult::describe() const {
  switch (how) {
    case How::exited: return "exit " + std::to_string(code);
    case How::signaled: return "killed by signal " + std::to_string(code);
    case How::timed_out: return "timed out after " + std::to_string(duration_ms) + " ms";
    case How::not_started: return "not started: " + output;
  }
  return "?";
}

std::optional<uint64_t> message_id(std::string_view message, std::string_view* rest) {
  const size_t sp = message.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  auto id = number<uint64_t>(message.substr(0, sp));
  if (id && rest) *rest = message.substr(sp + 1);
  return id;
}

std::string encode_run_request(const RunRequest& r) {
  std::string m = std::to_string(r.id) + " run " + std::to_string(r.timeout_ms) + "\n";
  for (const auto& a : r.argv) m.append(a).push_back('\0');
  m.push_back('\0');
  for (const auto& e : r.env) m.append(e).push_back('\0');
  if (!r.stdin_data.empty()) {
    m.push_back('\0');
    m.append(r.stdin_data);
  }
  return m;
}

std::optional<RunRequest> decode_run_request(std::string_view message) {
  RunRequest r;
  std::string_view rest;
  auto id = message_id(message, &rest);
  if (!id || rest.substr(0, 4) != "run ") return std::nullopt;
  rest.remove_prefix(4);
  const size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  auto timeout = number<int64_t>(rest.substr(0, nl));
  if (!timeout || *timeout <= 0) return std::nullopt;
  r.id = *id;
  r.timeout_ms = *timeout;
  rest.remove_prefix(nl + 1);
  bool in_env = false;
  while (!rest.empty()) {
    const size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) return std::nullopt;  // unterminated field
    const std::string_view field = rest.substr(0, nul);
    rest.remove_prefix(nul + 1);
    if (!in_env && field.empty()) {
      in_env = true;
    } else if (in_env && field.empty()) {
      r.stdin_data = std::string(rest);  // everything after the second empty field
      break;
    } else if (in_env) {
      if (field.find('=') == std::string_view::npos) return std::nullopt;
      r.env.emplace_back(field);
    } else {
      r.argv.emplace_back(field);
    }
  }
  if (!in_env || r.argv.empty() || r.argv[0].empty() || r.argv[0][0] != '/') return std::nullopt;
  return r;
}

std::string encode_run_result(uint64_t id, const RunResult& r) {
  const std::string head = std::to_string(id) + " ";
  const std::string ms = std::to_string(r.duration_ms);
  switch (r.how) {
    case RunResult::How::exited:
      return head + "exit " + std::to_string(r.code) + " " + ms + "\n" + r.output;
    case RunResult::How::signaled:
      return head + "signal " + std::to_string(r.code) + " " + ms + "\n" + r.output;
    case RunResult::How::timed_out: return head + "timeout " + ms + "\n" + r.output;
    case RunResult::How::not_started: return head + "error " + r.output;
  }
  return head + "error ?";
}

std::optional<RunResult> decode_run_result(std::string_view rest) {
  RunResult r;
  if (rest.substr(0, 6) == "error ") {
    r.how = RunResult::How::not_started;
    r.output = std::string(rest.substr(6));
    return r;
  }
  const size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  const auto w = words(rest.substr(0, nl));
  r.output = std::string(rest.substr(nl + 1));
  if (w.size() == 3 && (w[0] == "exit" || w[0] == "signal")) {
    auto code = number<int>(w[1]);
    auto ms = number<int64_t>(w[2]);
    if (!code || !ms) return std::nullopt;
    r.how = w[0] == "exit" ? RunResult::How::exited : RunResult::How::signaled;
    r.code = *code;
    r.duration_ms = *ms;
    return r;
  }
  if (w.size() == 2 && w[0] == "timeout") {
    auto ms = number<int64_t>(w[1]);
    if (!ms) return std::nullopt;
    r.how = RunResult::How::timed_out;
    r.duration_ms = *ms;
    return r;
  }
  return std::nullopt;
}

}  // namespace twinbeat::daemon
