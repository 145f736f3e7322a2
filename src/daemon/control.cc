// Control socket: accept, check credentials, read a line, reply, close.
#include "control.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace twinbeat::daemon {

namespace {

constexpr Millis kClientTimeout{5000};

Instant now() { return MonotonicClock().now(); }

}  // namespace

ControlServer::ControlServer(Loop& loop, std::string path, Handler handler)
    : loop_(loop), path_(std::move(path)), handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
  for (auto& [fd, conn] : conns_) loop_.remove(fd);
  if (listen_) {
    loop_.remove(listen_.get());
    ::unlink(path_.c_str());
  }
}

Result<std::unique_ptr<ControlServer>> ControlServer::open(Loop& loop, const std::string& path, Handler handler) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) return Error{ENAMETOOLONG, "control socket path too long: " + path, {}};
  std::unique_ptr<ControlServer> guard(new ControlServer(loop, path, std::move(handler)));
  ControlServer* server = guard.get();
  server->listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!server->listen_) return errno_error("socket");
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());  // a stale socket of a dead daemon; the pid file lock proves it
  const mode_t old = ::umask(0077);
  const int rc = ::bind(server->listen_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  ::umask(old);
  if (rc < 0) return errno_error("bind " + path);
  if (::chmod(path.c_str(), 0600) < 0) return errno_error("chmod " + path);
  if (::listen(server->listen_.get(), 16) < 0) return errno_error("listen " + path);
  if (auto r = loop.add(server->listen_.get(), EPOLLIN, [server](uint32_t) { server->on_accept(); }); !r)
    return r.error();
  return guard;
}

void ControlServer::on_accept() {
  for (int i = 0; i < 16; ++i) {
    UniqueFd fd(::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) return;
    ucred cred{};
    socklen_t len = sizeof cred;
    const int cfd = fd.get();
    Conn conn;
    conn.deadline = now() + kClientTimeout;
    if (::getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0)
      conn.out = "error: permission denied (the control socket is root-only)\n";
    conn.fd = std::move(fd);
    const bool answered = !conn.out.empty();
    conns_[cfd] = std::move(conn);
    if (!loop_.add(cfd, answered ? EPOLLOUT : EPOLLIN, [this, cfd](uint32_t ev) { on_conn(cfd, ev); }))
      close_conn(cfd);
  }
}

void ControlServer::on_conn(int fd, uint32_t events) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  if (c.out.empty() && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
    char buf[1024];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) c.in.append(buf, static_cast<size_t>(n));
    const size_t nl = c.in.find('\n');
    if (nl == std::string::npos && c.in.size() > kMaxControlRequest) {
      c.out = "error: request too long\n";
    } else if (nl != std::string::npos || n <= 0) {
      if (n <= 0 && c.in.empty()) return close_conn(fd);
      std::string request = c.in.substr(0, nl);
      c.out = handler_(request);
      if (c.out.empty() || c.out.back() != '\n') c.out += '\n';
    } else {
      return;
    }
    loop_.modify(fd, EPOLLOUT);
  }
  if (c.out.empty()) return;
  while (c.sent < c.out.size()) {
    const ssize_t n = ::send(fd, c.out.data() + c.sent, c.out.size() - c.sent,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) break;
    c.sent += static_cast<size_t>(n);
  }
  close_conn(fd);
}

void ControlServer::close_conn(int fd) {
  loop_.remove(fd);
  conns_.erase(fd);
}

void ControlServer::expire(Instant t) {
  for (auto it = conns_.begin(); it != conns_.end();) {
    const int fd = it->first;
    ++it;
    if (conns_[fd].deadline <= t) close_conn(fd);
  }
}

}  // namespace twinbeat::daemon
