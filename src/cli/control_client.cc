// Control socket client.
#include "control_client.h"

#include <cstdio>

#include "commands.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "twinbeat/unique_fd.h"

namespace twinbeat::cli {

Result<std::string> control_request(const std::string& path, const std::string& request,
                                    Millis timeout) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) return Error{ENAMETOOLONG, "path too long: " + path, {}};
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("socket");
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0)
    return errno_error("cannot reach twinbeatd at " + path);
  const std::string line = request + "\n";
  if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    return errno_error("send to " + path);
  std::string reply;
  for (;;) {
    pollfd p{fd.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready == 0) return Error{ETIMEDOUT, "twinbeatd did not answer within " + std::to_string(timeout.count()) + " ms", {}};
    if (ready < 0) {
      if (errno == EINTR) continue;
      return errno_error("poll");
    }
    char buf[4096];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) return errno_error("read from " + path);
    if (n == 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  return reply;
}

int unreachable(const std::string& why, int err) {
  if (err == EACCES || err == EPERM) {
    std::fprintf(stderr, "twinbeat: %s: the control socket is root-only\n", why.c_str());
    return kExitPermission;
  }
  std::fprintf(stderr, "twinbeat: %s (is twinbeatd running?)\n", why.c_str());
  return kExitNotRunning;
}

}  // namespace twinbeat::cli
