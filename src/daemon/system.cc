// Privileges (libcap-ng), realtime scheduling, memory locking, detaching.
#include "system.h"

#include <cap-ng.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace twinbeat::daemon {

Result<void> drop_capabilities() {
  capng_clear(CAPNG_SELECT_BOTH);
  if (capng_updatev(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED),
                    CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_SYS_NICE, CAP_IPC_LOCK,
                    -1) != 0)
    return Error{0, "capng_updatev failed", {}};
  if (int rc = capng_apply(CAPNG_SELECT_ALL); rc != 0)
    return Error{0, "capng_apply failed (" + std::to_string(rc) + ")", {}};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return errno_error("PR_SET_NO_NEW_PRIVS");
  return {};
}

Result<void> go_realtime(int priority) {
  sched_param p{};
  p.sched_priority = priority;
  if (::sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &p) < 0)
    return errno_error("sched_setscheduler SCHED_RR " + std::to_string(priority));
  return {};
}

Result<void> lock_memory() {
  if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0) return errno_error("mlockall");
  return {};
}

Result<Detach> Detach::start() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return errno_error("pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  const pid_t child = ::fork();
  if (child < 0) return errno_error("fork");
  if (child > 0) {
    wr.reset();
    char c = 0;
    ssize_t n;
    do n = ::read(rd.get(), &c, 1); while (n < 0 && errno == EINTR);
    if (n == 1) ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
  }
  rd.reset();
  if (::setsid() < 0) return errno_error("setsid");
  if (::chdir("/") < 0) return errno_error("chdir /");
  Detach d;
  d.notify_ = std::move(wr);
  return d;
}

void Detach::ready() {
  if (!notify_) return;
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
    ::close(devnull);
  }
  const char c = 1;
  (void)!::write(notify_.get(), &c, 1);
  notify_.reset();
}

Result<UniqueFd> lock_pid_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) return errno_error("open " + path);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) {
    char buf[32] = {};
    (void)!::pread(fd.get(), buf, sizeof buf - 1, 0);
    return Error{EEXIST, "already running (pid " + std::string(buf, strcspn(buf, "\n")) + ")", {}};
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) < 0 || ::pwrite(fd.get(), pid.data(), pid.size(), 0) < 0)
    return errno_error("write " + path);
  return fd;
}

}  // namespace twinbeat::daemon
