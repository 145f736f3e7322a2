// The control socket: a root-only unix stream socket (mode 0600, and the
// peer's uid checked with SO_PEERCRED). One request line per connection, one
// reply, then the daemon closes. A client that stalls is dropped after 5 s; a
// malformed or oversized request gets an "error: ..." reply, never a crash.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "loop.h"
#include "twinbeat/result.h"
#include "twinbeat/time.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::daemon {

class ControlServer {
 public:
  // Returns the reply text for one request line (without its newline).
  using Handler = std::function<std::string(const std::string& request)>;

  // Binds `path` (replacing a stale socket) and starts accepting on `loop`.
  // The server must not outlive `loop`.
  static Result<std::unique_ptr<ControlServer>> open(Loop& loop, const std::string& path, Handler handler);
  ~ControlServer();

  // Drops connections that passed their deadline.
  void expire(Instant now);

  const std::string& path() const { return path_; }

 private:
  struct Conn {
    UniqueFd fd;
    std::string in;
    std::string out;
    size_t sent = 0;
    Instant deadline;
  };
  ControlServer(Loop& loop, std::string path, Handler handler);
  void on_accept();
  void on_conn(int fd, uint32_t events);
  void close_conn(int fd);

  Loop& loop_;
  std::string path_;
  Handler handler_;
  UniqueFd listen_;
  std::map<int, Conn> conns_;
};

// Maximum request size; longer ones get an error.
inline constexpr size_t kMaxControlRequest = 4096;

}  // namespace twinbeat::daemon
