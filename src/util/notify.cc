// sd_notify's datagram, by hand: libsystemd is not among our libraries, and
// the protocol is one sendto on a unix socket (abstract when it starts with @).
#include "twinbeat/notify.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "twinbeat/unique_fd.h"

namespace twinbeat {

bool notify_service_manager(const char* state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return true;
  sockaddr_un sa{};
  const size_t len = std::strlen(path);
  if (len >= sizeof sa.sun_path || (path[0] != '/' && path[0] != '@')) return false;
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = '\0';
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  const socklen_t salen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  return ::sendto(fd.get(), state, std::strlen(state), MSG_NOSIGNAL,
                  reinterpret_cast<sockaddr*>(&sa), salen) >= 0;
}

}  // namespace twinbeat
