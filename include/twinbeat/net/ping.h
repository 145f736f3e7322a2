// Pinger: ICMP echo requests to ping node addresses and their replies, for
// the daemon's loop (IPv4 and IPv6).
//
// - One socket per address family in use, opened by open() while the daemon
//   still holds its privileges: a raw ICMP socket (CAP_NET_RAW, which the
//   daemon keeps), filtered in the kernel to echo replies; without the
//   capability, an unprivileged ICMP datagram socket ("ping socket", allowed
//   by net.ipv4.ping_group_range).
// - A request carries a token drawn at open() and its send time; a reply
//   counts only if it comes from the address the request went to and carries
//   the token back, so other programs' pings (a raw socket sees them all)
//   and forged or mangled replies count for nothing.
// - Passive: it sends and reads only when told; every socket is
//   non-blocking, and a send that fails is counted, never retried.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "twinbeat/result.h"
#include "twinbeat/time.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::net {

// The ICMP payload of our echo requests: token (8 bytes), then the send
// time (8 bytes, milliseconds of CLOCK_MONOTONIC), then the target index (2).
inline constexpr size_t kEchoPayloadSize = 18;
inline constexpr size_t kEchoSize = 8 + kEchoPayloadSize;  // ICMP header + payload

// An ICMP or ICMPv6 echo request to target `index`, checksummed for IPv4
// (the kernel sums ICMPv6).
std::vector<uint8_t> echo_request(int family, uint16_t ident, uint16_t sequence, uint64_t token,
                                  Instant sent, uint16_t index);

struct EchoReply {
  uint16_t index = 0;  // the target the request went to
  Instant sent{};
};

// Reads one received packet: an echo reply carrying `token`, or nullopt.
// `with_ip_header`: IPv4 raw sockets deliver the IP header first. `ident`:
// the identifier to match (raw sockets); nullopt for datagram sockets, where
// the kernel picks and matches it.
std::optional<EchoReply> parse_echo_reply(int family, std::span<const uint8_t> packet,
                                          bool with_ip_header, uint64_t token,
                                          std::optional<uint16_t> ident);

struct PingCounters {
  uint64_t sent = 0;
  uint64_t send_errors = 0;
  uint64_t replies = 0;
  int last_errno = 0;  // of the last failed send; 0 once a send succeeds again
};

class Pinger {
 public:
  // Opens the sockets `addresses` (canonical IPv4 or IPv6 literals) need.
  // Fails with the socket call in the message.
  static Result<Pinger> open(const std::vector<std::string>& addresses);

  Pinger(Pinger&&) noexcept = default;
  Pinger& operator=(Pinger&&) noexcept = default;

  size_t size() const { return targets_.size(); }
  const std::string& address(size_t target) const { return targets_[target].text; }
  // Every fd to watch for input.
  std::vector<int> fds() const;
  // "raw" or "datagram", for the log: how IPv4 (or IPv6) is pinged.
  std::string mode() const;

  // Sends one echo request to `target`, stamped `now`. False if the kernel
  // refused it (counted; errno in the counters).
  bool send(size_t target, Instant now);
  // Reads what waits on `fd` (at most a bounded batch) and calls `on_reply`
  // for every reply to one of our requests.
  void drain(int fd, const std::function<void(size_t target, Instant sent)>& on_reply);

  const PingCounters& counters(size_t target) const { return targets_[target].counters; }

 private:
  struct Socket {
    UniqueFd fd;
    int family = AF_INET;
    bool raw = true;
  };
  struct Target {
    std::string text;
    int family = AF_INET;
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    size_t socket = 0;
    PingCounters counters;
  };
  Pinger() = default;
  bool from_target(const Target& t, const sockaddr_storage& from) const;

  std::vector<Socket> sockets_;
  std::vector<Target> targets_;
  uint64_t token_ = 0;
  uint16_t ident_ = 0;
  uint16_t sequence_ = 0;
};

}  // namespace twinbeat::net
