// ha.cf checks over the whole file (timings, nodes, media, Heartbeat's derived
// defaults) and against the host.
// The std headers that twinbeat's headers use come first: CppUTest redefines new.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "config_test_util.h"
#include "twinbeat/config/ha_cf.h"

using twinbeat::Diagnostic;
using twinbeat::Parsed;
using namespace twinbeat::config;
using namespace twinbeat::config::testing;

TEST_GROUP(HaCfChecks){};

TEST(HaCfChecks, timing_relations_blame_the_line_that_set_the_value) {
  const Row rows[] = {
      {"keepalive 200ms\ndeadtime 250ms\n",
       "ha.cf:2: deadtime (250ms) must be at least 2 x keepalive (200ms); 4 x or more is "
       "recommended"},
      {"keepalive 20\n",
       "ha.cf:1: deadtime (30s) must be at least 2 x keepalive (20s); 4 x or more is "
       "recommended"},
      {"keepalive 1\ndeadtime 3\n",
       "ha.cf:2: warning: deadtime (3s) is less than 4 x keepalive (1s); a short network hiccup "
       "can cause a false failover"},
      {"keepalive 1\ndeadtime 2\n",
       "ha.cf:2: warning: deadtime (2s) is less than 4 x keepalive (1s); a short network hiccup "
       "can cause a false failover"},
      {"keepalive 1\ndeadtime 4\n", ""},
      {"keepalive 500ms\ndeadtime 2\nwarntime 2\n",
       "ha.cf:3: warntime (2s) must be less than deadtime (2s)"},
      {"keepalive 1\ndeadtime 10\nwarntime 1\n",
       "ha.cf:3: warning: warntime (1s) is not more than keepalive (1s); every heartbeat would "
       "be reported late"},
      {"keepalive 1\ndeadtime 10\nwarntime 1001ms\n", ""},
      {"deadtime 30\ninitdead 10\n", "ha.cf:2: initdead (10s) must be at least deadtime (30s)"},
      {"deadtime 30\ninitdead 30\n", ""},
      {"keepalive 1\ndeadping 2\nping 10.0.0.254\n",
       "ha.cf:2: deadping (2s) must be more than 2 x keepalive (1s)"},
      {"keepalive 1\ndeadping 2001ms\nping 10.0.0.254\n", ""},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCfChecks, whole_file_checks_need_two_nodes_and_a_medium) {
  const Row rows[] = {
      {"node lb1\nucast eth1 10.0.0.2\n", "ha.cf:1: exactly two nodes are needed, found 1"},
      {"ucast eth1 10.0.0.2\nnode lb1 lb2 lb3\n", "ha.cf:2: exactly two nodes are needed, found 3"},
      {"ucast eth1 10.0.0.2\n", "ha.cf: exactly two nodes are needed, found 0"},
      {"node lb1 lb2\n", "ha.cf: no heartbeat media (ucast, mcast or bcast)"},
      {"node lb1 lb2\nping 10.0.0.254\n", "ha.cf: no heartbeat media (ucast, mcast or bcast)"},
      {"",
       "ha.cf: exactly two nodes are needed, found 0\n"
       "ha.cf: no heartbeat media (ucast, mcast or bcast)"},
  };
  check_rows(rows, ha_cf_parser(""));
}

TEST(HaCfChecks, one_mistake_gives_one_message) {
  const Row rows[] = {
      // keepalive falls back to 1 s, which would make deadtime 2 a warning.
      {"keepalive 1500 ms\ndeadtime 2\nnode lb1 lb2\nucast eth1 10.0.0.2\n",
       "ha.cf:1: keepalive takes one value, got '1500 ms' (write 1500ms)"},
      {"deadtime 2x\nwarntime 20\nnode lb1 lb2\nucast eth1 10.0.0.2\n",
       "ha.cf:1: deadtime: '2x' is not a time (examples: 2, 1.5, 500ms, 2s)"},
      {"node lb1 lb@2\nucast eth1 10.0.0.2\n",
       "ha.cf:1: node name 'lb@2' is not valid (1 to 64 of a-z, 0-9, '.', '_', '-')"},
      {"node lb1 lb2\nucast eth1 lb2\n",
       "ha.cf:2: ucast: peer 'lb2' is not an IPv4 address; write the address (names are not "
       "resolved)"},
  };
  check_rows(rows, ha_cf_parser(""));
}

TEST(HaCfChecks, initdead_default_follows_deadtime_as_in_heartbeat) {
  struct {
    const char* deadtime;
    long initdead_ms;
  } rows[] = {{"5", 12000},  {"5999ms", 12000},  {"6", 12000},  {"8", 16000},
              {"10", 20000}, {"10001ms", 10001}, {"11", 11000}, {"60", 60000}};
  for (const auto& row : rows) {
    const std::string text =
        std::string("keepalive 1\ndeadtime ") + row.deadtime + "\n" + kTwoNodesAndALink;
    const Parsed<HaCf> parsed = parse_ha_cf(text, "ha.cf");
    CHECK_TEXT(parsed.ok(), row.deadtime);
    LONGS_EQUAL_TEXT(row.initdead_ms, parsed.value.initdead.count(), row.deadtime);
  }
}

TEST(HaCfChecks, warntime_defaults_to_half_of_deadtime) {
  const Parsed<HaCf> parsed = parse_ha_cf(std::string("deadtime 9\n") + kTwoNodesAndALink, "ha.cf");
  LONGS_EQUAL(4500, parsed.value.warntime.count());
  LONGS_EQUAL(0, parsed.value.warntime_where.line);
  LONGS_EQUAL(1, parsed.value.deadtime_where.line);
}

TEST_GROUP(HaCfHost){};

TEST(HaCfHost, a_node_not_in_the_file_is_an_error) {
  const Parsed<HaCf> parsed =
      parse_ha_cf(std::string("keepalive 1\n") + kTwoNodesAndALink, "ha.cf");
  std::vector<Diagnostic> out;
  validate_ha_cf_for_host(
      parsed.value, "lb3", [](const std::string&) { return true; }, out);
  STRCMP_EQUAL(
      "ha.cf:2: this node 'lb3' is not among the nodes (lb1, lb2); set --node or fix 'node'",
      messages(out).c_str());
}

TEST(HaCfHost, node_names_compare_without_case) {
  const Parsed<HaCf> parsed = parse_ha_cf(kTwoNodesAndALink, "ha.cf");
  std::vector<Diagnostic> out;
  validate_ha_cf_for_host(
      parsed.value, "LB2", [](const std::string&) { return true; }, out);
  STRCMP_EQUAL("", messages(out).c_str());
}

TEST(HaCfHost, a_missing_interface_is_reported_once_per_line) {
  const Parsed<HaCf> parsed = parse_ha_cf(
      "node lb1 lb2\nbcast eth9 eth9 eth0\nucast eth9 10.0.0.2\nucast eth0 10.0.0.2\n", "ha.cf");
  std::vector<Diagnostic> out;
  std::vector<std::string> asked;
  validate_ha_cf_for_host(
      parsed.value, "lb1",
      [&asked](const std::string& name) {
        asked.push_back(name);
        return name == "eth0";
      },
      out);
  STRCMP_EQUAL(
      "ha.cf:2: interface 'eth9' does not exist\n"
      "ha.cf:3: interface 'eth9' does not exist",
      messages(out).c_str());
  CHECK_FALSE(asked.empty());
}

TEST(HaCfHost, peer_is_the_other_node) {
  const Parsed<HaCf> parsed = parse_ha_cf(kTwoNodesAndALink, "ha.cf");
  STRCMP_EQUAL("lb2", peer_of(parsed.value, "lb1").c_str());
  STRCMP_EQUAL("lb1", peer_of(parsed.value, "LB2").c_str());
}

TEST(HaCfChecks, messages_come_in_line_order_with_whole_file_ones_last) {
  const Parsed<HaCf> parsed = parse_ha_cf(
      "keepalive 2s\ndeadtime 1s\nwarntime 5s\ninitdead 500ms\nfrobnicate yes\nudpport 99999\n",
      "ha.cf");
  STRCMP_EQUAL(
      "ha.cf:2: deadtime (1s) must be at least 2 x keepalive (2s); 4 x or more is recommended\n"
      "ha.cf:3: warntime (5s) must be less than deadtime (1s)\n"
      "ha.cf:4: initdead (500ms) must be at least deadtime (1s)\n"
      "ha.cf:5: unknown directive 'frobnicate'\n"
      "ha.cf:6: udpport: '99999' is not a port (1..65535)\n"
      "ha.cf: exactly two nodes are needed, found 0\n"
      "ha.cf: no heartbeat media (ucast, mcast or bcast)",
      messages(parsed.diagnostics).c_str());
}
