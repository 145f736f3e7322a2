// Virtual IP addresses: Heartbeat's IPaddr/IPaddr2 argument syntax, and the
// in-process operations on them through libnl-route-3 (add, remove, status),
// plus gratuitous ARP / unsolicited neighbour advertisement bursts.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/result.h"
#include "twinbeat/time.h"

namespace twinbeat::net {

// Heartbeat's `ip[/prefix[/iface[:label]][/broadcast]]`; the field after the
// prefix is a broadcast address if it starts with a digit, else the
// interface. IPv4 or IPv6 (no label or broadcast for IPv6).
struct VipSpec {
  int family = AF_INET;  // AF_INET or AF_INET6
  in6_addr addr{};       // IPv4 in the first 4 bytes
  std::string text;      // the address as written
  std::optional<int> prefix;
  std::string interface;  // empty: from the routing table
  std::string label;      // IPv4 only: "vip" of "eth0:vip", empty if none
  std::optional<in_addr> broadcast;
};

// Parses the argument of IPaddr/IPaddr2. Errors say what is wrong:
// "'10.0.0.300' is not an IPv4 or IPv6 address", "prefix 33 is out of range".
Result<VipSpec> parse_vip(std::string_view arg);

// A VIP bound to a concrete interface and prefix.
struct Vip {
  VipSpec spec;
  int ifindex = 0;
  std::string interface;
  int prefix = 0;
};

// How gratuitous ARP / NA bursts go out: `count` packets, the first at once,
// then every `interval` (Heartbeat's send_arp default: 5 at 200 ms).
struct AnnounceConfig {
  int count = 5;
  Millis interval{200};
};

// VIP operations over one rtnetlink socket, plus the raw sockets of the
// announcements. Calls are synchronous netlink requests (the kernel answers
// at once), never waits on the network.
class VipManager {
 public:
  static Result<VipManager> open(AnnounceConfig announce);
  VipManager(VipManager&&) noexcept;
  VipManager& operator=(VipManager&&) noexcept;
  ~VipManager();

  // Fills in the interface and prefix: the given ones, or those of the most
  // specific route that reaches the address directly (Heartbeat's findif).
  // Fails if the interface does not exist or no connected route matches.
  Result<Vip> resolve(const VipSpec& spec);

  // Every address added from now on carries this lifetime (the VIP lease),
  // which renew() extends; nullopt (the default): permanent addresses.
  void set_lease(std::optional<Millis> lease);
  // Announcement bursts started from now on follow `announce` (reload).
  void set_announce(AnnounceConfig announce);

  // Adds the address (IPv6 without DAD delay) and schedules an announcement
  // burst. Adding an address already present succeeds (and gives it the
  // lease, or makes it permanent).
  Result<void> add(const Vip& vip, Instant now);
  // Sends a fresh announcement burst for an address that is already here
  // (after a healed partition the network may point at the peer).
  Result<void> announce(const Vip& vip, Instant now);
  // Extends the lease of an address that is there; fails (EADDRNOTAVAIL) if
  // it is gone, and never brings it back.
  Result<void> renew(const Vip& vip);
  // Removes the address and cancels its burst. Removing an absent address succeeds.
  Result<void> remove(const Vip& vip);
  // True if the address is configured on the VIP's interface.
  Result<bool> present(const Vip& vip);

  // Announcement bursts of all VIPs run side by side, never one after the
  // other: next_deadline() is the soonest packet due, on_timer() sends what
  // is due at `now`.
  std::optional<Instant> next_deadline() const;
  void on_timer(Instant now);

  // Packets sent and send failures, for status.
  uint64_t announcements_sent() const;
  uint64_t announcement_errors() const;

 private:
  struct State;
  explicit VipManager(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace twinbeat::net
