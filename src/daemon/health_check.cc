// HealthChecker: connect, ask (stats), read, judge; a timerfd bounds each.
#include "health_check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace twinbeat::daemon {

struct HealthChecker::Check {
  config::HealthCheck spec;
  UniqueFd sock;
  std::optional<Timer> timer;
  Done done;
  bool connected = false;
  std::string reply;
};

namespace {

constexpr size_t kMaxReply = 64 * 1024;

std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

// Starts a non-blocking connect; EINPROGRESS is the usual answer.
int start_connect(const config::HealthCheck& c, int& err) {
  err = 0;
  if (c.kind == config::HealthCheck::Kind::stats) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (c.path.size() >= sizeof(sa.sun_path)) {
      err = ENAMETOOLONG;
      return -1;
    }
    std::memcpy(sa.sun_path, c.path.data(), c.path.size());
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS)) {
      err = errno;
      if (fd >= 0) close(fd);
      return -1;
    }
    return fd;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, c.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(c.port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, c.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(c.port);
    len = sizeof *v6;
  } else {
    err = EINVAL;
    return -1;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS)) {
    err = errno;
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

HealthChecker::HealthChecker(Loop& loop, std::function<void()> after)
    : loop_(loop), after_(std::move(after)) {}

HealthChecker::~HealthChecker() {
  for (auto& [id, c] : checks_) {
    loop_.remove(c->sock.get());
    if (c->timer) loop_.remove(c->timer->fd());
  }
}

void HealthChecker::run(const config::HealthCheck& spec, Millis timeout, Done done) {
  auto timer = Timer::create();
  if (!timer) return done(false, "no timer for the check: " + timer.error().message);
  const uint64_t id = next_id_++;
  auto c = std::make_unique<Check>();
  c->spec = spec;
  c->done = std::move(done);
  c->timer = std::move(*timer);
  int err = 0;
  c->sock = UniqueFd(start_connect(spec, err));
  // A connect that failed at once is reported from the loop too, by a
  // timer that has already expired.
  c->timer->arm_at(MonotonicClock().now() + (err ? Millis{0} : timeout));
  const std::string why = err ? errno_text("connect", err)
                              : "no answer within " + std::to_string(timeout.count()) + " ms";
  (void)loop_.add(c->timer->fd(), EPOLLIN, [this, id, why](uint32_t) { finish(id, false, why); });
  if (!err)
    (void)loop_.add(c->sock.get(), EPOLLOUT | EPOLLIN | EPOLLRDHUP,
                    [this, id](uint32_t ev) { on_socket(id, ev); });
  checks_.emplace(id, std::move(c));
}

void HealthChecker::on_socket(uint64_t id, uint32_t events) {
  auto it = checks_.find(id);
  if (it == checks_.end()) return;
  Check& c = *it->second;
  const int fd = c.sock.get();
  if (!c.connected) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return finish(id, false, errno_text("connect", err));
    if (!(events & (EPOLLOUT | EPOLLIN | EPOLLHUP))) return;
    c.connected = true;
    if (c.spec.kind == config::HealthCheck::Kind::tcp) return finish(id, true, "");
    static constexpr char kAsk[] = "show info\n";
    if (send(fd, kAsk, sizeof kAsk - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof kAsk - 1))
      return finish(id, false, errno_text("send", errno));
    loop_.modify(fd, EPOLLIN | EPOLLRDHUP);
    return;
  }
  char buf[4096];
  for (int round = 0; round < 64; ++round) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.reply.append(buf, static_cast<size_t>(n));
      if (c.reply.size() > kMaxReply) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // more to come
    if (n < 0) return finish(id, false, errno_text("recv", errno));
    break;  // EOF: haproxy closes after one answer
  }
  const bool pid = c.reply.starts_with("Pid: ") || c.reply.find("\nPid: ") != std::string::npos;
  finish(id, pid, pid ? "" : "the stats socket answered without a Pid line");
}

void HealthChecker::finish(uint64_t id, bool ok, const std::string& why) {
  auto it = checks_.find(id);
  if (it == checks_.end()) return;
  std::unique_ptr<Check> c = std::move(it->second);
  checks_.erase(it);
  if (c->sock) loop_.remove(c->sock.get());
  if (c->timer) loop_.remove(c->timer->fd());
  c->done(ok, why);
  if (after_) after_();
}

}  // namespace twinbeat::daemon
