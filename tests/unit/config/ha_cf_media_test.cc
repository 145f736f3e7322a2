// ha.cf media lines (ucast, bcast, mcast) and the names links go by.
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

using twinbeat::Parsed;
using namespace twinbeat::config;
using namespace twinbeat::config::testing;

namespace {

std::string labels_of(const char* media) {
  const Parsed<HaCf> parsed = parse_ha_cf(std::string("node a b\n") + media, "ha.cf");
  std::string out;
  for (const std::string& label : link_labels(parsed.value.links))
    out += (out.empty() ? "" : " ") + label;
  return out;
}

}  // namespace

TEST_GROUP(HaCfMedia){};

TEST(HaCfMedia, ucast_line_naming_a_hostname_is_an_error) {
  const Row rows[] = {
      {"ucast eth1 lb2\n",
       "ha.cf:1: ucast: peer 'lb2' is not an IPv4 address; write the address (names are not "
       "resolved)"},
      {"ucast eth1 fe80::1\n",
       "ha.cf:1: ucast: peer 'fe80::1' is not an IPv4 address; write the address (names are not "
       "resolved)"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCfMedia, media_errors_and_warnings_name_the_line) {
  const Row rows[] = {
      {"ucast eth1\n",
       "ha.cf:1: ucast needs an interface and a peer address (e.g. ucast eth1 10.0.0.2)"},
      {"ucast eth1 10.0.0.3 10.0.0.4\n",
       "ha.cf:1: warning: ucast: only the first peer is used; write one ucast line per peer"},
      {"ucast eth1/2 10.0.0.3\n",
       "ha.cf:1: ucast: 'eth1/2' is not an interface name (1 to 15 characters, no '/')"},
      {"bcast abcdefghijklmnop\n",
       "ha.cf:1: bcast: 'abcdefghijklmnop' is not an interface name (1 to 15 characters, no "
       "'/')"},
      {"bcast\n", "ha.cf:1: bcast needs at least one interface (e.g. bcast eth1)"},
      {"udp eth0\n", "ha.cf:1: warning: 'udp' is the old name of 'bcast'; write bcast"},
      {"udp\n",
       "ha.cf:1: warning: 'udp' is the old name of 'bcast'; write bcast\n"
       "ha.cf:1: udp needs at least one interface (e.g. bcast eth1)"},
      {"mcast eth0 239.192.0.42 694 1\n",
       "ha.cf:1: mcast takes 5 values, IF GROUP PORT TTL LOOP, got 4 (e.g. mcast eth0 "
       "239.192.0.42 694 1 0)"},
      {"mcast eth0 239.192.0.42 694 1 0 7\n",
       "ha.cf:1: mcast takes 5 values, IF GROUP PORT TTL LOOP, got 6 (e.g. mcast eth0 "
       "239.192.0.42 694 1 0)"},
      {"mcast eth0/1 239.192.0.42 694 1 0\n",
       "ha.cf:1: mcast: 'eth0/1' is not an interface name (1 to 15 characters, no '/')"},
      {"mcast eth0 10.0.0.1 694 1 0\n",
       "ha.cf:1: mcast: '10.0.0.1' is not an IPv4 multicast group (224.0.0.0/4)"},
      {"mcast eth0 240.0.0.1 694 1 0\n",
       "ha.cf:1: mcast: '240.0.0.1' is not an IPv4 multicast group (224.0.0.0/4)"},
      {"mcast eth0 239.192.0.42 0 1 0\n", "ha.cf:1: mcast: port '0' is not in 1..65535"},
      {"mcast eth0 239.192.0.42 694 256 0\n", "ha.cf:1: mcast: ttl '256' is not in 0..255"},
      {"mcast eth0 239.192.0.42 694 1 2\n", "ha.cf:1: mcast: loop '2' is not 0 or 1"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCfMedia, media_twinbeat_lacks_are_warned_and_add_nothing) {
  const Row rows[] = {
      {"ucast6 eth0 fe80::2\n",
       "ha.cf:1: warning: ucast6 is not supported; this line adds no link"},
      {"mcast6 eth0 ff02::1 694 1 0\n",
       "ha.cf:1: warning: mcast6 is not supported; this line adds no link"},
      {"serial /dev/ttyS0\n", "ha.cf:1: warning: serial is not supported; this line adds no link"},
      {"hbaping fc0\n", "ha.cf:1: warning: hbaping is not supported; this line adds no link"},
      {"rds eth0\n", "ha.cf:1: warning: rds is not supported; this line adds no link"},
      {"tipc eth0\n", "ha.cf:1: warning: tipc is not supported; this line adds no link"},
      {"baud 19200\n",
       "ha.cf:1: warning: baud is not supported (there are no serial links); ignored"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCfMedia, udpport_after_a_ucast_line_warns_that_it_applies_to_it) {
  const Row rows[] = {
      {"ucast eth1 10.0.0.2\nudpport 700\nnode lb1 lb2\n",
       "ha.cf:2: warning: udpport applies to every ucast/bcast link, including those above "
       "(Heartbeat applied it only to later lines)"},
      {"bcast eth1\nudpport 700\nnode lb1 lb2\n",
       "ha.cf:2: warning: udpport applies to every ucast/bcast link, including those above "
       "(Heartbeat applied it only to later lines)"},
      {"mcast eth0 239.192.0.42 694 1 0\nudpport 700\nnode lb1 lb2\n", ""},
      {"udpport 700\nucast eth1 10.0.0.2\nnode lb1 lb2\n", ""},
  };
  check_rows(rows, ha_cf_parser(""));
}

TEST(HaCfMedia, udpport_applies_to_ucast_and_bcast_above_it_but_not_to_mcast) {
  const Parsed<HaCf> parsed = parse_ha_cf(
      "ucast eth1 10.0.0.2\nbcast eth0 eth2\nmcast eth3 239.192.0.42 5405 2 1\nudpport 700\n"
      "node lb1 lb2\n",
      "ha.cf");
  CHECK(parsed.ok());
  const std::vector<LinkSpec>& links = parsed.value.links;
  LONGS_EQUAL(4, links.size());
  LONGS_EQUAL(700, links[0].port);
  LONGS_EQUAL(700, links[1].port);
  STRCMP_EQUAL("eth0", links[1].interface.c_str());
  STRCMP_EQUAL("eth2", links[2].interface.c_str());
  LONGS_EQUAL(700, links[2].port);
  CHECK(links[3].kind == LinkKind::mcast);
  STRCMP_EQUAL("239.192.0.42", links[3].group.c_str());
  LONGS_EQUAL(5405, links[3].port);
  LONGS_EQUAL(2, links[3].ttl);
  CHECK(links[3].loop);
}

TEST(HaCfMedia, udp_is_read_as_bcast) {
  const Parsed<HaCf> parsed = parse_ha_cf("udp eth0\nnode lb1 lb2\n", "ha.cf");
  CHECK(parsed.ok());
  LONGS_EQUAL(1, parsed.value.links.size());
  CHECK(parsed.value.links[0].kind == LinkKind::bcast);
}

TEST(HaCfMedia, ucast_keeps_only_the_first_peer_as_heartbeat_did) {
  const Parsed<HaCf> parsed = parse_ha_cf("ucast eth1 10.0.0.2 10.0.0.3\nnode lb1 lb2\n", "ha.cf");
  LONGS_EQUAL(1, parsed.value.links.size());
  STRCMP_EQUAL("10.0.0.2", parsed.value.links[0].peer.c_str());
}

TEST_GROUP(LinkLabels){};

TEST(LinkLabels, a_link_alone_on_its_interface_is_named_by_the_interface) {
  STRCMP_EQUAL("eth1 eth0", labels_of("ucast eth1 10.0.0.2\nbcast eth0\n").c_str());
}

TEST(LinkLabels, kinds_sharing_an_interface_add_the_kind) {
  STRCMP_EQUAL("eth1/ucast eth1/bcast", labels_of("ucast eth1 10.0.0.2\nbcast eth1\n").c_str());
}

TEST(LinkLabels, repeats_get_a_number_from_the_second_on) {
  STRCMP_EQUAL("eth1 eth1#2 eth0",
               labels_of("ucast eth1 10.0.0.2\nucast eth1 10.0.0.1\nbcast eth0\n").c_str());
  STRCMP_EQUAL("eth1/ucast eth1/ucast#2 eth1/mcast",
               labels_of("ucast eth1 10.0.0.2\nucast eth1 10.0.0.1\nmcast eth1 239.1.1.1 694 1 0\n")
                   .c_str());
}

TEST(LinkLabels, kinds_and_modes_print_their_names) {
  STRCMP_EQUAL("ucast", to_string(LinkKind::ucast));
  STRCMP_EQUAL("mcast", to_string(LinkKind::mcast));
  STRCMP_EQUAL("bcast", to_string(LinkKind::bcast));
  STRCMP_EQUAL("on", to_string(AutoFailback::on));
  STRCMP_EQUAL("off", to_string(AutoFailback::off));
  STRCMP_EQUAL("legacy", to_string(AutoFailback::legacy));
}

// A NUL would cut the name where the kernel reads it as a C string.
TEST(HaCfMedia, a_nul_byte_in_an_interface_or_a_peer_is_refused) {
  using namespace std::string_literals;
  const std::string text = "node a b\nucast eth1\0x 10.0.0.2\nucast eth1 10.0.0.2\0x\n"s;
  const Parsed<HaCf> parsed = parse_ha_cf(text, "ha.cf");
  CHECK_FALSE(parsed.ok());
  LONGS_EQUAL(2, parsed.diagnostics.size());
  LONGS_EQUAL(2, parsed.diagnostics[0].where.line);
  LONGS_EQUAL(3, parsed.diagnostics[1].where.line);
}
