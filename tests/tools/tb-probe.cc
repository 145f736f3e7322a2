// tb-probe: the client of the load-balancer tests. `run` requests a URL at a
// fixed rate and logs every answer; `summary` reads such a log and tells how
// long the service was out after an injection time.
//
//   tb-probe run --url http://IP:PORT/ [--every-ms 10] [--timeout-ms 100]
//                [--duration-ms N] [--out FILE]
//   tb-probe summary --in FILE --from MS --node NAME [--to MS]
//
// run: a request starts every EVERY ms whatever the earlier ones are doing
// (each on its own TCP connection, non-blocking, given TIMEOUT ms in all:
// connect, send, and the response headers), so an outage is seen to within
// EVERY ms, not to within TIMEOUT. One line per finished request, written at
// once (a killed probe leaves whole lines):
//
//   START_MS END_MS ok NODE 200          NODE: the X-Node response header
//   START_MS END_MS fail - REASON        timeout, refused, unreachable, http-503, ...
//
// Times are CLOCK_REALTIME in ms with three decimals, the clock the shell's
// `date +%s%3N` and the daemons' watchers use. Stops on SIGTERM or SIGINT
// (requests in flight are dropped, not logged) or after DURATION ms.
//
// summary: for requests that ended at or after FROM (and started before TO):
//   outage_ms   FROM to the end of the first ok answered by NODE ("none")
//   failed      requests that failed
//   requests    requests counted
//   longest_gap_ms  the longest time with no ok answer (from any node),
//               counted from the last ok before FROM
//   by_node     ok answers per node, e.g. alpha:12,beta:80
// Exit status: 0; 1 when NODE never answered; 2 bad arguments.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kExitBadArgs = 2;

const char kUsage[] =
    "usage: tb-probe run --url http://IP:PORT/ [--every-ms 10] [--timeout-ms 100]\n"
    "                    [--duration-ms N] [--out FILE]\n"
    "       tb-probe summary --in FILE --from MS --node NAME [--to MS]\n";

double real_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double mono_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::optional<double> parse_number(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Flags as --name value pairs; nullopt on a flag without a value.
std::optional<std::map<std::string, std::string>> parse_flags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i < argc; i += 2) {
    const std::string_view name = argv[i];
    if (name.substr(0, 2) != "--" || i + 1 >= argc) return std::nullopt;
    flags[std::string(name.substr(2))] = argv[i + 1];
  }
  return flags;
}

// --- run ---------------------------------------------------------------------

struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string host;  // for the Host header
};

// http://IPV4:PORT/ or http://[IPV6]:PORT/; the path is always "/".
std::optional<Target> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  Target t;
  t.host = std::string(rest);
  std::string ip;
  std::string_view port = "80";
  if (!rest.empty() && rest[0] == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    ip = std::string(rest.substr(1, close - 1));
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else {
    const size_t colon = rest.find(':');
    ip = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  const auto p = parse_number(port);
  if (!p || *p < 1 || *p > 65535) return std::nullopt;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&t.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(*p));
    t.len = sizeof *v4;
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(*p));
    t.len = sizeof *v6;
  } else {
    return std::nullopt;
  }
  return t;
}

struct Request {
  int fd = -1;
  double start_real = 0;
  double deadline_mono = 0;
  bool sent = false;
  std::string response;
};

class Prober {
 public:
  Prober(Target target, double every_ms, double timeout_ms, int out)
      : target_(std::move(target)), every_ms_(every_ms), timeout_ms_(timeout_ms), out_(out) {}
  int run(double duration_ms);

 private:
  void start_request();
  void on_ready(int fd);
  void finish(int fd, bool ok, const std::string& node, const std::string& detail);
  void expire(double now_mono);

  Target target_;
  double every_ms_, timeout_ms_;
  int out_;
  int ep_ = -1;
  std::map<int, Request> inflight_;
  long ok_ = 0, failed_ = 0;
};

void Prober::start_request() {
  Request r;
  r.start_real = real_ms();
  r.deadline_mono = mono_ms() + timeout_ms_;
  r.fd = socket(target_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (r.fd < 0) {
    const std::string why = std::string("socket:") + std::strerror(errno);
    dprintf(out_, "%.3f %.3f fail - %s\n", r.start_real, real_ms(), why.c_str());
    ++failed_;
    return;
  }
  // Close with a reset: no TIME_WAIT pile-up at 100 connections a second.
  const linger lg{1, 0};
  setsockopt(r.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  const int fd = r.fd;
  inflight_[fd] = std::move(r);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&target_.addr), target_.len) < 0 &&
      errno != EINPROGRESS) {
    finish(fd, false, "-", errno == ECONNREFUSED ? "refused" : std::strerror(errno));
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
}

// The value of a response header (case-insensitive name), or "-".
std::string header_value(const std::string& head, std::string_view name) {
  std::istringstream lines(head);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() <= name.size() || line[name.size()] != ':') continue;
    if (!std::equal(name.begin(), name.end(), line.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      continue;
    std::string v = line.substr(name.size() + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
    return v.empty() ? "-" : v;
  }
  return "-";
}

void Prober::on_ready(int fd) {
  auto it = inflight_.find(fd);
  if (it == inflight_.end()) return;
  Request& r = it->second;
  if (!r.sent) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
      return finish(fd, false, "-", err == ECONNREFUSED ? "refused" : std::strerror(err));
    const std::string req = "GET / HTTP/1.0\r\nHost: " + target_.host +
                            "\r\nUser-Agent: tb-probe\r\nConnection: close\r\n\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
      return finish(fd, false, "-", "send");
    r.sent = true;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &ev);
    return;
  }
  char buf[4096];
  bool eof = false;
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      r.response.append(buf, static_cast<size_t>(n));
      if (r.response.size() > 65536) return finish(fd, false, "-", "oversized");
      continue;
    }
    if (n == 0)
      eof = true;
    else if (errno != EAGAIN && errno != EINTR)
      return finish(fd, false, "-", errno == ECONNRESET ? "reset" : std::strerror(errno));
    break;
  }
  const size_t end = r.response.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (!eof) return;  // the headers are not all here yet
    return finish(fd, false, "-", r.response.empty() ? "closed" : "truncated");
  }
  const std::string head = r.response.substr(0, end + 2);
  const bool ok =
      head.compare(0, 12, "HTTP/1.0 200") == 0 || head.compare(0, 12, "HTTP/1.1 200") == 0;
  const std::string code = head.size() > 12 ? head.substr(9, 3) : "?";
  finish(fd, ok, header_value(head, "X-Node"), ok ? code : "http-" + code);
}

void Prober::finish(int fd, bool ok, const std::string& node, const std::string& detail) {
  auto it = inflight_.find(fd);
  if (it == inflight_.end()) return;
  std::string d = detail;
  std::replace(d.begin(), d.end(), ' ', '_');
  dprintf(out_, "%.3f %.3f %s %s %s\n", it->second.start_real, real_ms(), ok ? "ok" : "fail",
          ok ? node.c_str() : "-", d.c_str());
  ok ? ++ok_ : ++failed_;
  close(fd);  // also leaves the epoll set
  inflight_.erase(it);
}

void Prober::expire(double now_mono) {
  std::vector<int> late;
  for (const auto& [fd, r] : inflight_)
    if (now_mono >= r.deadline_mono) late.push_back(fd);
  for (int fd : late) finish(fd, false, "-", "timeout");
}

int Prober::run(double duration_ms) {
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  const int sig = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = sig;
  epoll_ctl(ep_, EPOLL_CTL_ADD, sig, &ev);
  const double t0 = mono_ms();
  double next = t0;
  for (;;) {
    double now = mono_ms();
    if (duration_ms > 0 && now - t0 >= duration_ms) break;
    if (now >= next) {
      start_request();
      next += every_ms_;
      if (next < now) next = now + every_ms_;  // we were stalled: do not burst to catch up
    }
    double wait = next - now;
    for (const auto& [fd, r] : inflight_) wait = std::min(wait, r.deadline_mono - now);
    epoll_event evs[64];
    const int n = epoll_wait(ep_, evs, 64, std::max(0, static_cast<int>(wait + 0.999)));
    for (int i = 0; i < n; ++i) {
      if (evs[i].data.fd == sig) {
        std::fprintf(stderr, "tb-probe: %ld ok, %ld failed\n", ok_, failed_);
        return 0;
      }
      on_ready(evs[i].data.fd);
    }
    expire(mono_ms());
  }
  std::fprintf(stderr, "tb-probe: %ld ok, %ld failed\n", ok_, failed_);
  return 0;
}

int cmd_run(const std::map<std::string, std::string>& flags) {
  auto get = [&](const char* name, const char* def) {
    auto it = flags.find(name);
    return it == flags.end() ? std::string(def) : it->second;
  };
  const auto target = parse_url(get("url", ""));
  const auto every = parse_number(get("every-ms", "10"));
  const auto timeout = parse_number(get("timeout-ms", "100"));
  const auto duration = parse_number(get("duration-ms", "0"));
  if (!target || !every || *every <= 0 || !timeout || *timeout <= 0 || !duration) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  int out = STDOUT_FILENO;
  if (flags.count("out")) {
    out = open(flags.at("out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (out < 0) {
      std::fprintf(stderr, "tb-probe: %s: %s\n", flags.at("out").c_str(), std::strerror(errno));
      return 1;
    }
  }
  return Prober(*target, *every, *timeout, out).run(*duration);
}

// --- summary -----------------------------------------------------------------

struct Line {
  double start = 0, end = 0;
  bool ok = false;
  std::string node;
};

int cmd_summary(const std::map<std::string, std::string>& flags) {
  const auto from_arg = flags.count("from") ? parse_number(flags.at("from")) : std::nullopt;
  const auto to_arg =
      flags.count("to") ? parse_number(flags.at("to")) : std::optional<double>(1e18);
  if (!flags.count("in") || !flags.count("node") || !from_arg || !to_arg) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  const double from = *from_arg, to = *to_arg;
  const std::string& want = flags.at("node");
  std::ifstream in(flags.at("in"));
  if (!in) {
    std::fprintf(stderr, "tb-probe: cannot read %s\n", flags.at("in").c_str());
    return kExitBadArgs;
  }
  std::vector<Line> lines;
  std::string text;
  while (std::getline(in, text)) {
    std::istringstream f(text);
    Line l;
    std::string verdict;
    if (f >> l.start >> l.end >> verdict >> l.node) {
      l.ok = verdict == "ok";
      lines.push_back(l);
    }
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.end < b.end; });
  std::optional<double> first_ok, last_ok_before;
  long failed = 0, counted = 0;
  double gap = 0, prev_ok = from;
  std::map<std::string, long> by_node;
  for (const Line& l : lines) {
    if (l.end < from) {
      if (l.ok) last_ok_before = l.end;
      continue;
    }
    if (l.start >= to) continue;
    if (counted == 0 && last_ok_before) prev_ok = *last_ok_before;
    ++counted;
    if (!l.ok) {
      ++failed;
      continue;
    }
    ++by_node[l.node];
    gap = std::max(gap, l.end - prev_ok);
    prev_ok = l.end;
    if (!first_ok && l.node == want) first_ok = l.end;
  }
  if (counted > 0 && !lines.empty()) {
    const double last = std::min(to, lines.back().end);
    gap = std::max(gap, last - prev_ok);
  }
  std::string nodes;
  for (const auto& [n, c] : by_node)
    nodes += (nodes.empty() ? "" : ",") + n + ":" + std::to_string(c);
  if (first_ok)
    std::printf("outage_ms=%.0f", *first_ok - from);
  else
    std::printf("outage_ms=none");
  std::printf(" failed=%ld requests=%ld longest_gap_ms=%.0f by_node=%s\n", failed, counted, gap,
              nodes.empty() ? "-" : nodes.c_str());
  return first_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  const std::string_view cmd = argv[1];
  const auto flags = parse_flags(argc, argv);
  if (!flags) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  if (cmd == "run") return cmd_run(*flags);
  if (cmd == "summary") return cmd_summary(*flags);
  std::fputs(kUsage, stderr);
  return kExitBadArgs;
}
