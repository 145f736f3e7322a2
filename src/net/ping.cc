// ICMP echo for ping nodes: building requests, recognising our replies, and
// the sockets that carry them.
#include "twinbeat/net/ping.h"

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace twinbeat::net {

namespace {

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0;
constexpr uint8_t kEchoRequest6 = 128, kEchoReply6 = 129;
// linux/icmp.h's ICMP_FILTER on SOL_RAW (its header clashes with glibc's).
constexpr int kIcmpFilter = 1;
constexpr int kDrainBatch = 64;

uint64_t get_be(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void put_be(uint8_t* p, size_t n, uint64_t v) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

// RFC 1071 Internet checksum.
uint16_t checksum(std::span<const uint8_t> data) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < data.size(); i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.size() % 2) sum += data.back() << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint64_t random_token() {
  uint64_t token = 0;
  if (::getrandom(&token, sizeof token, GRND_NONBLOCK) != sizeof token)
    token = static_cast<uint64_t>(::time(nullptr)) * 6364136223846793005ull ^
            static_cast<uint64_t>(::getpid());
  return token;
}

// A raw ICMP socket if allowed, else a datagram one; errors name both tries.
Result<UniqueFd> open_socket(int family, bool& raw) {
  const int proto = family == AF_INET ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
  const char* name = family == AF_INET ? "ICMP" : "ICMPv6";
  UniqueFd fd(::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto));
  raw = true;
  if (fd) return fd;
  const Error raw_error = errno_error(std::string("socket ") + name + " raw");
  fd.reset(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto));
  raw = false;
  if (fd) return fd;
  return Error{errno,
               raw_error.message + "; " + errno_error(std::string("socket ") + name + " datagram").message +
                   " (needs CAP_NET_RAW, or a group in net.ipv4.ping_group_range)",
               {}};
}

// Only echo replies reach a raw socket: not every ICMP message this host gets.
Result<void> filter_echo_replies(int fd, int family) {
  if (family == AF_INET) {
    const uint32_t blocked = ~(1u << kEchoReply4);
    if (::setsockopt(fd, SOL_RAW, kIcmpFilter, &blocked, sizeof blocked) < 0)
      return errno_error("setsockopt ICMP_FILTER");
    return {};
  }
  icmp6_filter f;
  ICMP6_FILTER_SETBLOCKALL(&f);
  ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
  if (::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) < 0)
    return errno_error("setsockopt ICMP6_FILTER");
  return {};
}

}  // namespace

std::vector<uint8_t> echo_request(int family, uint16_t ident, uint16_t sequence, uint64_t token,
                                  Instant sent, uint16_t index) {
  std::vector<uint8_t> p(kEchoSize, 0);
  p[0] = family == AF_INET ? kEchoRequest4 : kEchoRequest6;
  put_be(&p[4], 2, ident);
  put_be(&p[6], 2, sequence);
  put_be(&p[8], 8, token);
  put_be(&p[16], 8, static_cast<uint64_t>(sent.time_since_epoch().count()));
  put_be(&p[24], 2, index);
  if (family == AF_INET) put_be(&p[2], 2, checksum(p));
  return p;
}

std::optional<EchoReply> parse_echo_reply(int family, std::span<const uint8_t> packet,
                                          bool with_ip_header, uint64_t token,
                                          std::optional<uint16_t> ident) {
  if (with_ip_header) {
    if (packet.empty()) return std::nullopt;
    const size_t ihl = static_cast<size_t>(packet[0] & 0x0f) * 4;
    if ((packet[0] >> 4) != 4 || ihl < 20 || packet.size() < ihl || packet[9] != IPPROTO_ICMP)
      return std::nullopt;
    packet = packet.subspan(ihl);
  }
  if (packet.size() < kEchoSize) return std::nullopt;
  if (packet[0] != (family == AF_INET ? kEchoReply4 : kEchoReply6) || packet[1] != 0)
    return std::nullopt;
  if (ident && get_be(&packet[4], 2) != *ident) return std::nullopt;
  if (get_be(&packet[8], 8) != token) return std::nullopt;
  EchoReply r;
  r.sent = Instant{Millis{static_cast<Millis::rep>(get_be(&packet[16], 8))}};
  r.index = static_cast<uint16_t>(get_be(&packet[24], 2));
  return r;
}

Result<Pinger> Pinger::open(const std::vector<std::string>& addresses) {
  Pinger p;
  p.token_ = random_token();
  p.ident_ = static_cast<uint16_t>(p.token_ >> 48);
  for (const std::string& text : addresses) {
    Target t;
    t.text = text;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&t.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
    if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
      t.family = v4->sin_family = AF_INET;
      t.addr_len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
      t.family = v6->sin6_family = AF_INET6;
      t.addr_len = sizeof(sockaddr_in6);
    } else {
      return Error{EINVAL, "ping: '" + text + "' is not an address", {}};
    }
    size_t s = 0;
    while (s < p.sockets_.size() && p.sockets_[s].family != t.family) ++s;
    if (s == p.sockets_.size()) {
      Socket sock;
      sock.family = t.family;
      auto fd = open_socket(t.family, sock.raw);
      if (!fd) return fd.error();
      sock.fd = std::move(*fd);
      if (sock.raw)
        if (auto r = filter_echo_replies(sock.fd.get(), t.family); !r) return r.error();
      p.sockets_.push_back(std::move(sock));
    }
    t.socket = s;
    p.targets_.push_back(std::move(t));
  }
  return p;
}

std::vector<int> Pinger::fds() const {
  std::vector<int> out;
  for (const Socket& s : sockets_) out.push_back(s.fd.get());
  return out;
}

std::string Pinger::mode() const {
  std::string out;
  for (const Socket& s : sockets_)
    out += std::string(out.empty() ? "" : ", ") + (s.family == AF_INET ? "IPv4 " : "IPv6 ") +
           (s.raw ? "raw" : "datagram") + " socket";
  return out;
}

bool Pinger::send(size_t target, Instant now) {
  Target& t = targets_[target];
  const std::vector<uint8_t> p =
      echo_request(t.family, ident_, ++sequence_, token_, now, static_cast<uint16_t>(target));
  const ssize_t n = ::sendto(sockets_[t.socket].fd.get(), p.data(), p.size(), MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&t.addr), t.addr_len);
  if (n != static_cast<ssize_t>(p.size())) {
    ++t.counters.send_errors;
    t.counters.last_errno = n < 0 ? errno : EMSGSIZE;
    return false;
  }
  ++t.counters.sent;
  t.counters.last_errno = 0;
  return true;
}

bool Pinger::from_target(const Target& t, const sockaddr_storage& from) const {
  if (from.ss_family != t.family) return false;
  if (t.family == AF_INET)
    return reinterpret_cast<const sockaddr_in&>(from).sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in&>(t.addr).sin_addr.s_addr;
  return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(from).sin6_addr,
                     &reinterpret_cast<const sockaddr_in6&>(t.addr).sin6_addr,
                     sizeof(in6_addr)) == 0;
}

void Pinger::drain(int fd, const std::function<void(size_t target, Instant sent)>& on_reply) {
  const Socket* sock = nullptr;
  for (const Socket& s : sockets_)
    if (s.fd.get() == fd) sock = &s;
  if (sock == nullptr) return;
  uint8_t buf[1500];
  for (int i = 0; i < kDrainBatch; ++i) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN, or an ICMP error reported on a datagram socket
    }
    const auto reply =
        parse_echo_reply(sock->family, std::span<const uint8_t>(buf, static_cast<size_t>(n)),
                         sock->raw && sock->family == AF_INET, token_,
                         sock->raw ? std::optional<uint16_t>(ident_) : std::nullopt);
    if (!reply || reply->index >= targets_.size()) continue;
    Target& t = targets_[reply->index];
    if (t.socket != static_cast<size_t>(sock - sockets_.data()) || !from_target(t, from)) continue;
    ++t.counters.replies;
    on_reply(reply->index, reply->sent);
  }
}

}  // namespace twinbeat::net
