// The route choice behind VipManager::resolve, and prefix arithmetic: pure,
// so the rules are tested without a kernel.
#include "vip_route.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <cstring>

namespace twinbeat::net {

namespace {

// Better: more specific, then lower metric, then lower ifindex.
bool better(const RouteInfo& a, const RouteInfo& b) {
  if (a.prefix != b.prefix) return a.prefix > b.prefix;
  if (a.metric != b.metric) return a.metric < b.metric;
  return a.ifindex < b.ifindex;
}

bool connected(const RouteInfo& r, int family, const in6_addr& addr, int ifindex) {
  return r.family == family && r.table == RT_TABLE_MAIN && r.type == RTN_UNICAST && !r.gateway &&
         r.ifindex > 0 && r.prefix > 0 && (ifindex == 0 || r.ifindex == ifindex) &&
         prefix_contains(family, r.dst, r.prefix, addr);
}

}  // namespace

std::optional<ConnectedRoute> find_connected_route(const std::vector<RouteInfo>& routes, int family,
                                                   const in6_addr& addr, int ifindex) {
  const RouteInfo* best = nullptr;
  for (const RouteInfo& r : routes)
    if (connected(r, family, addr, ifindex) && (!best || better(r, *best))) best = &r;
  if (!best) return std::nullopt;
  return ConnectedRoute{best->ifindex, best->prefix};
}

bool prefix_contains(int family, const in6_addr& net, int prefix, const in6_addr& addr) {
  const int bits = static_cast<int>(address_size(family)) * 8;
  if (prefix < 0 || prefix > bits) return false;
  const size_t whole = static_cast<size_t>(prefix / 8);
  if (std::memcmp(net.s6_addr, addr.s6_addr, whole) != 0) return false;
  if (prefix % 8 == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - prefix % 8));
  return (net.s6_addr[whole] & mask) == (addr.s6_addr[whole] & mask);
}

std::optional<in_addr> ipv4_broadcast(in_addr addr, int prefix) {
  if (prefix < 0 || prefix >= 31) return std::nullopt;
  const uint32_t host_bits = prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1;
  return in_addr{htonl(ntohl(addr.s_addr) | host_bits)};
}

std::string address_text(int family, const in6_addr& addr) {
  char buf[INET6_ADDRSTRLEN] = "?";
  inet_ntop(family, &addr, buf, sizeof buf);
  return buf;
}

}  // namespace twinbeat::net
