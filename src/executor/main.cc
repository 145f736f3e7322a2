// twinbeat-executor: the root helper of twinbeatd (see executor_protocol.h).
// One poll loop over the daemon's socket and the children it runs: each
// child's output pipe and its pidfd, with a kill deadline per child.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/daemon/executor_protocol.h"
#include "twinbeat/durable_file.h"
#include "twinbeat/unique_fd.h"

using namespace twinbeat;
using namespace twinbeat::daemon;

namespace {

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1'000'000;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name[0] == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
      return false;
  return true;
}

struct Child {
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd out;
  std::string output;
  int64_t started_ms = 0;
  int64_t deadline_ms = 0;
  bool timed_out = false;
};

class Executor {
 public:
  explicit Executor(std::string state_dir) : state_dir_(std::move(state_dir)) {}
  int run();

 private:
  void on_request(std::string_view msg);
  std::string persist(uint64_t id, std::string_view rest);
  void spawn(const RunRequest& r);
  void read_output(Child& c);
  void reap(uint64_t id, Child& c);
  void reply(const std::string& msg);
  void kill_all();

  std::string state_dir_;
  std::map<uint64_t, Child> children_;
};

void Executor::reply(const std::string& msg) {
  ::send(kExecutorFd, msg.data(), std::min(msg.size(), kExecutorMaxMessage), MSG_NOSIGNAL);
}

std::string Executor::persist(uint64_t id, std::string_view rest) {
  const std::string head = std::to_string(id) + " ";
  const size_t name_end = rest.find(' ');
  const std::string_view name = rest.substr(0, name_end);
  if (name_end == std::string_view::npos || !valid_name(name)) return head + "error persist: bad name";
  auto r = write_file_durably(state_dir_, std::string(name), std::string(rest.substr(name_end + 1)));
  return r ? head + "ok" : head + "error " + r.error().message;
}

void Executor::on_request(std::string_view msg) {
  std::string_view rest;
  auto id = message_id(msg, &rest);
  if (!id) return reply("0 error malformed request");
  if (rest.substr(0, 8) == "persist ") return reply(persist(*id, rest.substr(8)));
  if (rest.substr(0, 4) == "run ") {
    auto r = decode_run_request(msg);
    if (!r) return reply(std::to_string(*id) + " error malformed run request");
    return spawn(*r);
  }
  reply(std::to_string(*id) + " error unknown request");
}

void Executor::spawn(const RunRequest& r) {
  int p[2], in[2] = {-1, -1};
  if (::pipe2(p, O_CLOEXEC) < 0 || (!r.stdin_data.empty() && ::pipe2(in, O_CLOEXEC) < 0)) {
    RunResult res{RunResult::How::not_started, 0, 0, std::string("pipe: ") + std::strerror(errno)};
    return reply(encode_run_result(r.id, res));
  }
  UniqueFd rd(p[0]), wr(p[1]), in_rd(in[0]), in_wr(in[1]);
  // Parameters for stdin are small (fence agents: a few lines); they fit in
  // the pipe at once, so the child finds them all and then end of file.
  if (in_wr && (r.stdin_data.size() > 60000 ||
                ::write(in_wr.get(), r.stdin_data.data(), r.stdin_data.size()) !=
                    static_cast<ssize_t>(r.stdin_data.size()))) {
    RunResult res{RunResult::How::not_started, 0, 0, "stdin for the program too large"};
    return reply(encode_run_result(r.id, res));
  }
  in_wr.reset();
  std::vector<char*> argv, envp;
  for (const auto& a : r.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : r.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    const int input = in_rd ? in_rd.get() : ::open("/dev/null", O_RDONLY);
    ::dup2(input, STDIN_FILENO);
    ::dup2(wr.get(), STDOUT_FILENO);
    ::dup2(wr.get(), STDERR_FILENO);
    ::syscall(SYS_close_range, 3, ~0U, 0);
    ::execve(argv[0], argv.data(), envp.data());
    std::fprintf(stderr, "cannot execute %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  if (pid < 0) {
    RunResult res{RunResult::How::not_started, 0, 0, std::string("fork: ") + std::strerror(errno)};
    return reply(encode_run_result(r.id, res));
  }
  ::setpgid(pid, pid);  // also here: no window where a kill misses the group
  Child c;
  c.pid = pid;
  c.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  c.out = std::move(rd);
  ::fcntl(c.out.get(), F_SETFL, O_NONBLOCK);
  c.started_ms = now_ms();
  c.deadline_ms = c.started_ms + r.timeout_ms;
  children_.emplace(r.id, std::move(c));
}

void Executor::read_output(Child& c) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(c.out.get(), buf, sizeof buf);
    if (n > 0) {
      const size_t room = kMaxOutput > c.output.size() ? kMaxOutput - c.output.size() : 0;
      c.output.append(buf, std::min(room, static_cast<size_t>(n)));
      continue;
    }
    if (n == 0) c.out.reset();  // every writer closed
    return;
  }
}

// The child exited: collect what it wrote so far and answer. A daemon it
// started may keep the pipe open; we do not wait for that.
void Executor::reap(uint64_t id, Child& c) {
  int status = 0;
  if (::waitpid(c.pid, &status, WNOHANG) != c.pid) return;
  if (c.out) read_output(c);
  RunResult r;
  r.duration_ms = now_ms() - c.started_ms;
  r.output = std::move(c.output);
  if (c.timed_out) {
    r.how = RunResult::How::timed_out;
  } else if (WIFEXITED(status)) {
    r.how = RunResult::How::exited;
    r.code = WEXITSTATUS(status);
  } else {
    r.how = RunResult::How::signaled;
    r.code = WTERMSIG(status);
  }
  reply(encode_run_result(id, r));
  children_.erase(id);
}

void Executor::kill_all() {
  for (auto& [id, c] : children_) ::kill(-c.pid, SIGKILL);
}

int Executor::run() {
  char buf[kExecutorMaxMessage];
  for (;;) {
    std::vector<pollfd> fds{{kExecutorFd, POLLIN, 0}};
    std::vector<uint64_t> owner{0};
    int64_t next_deadline = -1;
    for (auto& [id, c] : children_) {
      if (c.out) fds.push_back({c.out.get(), POLLIN, 0}), owner.push_back(id);
      fds.push_back({c.pidfd.get(), POLLIN, 0}), owner.push_back(id);
      if (!c.timed_out && (next_deadline < 0 || c.deadline_ms < next_deadline))
        next_deadline = c.deadline_ms;
    }
    const int wait_ms = next_deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, next_deadline - now_ms()));
    if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) return 1;

    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      auto it = children_.find(owner[i]);
      if (it == children_.end()) continue;
      if (fds[i].fd == it->second.out.get()) read_output(it->second);
      else reap(it->first, it->second);
    }
    const int64_t now = now_ms();
    for (auto& [id, c] : children_) {
      if (c.timed_out || now < c.deadline_ms) continue;
      c.timed_out = true;
      ::kill(-c.pid, SIGKILL);  // the whole process group
    }
    if (fds[0].revents) {
      const ssize_t n = ::recv(kExecutorFd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        kill_all();
        return 0;
      }
      if (n > 0) on_request(std::string_view(buf, static_cast<size_t>(n)));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string state_dir;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--state-dir") state_dir = argv[i + 1];
  if (state_dir.empty()) {
    std::fprintf(stderr, "twinbeat-executor: started by twinbeatd only (--state-dir DIR)\n");
    return 2;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  ::signal(SIGPIPE, SIG_IGN);
  if (::getppid() == 1) return 0;  // the daemon is already gone
  return Executor(state_dir).run();
}
