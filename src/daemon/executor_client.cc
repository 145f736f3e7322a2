// Starting the executor and talking to it over a SEQPACKET socketpair.
#include "executor_client.h"

#include <linux/close_range.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <charconv>
#include <utility>

#include "twinbeat/daemon/executor_protocol.h"

namespace twinbeat::daemon {

namespace {

std::string find_executor() {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir.resize(dir.rfind('/'));
    const std::string beside = dir + "/twinbeat-executor";
    if (::access(beside.c_str(), X_OK) == 0) return beside;
  }
  return std::string(TWINBEAT_LIBEXECDIR) + "/twinbeat-executor";
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

void ExecutorClient::send(const std::string& request, OnReply on_reply) {
  const uint64_t id = next_id_++;
  const std::string msg = std::to_string(id) + " " + request;
  if (::send(sock_.get(), msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
    if (on_reply) on_reply(false, errno_error("executor").message);
    return;
  }
  pending_.push_back({id, std::move(on_reply)});
}

void ExecutorClient::persist(const std::string& name, const std::string& content,
                             OnReply on_reply) {
  send("persist " + name + " " + content, std::move(on_reply));
}

bool ExecutorClient::on_readable() {
  for (;;) {
    char buf[kExecutorMaxMessage];
    const ssize_t n = ::recv(sock_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    const std::string reply(buf, static_cast<size_t>(n));
    const size_t sp = reply.find(' ');
    uint64_t id = 0;
    std::from_chars(reply.data(), reply.data() + reply.size(), id);
    while (!pending_.empty() && pending_.front().id <= id) {
      Pending p = std::move(pending_.front());
      pending_.pop_front();
      if (p.id != id || !p.on_reply) continue;
      const std::string rest = sp == std::string::npos ? "" : reply.substr(sp + 1);
      const bool ok = rest == "ok";
      p.on_reply(ok, ok ? "" : (rest.rfind("error ", 0) == 0 ? rest.substr(6) : rest));
    }
  }
}

}  // namespace twinbeat::daemon
