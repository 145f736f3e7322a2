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
// then every `interval` (Heartbeat's send_arp default: 5 at 200 ms). With
// `refresh`, every VIP announced and not removed since gets one more packet
// every `refresh` (for switches and firewalls that missed the burst).
struct AnnounceConfig {
  int count = 5;
  Millis interval{200};
  std::optional<Millis> refresh;
};

// Probing before an add: whether to ask the link if another host uses the
// address (RFC 5227 ARP probe, RFC 4862 duplicate address detection), and
// how long to listen for an answer. On a LAN one comes within a millisecond.
struct ProbeConfig {
  bool enabled = true;
  Millis wait{20};
};

// How the probe of a VIP ended.
struct ProbeVerdict {
  bool answered = false;  // another host uses the address, or probes for it
  std::string mac;        // that host's hardware address, "02:00:0a:63:00:01"
  bool probing = false;   // it was only probing for the address itself
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
  // Announcement bursts started from now on follow `announce` (reload); a
  // changed refresh applies at once to every VIP announced, from `now`.
  void set_announce(AnnounceConfig announce, Instant now);
  // Probes started from now on follow `probe` (reload). Default: ProbeConfig{}.
  void set_probe(ProbeConfig probe);

  // Starts asking the VIP's link whether another host uses its address, for
  // the probe wait; the verdict comes from take_probe() once on_timer() has
  // run past it. A probe of that address already running goes on. Returns
  // false when no probe is needed: probing is off, or the link does no
  // ARP/ND (loopback, NOARP). Fails if the probe cannot be sent (no
  // CAP_NET_RAW, interface gone): then none runs.
  Result<bool> probe(const Vip& vip, Instant now);
  // The verdict of the VIP's probe once it has ended, if it ended no longer
  // than a probe wait before `now` (an older one says little about now);
  // taken once.
  std::optional<ProbeVerdict> take_probe(const Vip& vip, Instant now);

  // Adds the address (IPv6 without DAD delay) and schedules an announcement
  // burst. Adding an address already present succeeds (and gives it the
  // lease, or makes it permanent).
  Result<void> add(const Vip& vip, Instant now);
  // Sends a fresh announcement burst for an address that is already here
  // (after a healed partition the network may point at the peer).
  Result<void> announce(const Vip& vip, Instant now);
  // Extends the lease of an address that is there (without a lease, makes
  // it permanent); fails (EADDRNOTAVAIL) if it is gone, and never brings it
  // back (nor announces it again).
  Result<void> renew(const Vip& vip);
  // Removes the address and cancels its burst. Removing an absent address succeeds.
  Result<void> remove(const Vip& vip);
  // True if the address is configured on the VIP's interface.
  Result<bool> present(const Vip& vip);

  // Announcement bursts and probes of all VIPs run side by side, never one
  // after the other: next_deadline() is the soonest packet or probe end
  // due, on_timer() does what is due at `now`. A refresh goes out only for
  // an address still configured: one whose lease ran out is never announced.
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
