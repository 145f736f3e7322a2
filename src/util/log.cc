// Log sinks: non-blocking syslog datagrams, append-only files, stderr.
#include "twinbeat/log.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "twinbeat/unique_fd.h"

namespace twinbeat {

namespace {

struct Sinks {
  LogConfig config;
  UniqueFd syslog_fd;
  UniqueFd logfile;
  UniqueFd debugfile;
  uint64_t dropped = 0;
};

Sinks& sinks() {
  static Sinks s;  // one per process; set up by log_open
  return s;
}

int syslog_priority(Level l) {
  switch (l) {
    case Level::debug: return LOG_DEBUG;
    case Level::info: return LOG_INFO;
    case Level::notice: return LOG_NOTICE;
    case Level::warn: return LOG_WARNING;
    case Level::error: return LOG_ERR;
    case Level::crit: return LOG_CRIT;
  }
  return LOG_INFO;
}

UniqueFd open_syslog() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strcpy(sa.sun_path, "/dev/log");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) fd.reset();
  return fd;
}

UniqueFd open_append(const std::string& path) {
  if (path.empty() || path == "/dev/null") return UniqueFd();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640));
  if (!fd) std::fprintf(stderr, "twinbeatd: cannot open log file %s: %s\n", path.c_str(),
                        std::strerror(errno));
  return fd;
}

void write_all_or_drop(int fd, const char* data, size_t len) {
  if (fd < 0) return;
  const ssize_t n = ::write(fd, data, len);
  if (n != static_cast<ssize_t>(len)) ++sinks().dropped;
}

void emit(Level level, const char* text) {
  Sinks& s = sinks();
  const int pid = static_cast<int>(::getpid());
  char stamp[32];
  const time_t t = ::time(nullptr);
  tm local{};
  ::localtime_r(&t, &local);
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &local);

  char line[1200];
  int n = std::snprintf(line, sizeof line, "%s %s[%d]: %s: %s\n", stamp, s.config.ident.c_str(),
                        pid, to_string(level), text);
  n = n < 0 ? 0 : std::min<int>(n, sizeof line - 1);
  const bool debug_line = level == Level::debug;
  if (!debug_line) write_all_or_drop(s.logfile.get(), line, static_cast<size_t>(n));
  write_all_or_drop(s.debugfile.get(), line, static_cast<size_t>(n));
  if (debug_line && !s.config.debug) return;
  if (s.config.to_stderr) write_all_or_drop(STDERR_FILENO, line, static_cast<size_t>(n));
  if (s.syslog_fd) {
    char msg[1200];
    const int m = std::snprintf(msg, sizeof msg, "<%d>%s %s[%d]: %s: %s", s.config.facility |
                                syslog_priority(level), stamp, s.config.ident.c_str(), pid,
                                to_string(level), text);
    if (m > 0 && ::send(s.syslog_fd.get(), msg, std::min<size_t>(m, sizeof msg - 1),
                        MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
      ++s.dropped;
  }
}

void vlog(Level level, bool with_errno, const char* fmt, va_list ap) {
  const int err = errno;
  char text[1024];
  int n = std::vsnprintf(text, sizeof text, fmt, ap);
  if (with_errno && n >= 0 && static_cast<size_t>(n) < sizeof text)
    std::snprintf(text + n, sizeof text - n, ": %s", std::strerror(err));
  emit(level, text);
  errno = err;
}

}  // namespace

const char* to_string(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::notice: return "notice";
    case Level::warn: return "WARN";
    case Level::error: return "ERROR";
    case Level::crit: return "CRIT";
  }
  return "?";
}

void log_open(const LogConfig& config) {
  Sinks& s = sinks();
  s.config = config;
  s.syslog_fd = config.facility >= 0 ? open_syslog() : UniqueFd();
  s.logfile = open_append(config.logfile);
  s.debugfile = open_append(config.debugfile);
}

void log_close() {
  Sinks& s = sinks();
  s.syslog_fd.reset();
  s.logfile.reset();
  s.debugfile.reset();
}

void log(Level level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, false, fmt, ap);
  va_end(ap);
}

void log_errno(Level level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, true, fmt, ap);
  va_end(ap);
}

uint64_t log_dropped() { return sinks().dropped; }

}  // namespace twinbeat
