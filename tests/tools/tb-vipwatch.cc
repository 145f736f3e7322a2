// tb-vipwatch: where the VIPs are, to the millisecond, for the load-balancer
// tests and benches. Times are CLOCK_REALTIME in ms with three decimals, the
// clock of tb-probe and of the shell's `date +%s%3N`.
//
//   tb-vipwatch watch --addr IP [--addr IP ...] [--out FILE]
//   tb-vipwatch both --a FILE --b FILE --addr IP [--from MS] [--to MS]
//                    [--resolution-ms 1]
//   tb-vipwatch reach --dev IF --mac MAC --addr IP [--addr IP ...]
//                     [--mode ping|announce] [--every-ms 5] [--timeout-ms 5000]
//                     [--log FILE --pattern TEXT --slow-ms 100]
//
// watch (run in a node's namespace): follows rtnetlink. An address is "on"
// while it is configured on an interface that is administratively up (an
// IPv4 address stays on a downed interface, but nothing can reach it there).
// Prints each address's state first, then "MS ready", then one line per
// change: "MS on IP IFNAME" or "MS off IP". Runs until SIGTERM.
//
// both: reads two watch files and prints, for IP, how long it was on in
// both at once between FROM and TO (default: the first and last line):
//   both_ms=N intervals=N blips=N still_both=yes|no
// An overlap shorter than RESOLUTION ms (--resolution-ms, default 1) is not
// counted in both_ms and intervals but as a blip: each watcher stamps an
// event when it wakes up, so the order of two events in two namespaces less
// than a wake-up apart is not known (run the watchers at a realtime
// priority to keep that short).
//
// reach (run in the client's namespace): when each IP has moved to MAC.
// mode ping: pings every IP not answered yet (ICMP or ICMPv6 echo) every
// EVERY ms and prints "MS answered IP" at the first echo reply whose
// Ethernet source is MAC (which node answered); then "MS all N answered"
// and exit 0, or "MS timeout: ..." and exit 1. mode announce: sends nothing
// until MAC has announced every IP (a gratuitous ARP or any ARP packet from
// MAC naming IP as its sender, or a neighbour advertisement from MAC for
// IP as target), printing "MS announced IP" for each and "MS all N
// announced", then pings as above to check that they all answer from MAC.
// Announcements are what move the client's neighbour entries, and listening
// loads nothing, where pinging 128 addresses every 5 ms would.
// With --log, also prints "MS log" once a line containing TEXT is appended
// to FILE (woken by inotify, polled every millisecond besides), and pings
// only every SLOW ms before. The "all" lines carry the time of the last
// address's event.
//
// Exit status: 0; 1 failure or timeout; 2 bad arguments.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace {

constexpr int kExitBadArgs = 2;
constexpr int kIcmpFilter = 1;  // <linux/icmp.h>'s ICMP_FILTER: a bitmask of types to drop

const char kUsage[] =
    "usage: tb-vipwatch watch --addr IP [--addr IP ...] [--out FILE]\n"
    "       tb-vipwatch both --a FILE --b FILE --addr IP [--from MS] [--to MS]\n"
    "                        [--resolution-ms 1]\n"
    "       tb-vipwatch reach --dev IF --mac MAC --addr IP [--addr IP ...] [--mode ping|announce]\n"
    "                         [--every-ms 5] [--timeout-ms 5000]\n"
    "                         [--log FILE --pattern TEXT --slow-ms 100]\n";

double real_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::optional<double> parse_number(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// --name value pairs; --addr may repeat.
struct Flags {
  std::map<std::string, std::string> one;
  std::vector<std::string> addrs;
  std::string get(const char* name, const char* def = "") const {
    auto it = one.find(name);
    return it == one.end() ? def : it->second;
  }
};

std::optional<Flags> parse_flags(int argc, char** argv) {
  Flags f;
  for (int i = 2; i < argc; i += 2) {
    const std::string_view name = argv[i];
    if (name.substr(0, 2) != "--" || i + 1 >= argc) return std::nullopt;
    if (name == "--addr")
      f.addrs.push_back(argv[i + 1]);
    else
      f.one[std::string(name.substr(2))] = argv[i + 1];
  }
  return f;
}

// An address in canonical text form (what inet_ntop prints), or nothing.
std::optional<std::string> canonical(const std::string& text) {
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return inet_ntop(AF_INET, buf, out, sizeof out);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return inet_ntop(AF_INET6, buf, out, sizeof out);
  return std::nullopt;
}

// --- watch -------------------------------------------------------------------

class Watcher {
 public:
  Watcher(std::set<std::string> addrs, int out) : watched_(std::move(addrs)), out_(out) {}
  int run();

 private:
  bool request_dump(int type, int family);
  bool read_until_done(bool dump);
  void on_message(const nlmsghdr* h);
  void report(bool initial);

  std::set<std::string> watched_;
  int out_;
  int nl_ = -1;
  std::map<int, std::pair<std::string, bool>> links_;  // ifindex -> (name, up)
  std::set<std::pair<std::string, int>> addrs_;        // (address, ifindex)
  std::map<std::string, std::string> shown_;           // address -> "" (off) or ifname
  uint32_t seq_ = 0;
};

bool Watcher::request_dump(int type, int family) {
  struct {
    nlmsghdr h;
    rtgenmsg g;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = static_cast<uint16_t>(type);
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = ++seq_;
  req.g.rtgen_family = static_cast<unsigned char>(family);
  return send(nl_, &req, sizeof req, 0) == static_cast<ssize_t>(sizeof req);
}

// Reads messages; with `dump`, until the dump's NLMSG_DONE. Events that
// arrive meanwhile are applied too.
bool Watcher::read_until_done(bool dump) {
  alignas(nlmsghdr) char buf[65536];
  for (;;) {
    const ssize_t n = recv(nl_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // events lost: the caller re-dumps
        std::fprintf(stderr, "tb-vipwatch: netlink overrun\n");
        return false;
      }
      return !dump && (errno == EAGAIN);
    }
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE && dump && h->nlmsg_seq == seq_) return true;
      if (h->nlmsg_type == NLMSG_ERROR) return false;
      on_message(h);
    }
    if (!dump) return true;
  }
}

void Watcher::on_message(const nlmsghdr* h) {
  if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
    const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    if (h->nlmsg_type == RTM_DELLINK) {
      links_.erase(ifi->ifi_index);
      return;
    }
    std::string name = links_[ifi->ifi_index].first;
    int len = static_cast<int>(IFLA_PAYLOAD(h));
    for (auto* a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
      if (a->rta_type == IFLA_IFNAME) name = static_cast<const char*>(RTA_DATA(a));
    links_[ifi->ifi_index] = {name, (ifi->ifi_flags & IFF_UP) != 0};
    return;
  }
  if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) return;
  const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
  int len = static_cast<int>(IFA_PAYLOAD(h));
  const void* local = nullptr;
  const void* address = nullptr;
  for (auto* a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == IFA_LOCAL) local = RTA_DATA(a);
    if (a->rta_type == IFA_ADDRESS) address = RTA_DATA(a);
  }
  const void* raw = local ? local : address;  // IPv4: IFA_LOCAL; IPv6: IFA_ADDRESS
  if (!raw) return;
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(ifa->ifa_family, raw, text, sizeof text)) return;
  const auto key = std::make_pair(std::string(text), static_cast<int>(ifa->ifa_index));
  if (h->nlmsg_type == RTM_NEWADDR)
    addrs_.insert(key);
  else
    addrs_.erase(key);
}

// Prints the addresses whose state changed (all of them when `initial`).
void Watcher::report(bool initial) {
  const double now = real_ms();
  for (const std::string& w : watched_) {
    std::string where;
    for (const auto& [addr, index] : addrs_) {
      auto l = links_.find(index);
      if (addr == w && l != links_.end() && l->second.second) where = l->second.first;
    }
    auto it = shown_.find(w);
    if (!initial && it != shown_.end() && it->second == where) continue;
    shown_[w] = where;
    if (where.empty())
      dprintf(out_, "%.3f off %s\n", now, w.c_str());
    else
      dprintf(out_, "%.3f on %s %s\n", now, w.c_str(), where.c_str());
  }
}

int Watcher::run() {
  nl_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  const int big = 1 << 20;
  setsockopt(nl_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  if (nl_ < 0 || bind(nl_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    std::perror("tb-vipwatch: netlink");
    return 1;
  }
  auto dump_all = [this] {
    links_.clear();
    addrs_.clear();
    return request_dump(RTM_GETLINK, AF_UNSPEC) && read_until_done(true) &&
           request_dump(RTM_GETADDR, AF_UNSPEC) && read_until_done(true);
  };
  if (!dump_all()) {
    std::fprintf(stderr, "tb-vipwatch: netlink dump failed\n");
    return 1;
  }
  report(true);
  dprintf(out_, "%.3f ready\n", real_ms());
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  const int sig = signalfd(-1, &stop, SFD_CLOEXEC);
  for (;;) {
    pollfd fds[2] = {{nl_, POLLIN, 0}, {sig, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return 1;
    if (fds[1].revents) return 0;
    if (!fds[0].revents) continue;
    if (!read_until_done(false) && !dump_all()) return 1;
    report(false);
  }
}

// --- both --------------------------------------------------------------------

// The on/off transitions of `addr` in a watch file: (time, on).
std::vector<std::pair<double, bool>> transitions(const std::string& path, const std::string& addr,
                                                 double* first, double* last) {
  std::vector<std::pair<double, bool>> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    double t = 0;
    std::string what, ip;
    if (!(f >> t >> what)) continue;
    *first = std::min(*first, t);
    *last = std::max(*last, t);
    if ((what == "on" || what == "off") && f >> ip && canonical(ip) == addr)
      out.emplace_back(t, what == "on");
  }
  return out;
}

int cmd_both(const Flags& flags) {
  const auto addr = flags.addrs.size() == 1 ? canonical(flags.addrs[0]) : std::nullopt;
  if (!addr || flags.get("a").empty() || flags.get("b").empty()) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  double first = 1e18, last = 0;
  auto a = transitions(flags.get("a"), *addr, &first, &last);
  auto b = transitions(flags.get("b"), *addr, &first, &last);
  const double from = parse_number(flags.get("from", "")).value_or(first);
  const double to = parse_number(flags.get("to", "")).value_or(last);
  // Merge both timelines; the state at each instant is the last line before it.
  std::vector<std::tuple<double, int, bool>> events;
  for (auto& [t, on] : a) events.emplace_back(t, 0, on);
  for (auto& [t, on] : b) events.emplace_back(t, 1, on);
  std::sort(events.begin(), events.end());
  const double resolution = parse_number(flags.get("resolution-ms", "1")).value_or(1);
  bool on[2] = {false, false};
  double both_ms = 0, since = 0;
  int intervals = 0, blips = 0;
  auto count = [&](double start, double end, bool open) {
    const double s = std::max(start, from), e = std::min(end, to);
    if (e <= s) return;
    if (!open && end - start < resolution) return void(++blips);
    both_ms += e - s;
    ++intervals;
  };
  for (const auto& [t, who, state] : events) {
    const bool was = on[0] && on[1];
    on[who] = state;
    const bool is = on[0] && on[1];
    if (!was && is) since = t;
    if (was && !is) count(since, t, false);
  }
  const bool still = on[0] && on[1];
  if (still) count(since, to, true);
  std::printf("both_ms=%.0f intervals=%d blips=%d still_both=%s\n", both_ms, intervals, blips,
              still ? "yes" : "no");
  return 0;
}

// --- reach -------------------------------------------------------------------

uint16_t checksum(const void* data, size_t len) {
  uint32_t sum = 0;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (len & 1) sum += p[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

struct Target {
  std::string text;
  int family = AF_INET;
  sockaddr_storage addr{};
  std::optional<double> announced, answered;
};

struct ReachOptions {
  std::string dev;
  double every_ms = 5, timeout_ms = 5000, slow_ms = 100;
  bool announce = false;
  std::string log, pattern;
};

class Reacher {
 public:
  Reacher(std::vector<Target> targets, const uint8_t mac[6], uint16_t id, ReachOptions o)
      : targets_(std::move(targets)), id_(id), o_(std::move(o)) {
    std::memcpy(mac_, mac, 6);
  }
  int run();

 private:
  bool open_sockets();
  void send_round();
  void receive();
  void on_echo_reply(const char* src, double now);
  void on_announcement(const char* target, double now);
  bool log_matched();

  std::vector<Target> targets_;
  uint8_t mac_[6];
  uint16_t id_;
  ReachOptions o_;
  uint16_t seq_ = 0;
  int v4_ = -1, v6_ = -1, packet_ = -1;
  size_t answered_ = 0, announced_ = 0;
  int log_fd_ = -1, inotify_ = -1;
  std::string log_partial_;
};

void Reacher::send_round() {
  ++seq_;
  for (const Target& t : targets_) {
    if (t.answered) continue;
    if (t.family == AF_INET) {
      icmphdr h{};
      h.type = ICMP_ECHO;
      h.un.echo.id = htons(id_);
      h.un.echo.sequence = htons(seq_);
      h.checksum = checksum(&h, sizeof h);
      sendto(v4_, &h, sizeof h, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&t.addr),
             sizeof(sockaddr_in));
    } else {
      icmp6_hdr h{};
      h.icmp6_type = ICMP6_ECHO_REQUEST;
      h.icmp6_id = htons(id_);
      h.icmp6_seq = htons(seq_);  // the kernel fills in the checksum
      sendto(v6_, &h, sizeof h, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&t.addr),
             sizeof(sockaddr_in6));
    }
  }
}

void Reacher::on_echo_reply(const char* src, double now) {
  for (Target& t : targets_) {
    if (t.answered || t.text != src) continue;
    t.answered = now;
    ++answered_;
    std::printf("%.3f answered %s\n", now, src);
  }
}

void Reacher::on_announcement(const char* target, double now) {
  for (Target& t : targets_) {
    if (t.announced || t.text != target) continue;
    t.announced = now;
    ++announced_;
    std::printf("%.3f announced %s\n", now, target);
  }
}

// Frames from our MAC: echo replies (the address answers from there), and
// ARP packets and neighbour advertisements about an address (it moved there).
void Reacher::receive() {
  uint8_t f[2048];
  for (;;) {
    sockaddr_ll from{};
    socklen_t len = sizeof from;
    const ssize_t n =
        recvfrom(packet_, f, sizeof f, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return;
    if (from.sll_pkttype == PACKET_OUTGOING || n < 14 || std::memcmp(f + 6, mac_, 6) != 0) continue;
    const double now = real_ms();
    const uint16_t type = static_cast<uint16_t>((f[12] << 8) | f[13]);
    char addr[INET6_ADDRSTRLEN] = "";
    if (type == ETHERTYPE_ARP && n >= 42) {
      // Sender protocol address: what the frame says lives at our MAC.
      inet_ntop(AF_INET, f + 28, addr, sizeof addr);
      on_announcement(addr, now);
    } else if (type == ETHERTYPE_IP && n >= 14 + 20 + 8) {
      const size_t ihl = (f[14] & 0x0f) * 4u;
      if (f[14 + 9] != IPPROTO_ICMP || n < static_cast<ssize_t>(14 + ihl + 8)) continue;
      const uint8_t* icmp = f + 14 + ihl;
      if (icmp[0] != ICMP_ECHOREPLY || ((icmp[4] << 8) | icmp[5]) != id_) continue;
      inet_ntop(AF_INET, f + 14 + 12, addr, sizeof addr);
      on_echo_reply(addr, now);
    } else if (type == ETHERTYPE_IPV6 && n >= 14 + 40 + 8 && f[14 + 6] == IPPROTO_ICMPV6) {
      const uint8_t* icmp = f + 14 + 40;
      if (icmp[0] == ICMP6_ECHO_REPLY && ((icmp[4] << 8) | icmp[5]) == id_) {
        inet_ntop(AF_INET6, f + 14 + 8, addr, sizeof addr);
        on_echo_reply(addr, now);
      } else if (icmp[0] == ND_NEIGHBOR_ADVERT && n >= 14 + 40 + 24) {
        inet_ntop(AF_INET6, icmp + 8, addr, sizeof addr);  // the target address
        on_announcement(addr, now);
      }
    }
  }
}

// True once a line containing the pattern has been appended to the log.
bool Reacher::log_matched() {
  char buf[8192];
  for (;;) {
    const ssize_t n = read(log_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    log_partial_.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = log_partial_.find('\n')) != std::string::npos) {
      const bool hit = log_partial_.substr(0, nl).find(o_.pattern) != std::string::npos;
      log_partial_.erase(0, nl + 1);
      if (hit) return true;
    }
  }
}

bool Reacher::open_sockets() {
  v4_ = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
  v6_ = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  packet_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (v4_ < 0 || v6_ < 0 || packet_ < 0) {
    std::perror("tb-vipwatch: socket");
    return false;
  }
  // Replies are read from the packet socket only: the raw sockets keep none.
  const uint32_t block_all = ~0U;
  setsockopt(v4_, SOL_RAW, kIcmpFilter, &block_all, sizeof block_all);
  icmp6_filter block6;
  ICMP6_FILTER_SETBLOCKALL(&block6);
  setsockopt(v6_, IPPROTO_ICMPV6, ICMP6_FILTER, &block6, sizeof block6);
  const int big = 4 << 20;
  setsockopt(packet_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  sockaddr_ll ll{};
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(ETH_P_ALL);
  ll.sll_ifindex = static_cast<int>(if_nametoindex(o_.dev.c_str()));
  if (ll.sll_ifindex == 0 || bind(packet_, reinterpret_cast<sockaddr*>(&ll), sizeof ll) < 0) {
    std::fprintf(stderr, "tb-vipwatch: interface %s: %s\n", o_.dev.c_str(), std::strerror(errno));
    return false;
  }
  if (!o_.log.empty()) {
    // inotify wakes us as the line is written; the 1 ms poll is the backstop.
    inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    log_fd_ = open(o_.log.c_str(), O_RDONLY | O_CLOEXEC);
    if (inotify_ < 0 || log_fd_ < 0 || lseek(log_fd_, 0, SEEK_END) < 0 ||
        inotify_add_watch(inotify_, o_.log.c_str(), IN_MODIFY) < 0) {
      std::fprintf(stderr, "tb-vipwatch: %s: %s\n", o_.log.c_str(), std::strerror(errno));
      return false;
    }
  }
  return true;
}

int Reacher::run() {
  if (!open_sockets()) return 1;
  std::printf("%.3f ready\n", real_ms());
  const double t0 = real_ms();
  bool seen_log = o_.log.empty();
  bool all_announced = false;
  double next = t0;
  while (answered_ < targets_.size()) {
    double now = real_ms();
    if (now - t0 >= o_.timeout_ms) {
      std::printf("%.3f timeout: %zu of %zu announced, %zu answered\n", now, announced_,
                  targets_.size(), answered_);
      return 1;
    }
    // Announce mode pings only once every address was announced: the check
    // that they answer, not the measure of when they moved.
    const bool pinging = o_.announce ? all_announced : true;
    const double every = seen_log ? o_.every_ms : o_.slow_ms;
    if (pinging && now >= next) {
      send_round();
      next = now + every;
    }
    double wait = pinging ? next - now : 1000;
    if (!seen_log) wait = std::min(1.0, wait);
    pollfd p[2] = {{packet_, POLLIN, 0}, {inotify_, POLLIN, 0}};
    poll(p, inotify_ < 0 ? 1 : 2, std::max(0, static_cast<int>(wait + 0.999)));
    // The log first: a daemon logs its decision before it acts on it, so
    // a line and the packets that follow it, seen in one wake-up, are
    // stamped in that order.
    if (!seen_log) {
      char drain[4096];
      while (inotify_ >= 0 && read(inotify_, drain, sizeof drain) > 0) {
      }
      if (log_matched()) {
        seen_log = true;
        now = real_ms();
        std::printf("%.3f log\n", now);
        next = now;
      }
    }
    receive();
    if (!all_announced && announced_ == targets_.size()) {
      all_announced = true;
      double last = 0;
      for (const Target& t : targets_) last = std::max(last, *t.announced);
      std::printf("%.3f all %zu announced\n", last, targets_.size());
      next = real_ms();
    }
  }
  double last = 0;
  for (const Target& t : targets_) last = std::max(last, *t.answered);
  std::printf("%.3f all %zu answered\n", last, targets_.size());
  return 0;
}

int cmd_reach(const Flags& flags) {
  uint8_t mac[6];
  const std::string m = flags.get("mac");
  const auto every = parse_number(flags.get("every-ms", "5"));
  const auto timeout = parse_number(flags.get("timeout-ms", "5000"));
  const auto slow = parse_number(flags.get("slow-ms", "100"));
  const std::string mode = flags.get("mode", "ping");
  if (std::sscanf(m.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
                  &mac[4], &mac[5]) != 6 ||
      flags.get("dev").empty() || flags.addrs.empty() || !every || !timeout || !slow ||
      flags.get("log").empty() != flags.get("pattern").empty() ||
      (mode != "ping" && mode != "announce")) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  std::vector<Target> targets;
  for (const std::string& a : flags.addrs) {
    Target t;
    auto c = canonical(a);
    if (!c) {
      std::fprintf(stderr, "tb-vipwatch: not an address: %s\n", a.c_str());
      return kExitBadArgs;
    }
    t.text = *c;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&t.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
    if (inet_pton(AF_INET, c->c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
    } else {
      inet_pton(AF_INET6, c->c_str(), &v6->sin6_addr);
      v6->sin6_family = AF_INET6;
      t.family = AF_INET6;
    }
    targets.push_back(t);
  }
  setvbuf(stdout, nullptr, _IOLBF, 0);
  ReachOptions o{flags.get("dev"),    *every, *timeout, *slow, mode == "announce", flags.get("log"),
                 flags.get("pattern")};
  return Reacher(std::move(targets), mac, static_cast<uint16_t>(getpid()), std::move(o)).run();
}

}  // namespace

int main(int argc, char** argv) {
  const auto flags = argc >= 2 ? parse_flags(argc, argv) : std::nullopt;
  if (!flags) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "watch") {
    std::set<std::string> addrs;
    for (const auto& a : flags->addrs) {
      auto c = canonical(a);
      if (!c) {
        std::fputs(kUsage, stderr);
        return kExitBadArgs;
      }
      addrs.insert(*c);
    }
    int out = STDOUT_FILENO;
    if (!flags->get("out").empty())
      out = open(flags->get("out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                 0644);
    if (addrs.empty() || out < 0) {
      std::fputs(kUsage, stderr);
      return kExitBadArgs;
    }
    return Watcher(addrs, out).run();
  }
  if (cmd == "both") return cmd_both(*flags);
  if (cmd == "reach") return cmd_reach(*flags);
  std::fputs(kUsage, stderr);
  return kExitBadArgs;
}
