// Pure helpers of VipManager: which connected route tells a VIP its interface
// and prefix (Heartbeat's findif), prefix arithmetic, and address text.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twinbeat::net {

// One route of the kernel's table, as much as the choice needs.
struct RouteInfo {
  int family = AF_INET;
  in6_addr dst{};  // IPv4 in the first 4 bytes
  int prefix = 0;
  int ifindex = 0;       // of the single nexthop; 0 for multipath or none
  bool gateway = false;  // the nexthop goes through a router
  uint32_t table = 0;
  uint8_t type = 0;  // RTN_*
  uint32_t metric = 0;
};

struct ConnectedRoute {
  int ifindex = 0;
  int prefix = 0;
};

// The most specific unicast route of the main table that reaches `addr`
// directly (no gateway, one nexthop), on `ifindex` if it is not 0. Default
// routes (prefix 0) never count: they say nothing about a subnet. Ties go to
// the lowest metric, then the lowest ifindex. Nothing if no route fits.
std::optional<ConnectedRoute> find_connected_route(const std::vector<RouteInfo>& routes, int family,
                                                   const in6_addr& addr, int ifindex);

// True if `addr` lies in `net`/`prefix` (family AF_INET or AF_INET6).
bool prefix_contains(int family, const in6_addr& net, int prefix, const in6_addr& addr);

// The broadcast address of `addr`/`prefix`, or nothing for /31 and /32,
// which have none (RFC 3021).
std::optional<in_addr> ipv4_broadcast(in_addr addr, int prefix);

// "10.0.0.100", "2001:db8::10".
std::string address_text(int family, const in6_addr& addr);

// The address bytes of `family` at the start of `addr`: 4 or 16.
inline size_t address_size(int family) { return family == AF_INET ? 4 : 16; }

}  // namespace twinbeat::net
