// ha.cf ping nodes: ping, ping6, ping_group and deadping, every message exactly.
#include <string>
#include <vector>

#include "config_test_util.h"
#include "twinbeat/config/ha_cf.h"
// After every std header: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using twinbeat::Millis;
using twinbeat::Parsed;
using namespace twinbeat::config;
using namespace twinbeat::config::testing;

TEST_GROUP(HaCfPing){};

TEST(HaCfPing, bad_lines_name_the_line_and_what_is_wrong) {
  const Row rows[] = {
      {"ping\n", "ha.cf:1: ping needs at least one address (e.g. ping 10.0.0.254)"},
      {"ping ,\n", "ha.cf:1: ping needs at least one address (e.g. ping 10.0.0.254)"},
      {"ping6\n", "ha.cf:1: ping6 needs at least one address (e.g. ping6 2001:db8::1)"},
      {"ping router.example\n",
       "ha.cf:1: ping: 'router.example' is not an IPv4 or IPv6 address (names are not resolved)"},
      {"ping 10.0.0.256\n",
       "ha.cf:1: ping: '10.0.0.256' is not an IPv4 or IPv6 address (names are not resolved)"},
      {"ping 0.0.0.0\n", "ha.cf:1: ping: '0.0.0.0' is not a unicast address"},
      {"ping 224.0.0.1\n", "ha.cf:1: ping: '224.0.0.1' is not a unicast address"},
      {"ping 255.255.255.255\n", "ha.cf:1: ping: '255.255.255.255' is not a unicast address"},
      {"ping ff02::1\n", "ha.cf:1: ping: 'ff02::1' is not a unicast address"},
      {"ping ::\n", "ha.cf:1: ping: '::' is not a unicast address"},
      {"ping fe80::1\n",
       "ha.cf:1: ping: 'fe80::1' is link-local; use a global or unique-local address"},
      {"ping6 10.0.0.1\n", "ha.cf:1: ping6: '10.0.0.1' is not an IPv6 address"},
      {"ping 10.0.0.1 10.0.0.2\nping 10.0.0.1\n",
       "ha.cf:2: ping node '10.0.0.1' is defined twice (first on line 1)"},
      {"ping 2001:db8::1\nping6 2001:DB8:0::1\n",
       "ha.cf:2: ping node '2001:db8::1' is defined twice (first on line 1)"},
      {"ping_group\n",
       "ha.cf:1: ping_group needs a name and at least one address (e.g. ping_group routers "
       "10.0.0.253 10.0.0.254)"},
      {"ping_group routers\n",
       "ha.cf:1: ping_group needs a name and at least one address (e.g. ping_group routers "
       "10.0.0.253 10.0.0.254)"},
      {"ping_group rou/ters 10.0.0.1\n",
       "ha.cf:1: ping_group: name 'rou/ters' is not valid (1 to 64 of a-z, 0-9, '.', '_', '-')"},
      {"ping_group routers 10.0.0.1 gw\n",
       "ha.cf:1: ping_group routers: 'gw' is not an IPv4 or IPv6 address (names are not "
       "resolved)"},
      {"ping_group routers 10.0.0.1 10.0.0.1\n",
       "ha.cf:1: ping_group routers: '10.0.0.1' is listed twice"},
      {"ping_group routers 10.0.0.1\nping_group Routers 10.0.0.2\n",
       "ha.cf:2: ping node 'routers' is defined twice (first on line 1)"},
      {"ping_group 10.0.0.1 10.0.0.2\nping 10.0.0.1\n",
       "ha.cf:2: ping node '10.0.0.1' is defined twice (first on line 1)"},
      {"ping_group lb2 10.0.0.1\n", "ha.cf:1: ping node 'lb2' has the name of a cluster node"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCfPing, deadping_must_exceed_twice_keepalive_and_needs_ping_nodes) {
  const Row rows[] = {
      {"keepalive 500ms\ndeadping 1\nping 10.0.0.254\n",
       "ha.cf:2: deadping (1s) must be more than 2 x keepalive (500ms)"},
      {"keepalive 500ms\ndeadping 1001ms\nping 10.0.0.254\n", ""},
      {"deadping 5\n", "ha.cf:1: warning: deadping has no effect without ping, ping6 or ping_group"},
      {"deadping 0\nping 10.0.0.254\n", "ha.cf:1: deadping: '0' is 0 ms; it must be at least 1ms"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCfPing, ping_nodes_are_kept_in_file_order_with_canonical_addresses) {
  const Parsed<HaCf> parsed = parse_ha_cf(
      std::string("ping 10.0.0.254 2001:DB8:0:0::FE\nping_group Uplinks 192.0.2.1, 2001:db8::2\n"
                  "ping6 fd00::1\n") +
          kTwoNodesAndALink,
      "ha.cf");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  const std::vector<PingNode>& n = parsed.value.ping_nodes;
  LONGS_EQUAL(4, n.size());
  STRCMP_EQUAL("10.0.0.254", n[0].name.c_str());
  STRCMP_EQUAL("2001:db8::fe", n[1].name.c_str());
  STRCMP_EQUAL("2001:db8::fe", n[1].addresses[0].c_str());
  LONGS_EQUAL(1, n[1].where.line);
  STRCMP_EQUAL("uplinks", n[2].name.c_str());
  CHECK(n[2].group);
  LONGS_EQUAL(2, n[2].addresses.size());
  STRCMP_EQUAL("192.0.2.1", n[2].addresses[0].c_str());
  STRCMP_EQUAL("2001:db8::2", n[2].addresses[1].c_str());
  STRCMP_EQUAL("fd00::1", n[3].name.c_str());
  LONGS_EQUAL(3, n[3].where.line);
}

TEST(HaCfPing, deadping_defaults_to_deadtime) {
  const Parsed<HaCf> unset =
      parse_ha_cf(std::string("deadtime 4\nping 10.0.0.254\n") + kTwoNodesAndALink, "ha.cf");
  CHECK_FALSE(unset.value.deadping);
  LONGS_EQUAL(4000, effective_deadping(unset.value).count());
  const Parsed<HaCf> set = parse_ha_cf(
      std::string("deadtime 4\ndeadping 6\nping 10.0.0.254\n") + kTwoNodesAndALink, "ha.cf");
  LONGS_EQUAL(6000, effective_deadping(set.value).count());
}

TEST(HaCfPing, more_ping_nodes_than_a_heartbeat_carries_are_refused) {
  std::string text;
  for (int i = 1; i <= 33; ++i) text += "ping 10.0.1." + std::to_string(i) + "\n";
  const Parsed<HaCf> parsed = parse_ha_cf(text + kTwoNodesAndALink, "ha.cf");
  STRCMP_EQUAL("ha.cf:33: too many ping nodes: at most 32", messages(parsed.diagnostics).c_str());
  std::string group = "ping_group many";
  for (int i = 1; i <= 65; ++i) group += " 10.0.2." + std::to_string(i);
  const Parsed<HaCf> wide = parse_ha_cf(group + "\n" + kTwoNodesAndALink, "ha.cf");
  STRCMP_EQUAL("ha.cf:1: too many ping addresses: at most 64 in all",
               messages(wide.diagnostics).c_str());
}
