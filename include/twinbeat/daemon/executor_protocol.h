// The requests the daemon sends to its executor: the small root process that
// does what the network-facing daemon must not do itself (durable writes,
// resource scripts, fence agents). It reads no network input.
//
// Transport: a SOCK_SEQPACKET socketpair, fd 3 in the executor. One request
// per message, one reply per request, in any order (replies carry the id).
//
//   "<id> persist <name> <content>"   replace state-dir/<name>, durably
//       -> "<id> ok" | "<id> error <message>"
//   "<id> run <timeout_ms>\n" then NUL-terminated fields: argv..., an empty
//       field, environment entries "KEY=VALUE"..., and optionally another
//       empty field followed by bytes for the program's stdin (the rest of
//       the message; fence agents read their parameters there).
//       Runs argv[0] (an absolute path) in a new process group, stdin from
//       those bytes or /dev/null, stdout and stderr captured (up to
//       kMaxOutput bytes), every other fd closed. Past the timeout the whole
//       process group is killed.
//       -> "<id> exit <code> <ms>\n<output>"     it exited
//       -> "<id> signal <signo> <ms>\n<output>"  it was killed by a signal
//       -> "<id> timeout <ms>\n<output>"         we killed it at its deadline
//       -> "<id> error <message>"                it could not be started
//   The reply comes when the process exits; a background child that keeps
//   the output pipe open (an init script starting a daemon) does not delay it.
//
// The executor exits when the daemon's end closes (the daemon died or
// stopped), after killing the process groups it still runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twinbeat::daemon {

inline constexpr int kExecutorFd = 3;
inline constexpr size_t kExecutorMaxMessage = 16384;
inline constexpr size_t kMaxOutput = 8192;

struct RunRequest {
  uint64_t id = 0;
  int64_t timeout_ms = 0;
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string stdin_data;  // empty: /dev/null
};

struct RunResult {
  enum class How { exited, signaled, timed_out, not_started } how = How::not_started;
  int code = 0;  // exit status, or signal number
  int64_t duration_ms = 0;
  std::string output;  // or the reason it could not start

  bool ok() const { return how == How::exited && code == 0; }
  std::string describe() const;  // "exit 0", "killed by signal 9", "timed out after 60000 ms"
};

std::string encode_run_request(const RunRequest& r);
// Parses what follows "<id> run " ... nullopt if malformed.
std::optional<RunRequest> decode_run_request(std::string_view message);

std::string encode_run_result(uint64_t id, const RunResult& r);
// Parses a reply to a run request (the part after "<id> ").
std::optional<RunResult> decode_run_result(std::string_view rest);

// The id at the start of any message, and what follows the space after it.
std::optional<uint64_t> message_id(std::string_view message, std::string_view* rest);

}  // namespace twinbeat::daemon
