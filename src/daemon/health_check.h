// HealthChecker: the built-in monitors of haresources' `check=` option, run
// in the daemon's loop without forking: a non-blocking connection with a
// deadline, one per check in flight.
//   stats:PATH     haproxy's stats socket must answer "show info" with a
//                  "Pid:" line (haproxy runs and its master loop answers)
//   tcp:HOST:PORT  a TCP connection to HOST:PORT must be accepted
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "loop.h"
#include "twinbeat/config/haresources.h"
#include "twinbeat/time.h"

namespace twinbeat::daemon {

class HealthChecker {
 public:
  // ok: the service answered; otherwise `why` says what went wrong.
  using Done = std::function<void(bool ok, const std::string& why)>;

  // `after` runs once each check's `done` has (the daemon settles then).
  HealthChecker(Loop& loop, std::function<void()> after);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Starts a check; `done` runs from the loop (from inside run() only when
  // not even a timerfd can be had).
  void run(const config::HealthCheck& check, Millis timeout, Done done);
  size_t in_flight() const { return checks_.size(); }

 private:
  struct Check;
  void on_socket(uint64_t id, uint32_t events);
  void finish(uint64_t id, bool ok, const std::string& why);

  Loop& loop_;
  std::function<void()> after_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::unique_ptr<Check>> checks_;
};

}  // namespace twinbeat::daemon
