// Which route tells a VIP its interface and prefix (Heartbeat's findif), and
// the prefix arithmetic under it.
#include "../../../src/net/vip_route.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <optional>
#include <string>
#include <vector>

// After every std header (ours include some): its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat::net;

namespace {

in6_addr addr(int family, const char* text) {
  in6_addr a{};
  inet_pton(family, text, &a);
  return a;
}

// A connected route of the main table: "10.0.0.0/24 dev <ifindex>".
RouteInfo route(const char* dst, int prefix, int ifindex) {
  RouteInfo r;
  r.family = std::string(dst).find(':') == std::string::npos ? AF_INET : AF_INET6;
  r.dst = addr(r.family, dst);
  r.prefix = prefix;
  r.ifindex = ifindex;
  r.table = RT_TABLE_MAIN;
  r.type = RTN_UNICAST;
  return r;
}

RouteInfo via_gateway(RouteInfo r) {
  r.gateway = true;
  return r;
}

// "ifindex/prefix" of the choice for `vip`, or "none".
std::string choice(const std::vector<RouteInfo>& routes, const char* vip, int ifindex = 0) {
  const int family = std::string(vip).find(':') == std::string::npos ? AF_INET : AF_INET6;
  auto c = find_connected_route(routes, family, addr(family, vip), ifindex);
  return c ? std::to_string(c->ifindex) + "/" + std::to_string(c->prefix) : "none";
}

std::string broadcast(const char* vip, int prefix) {
  in_addr a{};
  inet_pton(AF_INET, vip, &a);
  auto b = ipv4_broadcast(a, prefix);
  if (!b) return "none";
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &*b, buf, sizeof buf);
  return buf;
}

}  // namespace

TEST_GROUP(VipRoute){};

TEST(VipRoute, the_most_specific_connected_route_gives_interface_and_prefix) {
  const std::vector<RouteInfo> routes{route("10.0.0.0", 16, 2), route("10.0.1.0", 24, 3)};
  STRCMP_EQUAL("3/24", choice(routes, "10.0.1.100").c_str());
  STRCMP_EQUAL("2/16", choice(routes, "10.0.2.100").c_str());
  STRCMP_EQUAL("none", choice(routes, "10.1.0.1").c_str());
}

TEST(VipRoute, routes_through_a_gateway_never_count) {
  const std::vector<RouteInfo> routes{via_gateway(route("10.0.1.0", 24, 3)),
                                      route("10.0.0.0", 16, 2)};
  STRCMP_EQUAL("2/16", choice(routes, "10.0.1.100").c_str());
  STRCMP_EQUAL("none", choice({via_gateway(route("10.0.1.0", 24, 3))}, "10.0.1.100").c_str());
}

TEST(VipRoute, a_default_route_without_gateway_says_nothing_about_the_subnet) {
  STRCMP_EQUAL("none", choice({route("0.0.0.0", 0, 2)}, "10.9.9.9").c_str());
  STRCMP_EQUAL("none", choice({route("::", 0, 2)}, "2001:db8::10").c_str());
}

TEST(VipRoute, only_unicast_routes_of_the_main_table_count) {
  RouteInfo local = route("10.0.1.100", 32, 3);
  local.table = RT_TABLE_LOCAL;
  local.type = RTN_LOCAL;
  RouteInfo other_table = route("10.0.1.0", 25, 4);
  other_table.table = 100;
  RouteInfo blackhole = route("10.0.1.0", 26, 5);
  blackhole.type = RTN_BLACKHOLE;
  RouteInfo multipath = route("10.0.1.0", 27, 0);
  const std::vector<RouteInfo> routes{local, other_table, blackhole, multipath,
                                      route("10.0.1.0", 24, 3)};
  STRCMP_EQUAL("3/24", choice(routes, "10.0.1.100").c_str());
}

TEST(VipRoute, a_given_interface_limits_the_choice_to_its_routes) {
  const std::vector<RouteInfo> routes{route("10.0.0.0", 16, 2), route("10.0.1.0", 24, 3)};
  STRCMP_EQUAL("2/16", choice(routes, "10.0.1.100", 2).c_str());
  STRCMP_EQUAL("none", choice(routes, "10.0.1.100", 9).c_str());
}

TEST(VipRoute, equal_prefixes_go_to_the_lower_metric_then_the_lower_ifindex) {
  RouteInfo a = route("10.0.1.0", 24, 2);
  a.metric = 100;
  RouteInfo b = route("10.0.1.0", 24, 5);
  b.metric = 10;
  RouteInfo c = route("10.0.1.0", 24, 4);
  c.metric = 10;
  STRCMP_EQUAL("4/24", choice({a, b, c}, "10.0.1.100").c_str());
}

TEST(VipRoute, ipv6_routes_answer_for_ipv6_vips_only) {
  const std::vector<RouteInfo> routes{route("2001:db8::", 64, 3), route("fe80::", 64, 3),
                                      route("10.0.0.0", 8, 2)};
  STRCMP_EQUAL("3/64", choice(routes, "2001:db8::10").c_str());
  STRCMP_EQUAL("none", choice(routes, "2001:db8:1::10").c_str());
  STRCMP_EQUAL("2/8", choice(routes, "10.1.2.3").c_str());
}

TEST(VipRoute, prefix_contains_tests_both_sides_of_a_boundary_inside_a_byte) {
  const in6_addr net = addr(AF_INET, "10.0.0.128");
  CHECK_TRUE(prefix_contains(AF_INET, net, 25, addr(AF_INET, "10.0.0.128")));
  CHECK_TRUE(prefix_contains(AF_INET, net, 25, addr(AF_INET, "10.0.0.255")));
  CHECK_FALSE(prefix_contains(AF_INET, net, 25, addr(AF_INET, "10.0.0.127")));
  CHECK_FALSE(prefix_contains(AF_INET, net, 25, addr(AF_INET, "10.0.1.128")));
  CHECK_TRUE(prefix_contains(AF_INET, net, 0, addr(AF_INET, "192.168.0.1")));
  CHECK_FALSE(prefix_contains(AF_INET, net, 33, addr(AF_INET, "10.0.0.128")));
  const in6_addr net6 = addr(AF_INET6, "2001:db8::");
  CHECK_TRUE(prefix_contains(AF_INET6, net6, 127, addr(AF_INET6, "2001:db8::1")));
  CHECK_FALSE(prefix_contains(AF_INET6, net6, 127, addr(AF_INET6, "2001:db8::2")));
}

TEST(VipRoute, the_ipv4_broadcast_is_the_prefix_with_all_host_bits_set) {
  STRCMP_EQUAL("10.0.0.255", broadcast("10.0.0.100", 24).c_str());
  STRCMP_EQUAL("10.0.0.103", broadcast("10.0.0.100", 30).c_str());
  STRCMP_EQUAL("127.255.255.255", broadcast("10.0.0.100", 1).c_str());
  STRCMP_EQUAL("none", broadcast("10.0.0.100", 31).c_str());  // RFC 3021: no broadcast
  STRCMP_EQUAL("none", broadcast("10.0.0.100", 32).c_str());
}
