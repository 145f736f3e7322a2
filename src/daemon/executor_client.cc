// Starting the executor and talking to it over a SEQPACKET socketpair.
#include "executor_client.h"

#include <linux/close_range.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "twinbeat/companion.h"
#include "twinbeat/daemon/executor_protocol.h"

namespace twinbeat::daemon {

namespace {

std::string find_executor() {
  return find_companion("twinbeat-executor", TWINBEAT_LIBEXECDIR);
}

}  // namespace

Result<ExecutorClient> ExecutorClient::start(const std::string& state_dir) {
  const std::string path = find_executor();
  if (::access(path.c_str(), X_OK) < 0) return errno_error("executor " + path);
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return errno_error("socketpair");
  UniqueFd ours(sv[0]), theirs(sv[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork executor");
  if (pid == 0) {
    // Child: fd 3 is the socket, 0-2 stay, everything else closes.
    if (::dup2(theirs.get(), kExecutorFd) < 0) ::_exit(127);
    ::syscall(SYS_close_range, kExecutorFd + 1, ~0U, 0);
    const char* argv[] = {path.c_str(), "--state-dir", state_dir.c_str(), nullptr};
    ::execv(path.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ExecutorClient c;
  c.sock_ = std::move(ours);
  c.pid_ = pid;
  return c;
}

ExecutorClient::ExecutorClient(ExecutorClient&& other) noexcept
    : sock_(std::move(other.sock_)),
      pid_(std::exchange(other.pid_, -1)),
      next_id_(other.next_id_),
      pending_(std::move(other.pending_)) {}

ExecutorClient::~ExecutorClient() {
  if (pid_ <= 0) return;
  sock_.reset();  // EOF: the executor exits
  int status;
  for (int i = 0; i < 100; ++i) {  // up to 1 s, then it is killed
    if (::waitpid(pid_, &status, WNOHANG) != 0) return;
    ::usleep(10'000);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
}

void ExecutorClient::send(uint64_t id, const std::string& message, Handler handler) {
  if (::send(sock_.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
    const std::string why = "error " + errno_error("executor").message;
    handler(why);
    return;
  }
  pending_.emplace(id, std::move(handler));
}

void ExecutorClient::persist(const std::string& name, const std::string& content,
                             OnReply on_reply) {
  const uint64_t id = next_id_++;
  send(id, std::to_string(id) + " persist " + name + " " + content,
       [on_reply = std::move(on_reply)](std::string_view rest) {
         if (!on_reply) return;
         if (rest == "ok") return on_reply(true, "");
         on_reply(false, std::string(rest.substr(0, 6) == "error " ? rest.substr(6) : rest));
       });
}

void ExecutorClient::run(std::vector<std::string> argv, std::vector<std::string> env,
                         int64_t timeout_ms, OnResult on_result, std::string stdin_data) {
  RunRequest r;
  r.stdin_data = std::move(stdin_data);
  r.id = next_id_++;
  r.timeout_ms = timeout_ms;
  r.argv = std::move(argv);
  r.env = std::move(env);
  send(r.id, encode_run_request(r), [on_result = std::move(on_result)](std::string_view rest) {
    auto result = decode_run_result(rest);
    if (!result) {
      result = RunResult{};
      result->output = "unreadable reply from the executor";
    }
    on_result(*result);
  });
}

bool ExecutorClient::on_readable() {
  for (;;) {
    char buf[kExecutorMaxMessage];
    const ssize_t n = ::recv(sock_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    std::string_view rest;
    auto id = message_id(std::string_view(buf, static_cast<size_t>(n)), &rest);
    if (!id) continue;
    auto it = pending_.find(*id);
    if (it == pending_.end()) continue;
    Handler h = std::move(it->second);
    pending_.erase(it);
    h(rest);
  }
}

}  // namespace twinbeat::daemon
