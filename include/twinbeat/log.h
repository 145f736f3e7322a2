// Logging for the daemon: syslog (with ha.cf's logfacility), logfile,
// debugfile, and stderr in the foreground. Lines keep Heartbeat's level words
// (`WARN: node lb2: is dead`) so existing log watches keep firing.
//
// Never blocks the heartbeat loop: syslog is written to /dev/log with a
// non-blocking datagram socket (glibc's syslog(3) blocks when the log daemon
// is slow), and a line that cannot be written at once is dropped and counted.
#pragma once

#include <cstdint>
#include <string>

namespace twinbeat {

enum class Level { debug, info, notice, warn, error, crit };
const char* to_string(Level l);  // "debug", "info", "notice", "WARN", "ERROR", "CRIT"

struct LogConfig {
  std::string ident = "twinbeatd";
  int facility = -1;      // a LOG_* facility, or -1 for no syslog
  std::string logfile;    // every line at info and above
  std::string debugfile;  // every line, debug included
  bool to_stderr = false;
  bool debug = false;     // debug lines go to syslog/stderr too
};

// Sets up (or replaces) the process's log sinks. Files are opened for
// append; a file that cannot be opened is reported on stderr and skipped.
void log_open(const LogConfig& config);
void log_close();

[[gnu::format(printf, 2, 3)]] void log(Level level, const char* fmt, ...);
// As log(), followed by ": " and strerror(errno).
[[gnu::format(printf, 2, 3)]] void log_errno(Level level, const char* fmt, ...);

// Lines that could not be written to a sink without blocking.
uint64_t log_dropped();

}  // namespace twinbeat
