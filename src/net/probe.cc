// Prober: the two AF_PACKET sockets of probing, opened while probes run,
// and the matching of what arrives to the probes that run.
#include "probe.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "vip_route.h"

namespace twinbeat::net {

namespace {

// Ended probes nobody took are forgotten after this.
constexpr Millis kKeepOutcome{60000};

bool same(const ProbeRequest& r, int family, const in6_addr& addr) {
  return r.family == family && std::memcmp(&r.addr, &addr, address_size(family)) == 0;
}

std::string where(const ProbeRequest& r) {
  return address_text(r.family, r.addr) + " on ifindex " + std::to_string(r.ifindex);
}

// Only ICMPv6 neighbour solicitations and advertisements straight after the
// IPv6 header reach the socket (offsets from the IPv6 header: SOCK_DGRAM
// strips the link-layer one), not the node's whole IPv6 traffic.
Result<void> attach_nd_filter(int fd) {
  static sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),  // next header
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 4),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40),  // ICMPv6 type
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ND_NEIGHBOR_SOLICIT, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ND_NEIGHBOR_ADVERT, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0xffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
    return errno_error("SO_ATTACH_FILTER on the DAD probe socket");
  return {};
}

}  // namespace

Result<void> Prober::open_socket(int family) {
  UniqueFd& fd = socket_of(family);
  if (fd) return {};
  const char* what = family == AF_INET ? "ARP probe" : "DAD probe";
  // Protocol 0 until bound: nothing is received before the filter is in place.
  UniqueFd s(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s) return errno_error(std::string("socket AF_PACKET for the ") + what);
#ifdef PACKET_IGNORE_OUTGOING
  // Our own frames (other probes, announcements) are not answers; older
  // kernels refuse the option, and read() skips them by packet type anyway.
  const int one = 1;
  (void)::setsockopt(s.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#endif
  if (family == AF_INET6)
    if (auto r = attach_nd_filter(s.get()); !r) return r;
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(family == AF_INET ? ETH_P_ARP : ETH_P_IPV6);
  at.sll_ifindex = 0;  // every interface; read() matches the probe's
  if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&at), sizeof at) < 0)
    return errno_error(std::string("bind the ") + what + " socket");
  fd = std::move(s);
  return {};
}

Result<void> Prober::send(const ProbeRequest& r) {
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = r.ifindex;
  to.sll_halen = 6;
  ssize_t sent;
  if (r.family == AF_INET) {
    in_addr vip;
    std::memcpy(&vip, &r.addr, sizeof vip);
    const auto packet = arp_probe(vip, r.mac);
    to.sll_protocol = htons(ETH_P_ARP);
    std::memset(to.sll_addr, 0xff, 6);
    sent = ::sendto(arp_.get(), packet.data(), packet.size(), MSG_DONTWAIT,
                    reinterpret_cast<const sockaddr*>(&to), sizeof to);
  } else {
    const auto packet = dad_solicitation(r.addr);
    const Mac group = solicited_node_mac(r.addr);
    to.sll_protocol = htons(ETH_P_IPV6);
    std::memcpy(to.sll_addr, group.data(), group.size());
    sent = ::sendto(nd_.get(), packet.data(), packet.size(), MSG_DONTWAIT,
                    reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  if (sent < 0)
    return errno_error(std::string(r.family == AF_INET ? "send ARP probe" : "send DAD probe") +
                       " for " + where(r));
  return {};
}

Result<void> Prober::start(const ProbeRequest& r, Millis wait, Instant now) {
  if (running(r.family, r.addr)) return {};
  const bool fresh = std::any_of(ended_.begin(), ended_.end(), [&](const Ended& e) {
    return same(e.what, r.family, r.addr) && e.outcome.ended >= now - wait;
  });
  if (fresh) return {};  // an outcome of the last wait, not taken yet, still says it
  if (auto o = open_socket(r.family); !o) return o;
  if (auto s = send(r); !s) {
    ++send_errors_;
    if (std::none_of(running_.begin(), running_.end(),
                     [&](const Running& p) { return p.what.family == r.family; }))
      socket_of(r.family).reset();  // deaf again: nothing would read it
    return s;
  }
  std::erase_if(ended_, [&](const Ended& e) { return same(e.what, r.family, r.addr); });
  running_.push_back(Running{r, now + wait / 2, now + wait, now + Millis{1}, Millis{1}, std::nullopt});
  return {};
}

bool Prober::running(int family, const in6_addr& addr) const {
  return std::any_of(running_.begin(), running_.end(),
                     [&](const Running& p) { return same(p.what, family, addr); });
}

std::optional<Instant> Prober::next_deadline() const {
  std::optional<Instant> next;
  for (const Running& p : running_) {
    const Instant t = std::min({p.second_at, p.ends_at, p.next_read});
    if (!next || t < *next) next = t;
  }
  return next;
}

void Prober::read(int family) {
  UniqueFd& fd = socket_of(family);
  if (!fd) return;
  // Bounded: a flood cannot keep the loop here; what is left is read next time.
  for (int budget = 0; budget < 4096; ++budget) {
    alignas(8) uint8_t buf[1500];
    sockaddr_ll from{};
    socklen_t len = sizeof from;
    const ssize_t got = ::recvfrom(fd.get(), buf, sizeof buf, MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &len);
    if (got < 0) break;  // EAGAIN: drained
    if (from.sll_pkttype == PACKET_OUTGOING || from.sll_halen != 6) continue;
    const Mac source = [&] {
      Mac m;
      std::memcpy(m.data(), from.sll_addr, m.size());
      return m;
    }();
    const std::span<const uint8_t> bytes(buf, static_cast<size_t>(got));
    for (Running& p : running_) {
      if (p.answer || p.what.family != family || p.what.ifindex != from.sll_ifindex) continue;
      if (family == AF_INET) {
        in_addr vip;
        std::memcpy(&vip, &p.what.addr, sizeof vip);
        p.answer = read_arp(bytes, vip, p.what.mac);
      } else {
        p.answer = read_nd(bytes, p.what.addr, p.what.mac, source);
      }
    }
  }
}

void Prober::on_timer(Instant now) {
  read(AF_INET);
  read(AF_INET6);
  for (Running& p : running_) {
    if (p.next_read <= now) {
      p.read_step *= 2;
      p.next_read = now + p.read_step < p.ends_at ? now + p.read_step : Instant::max();
    }
    if (p.second_at > now || p.answer) continue;
    p.second_at = Instant::max();
    if (!send(p.what)) ++send_errors_;  // the first went out: the probe still counts
  }
  std::erase_if(ended_, [&](const Ended& e) { return now - e.outcome.ended > kKeepOutcome; });
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->ends_at > now && !it->answer) {  // an answer is the outcome already
      ++it;
      continue;
    }
    ended_.push_back(Ended{it->what, ProbeOutcome{it->answer, now}});
    it = running_.erase(it);
  }
  for (int family : {AF_INET, AF_INET6})
    if (std::none_of(running_.begin(), running_.end(),
                     [&](const Running& p) { return p.what.family == family; }))
      socket_of(family).reset();
}

std::optional<ProbeOutcome> Prober::take(int family, const in6_addr& addr, Instant since) {
  for (auto it = ended_.begin(); it != ended_.end(); ++it) {
    if (!same(it->what, family, addr)) continue;
    std::optional<ProbeOutcome> out;
    if (it->outcome.ended >= since) out = it->outcome;
    ended_.erase(it);
    return out;
  }
  return std::nullopt;
}

}  // namespace twinbeat::net
