// parse_vip: every form of Heartbeat's IPaddr/IPaddr2 argument it accepts,
// and every mistake with its exact message, one table row each.
#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "twinbeat/net/vip.h"

// After every std header (ours include some): its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using twinbeat::net::parse_vip;
using twinbeat::net::VipSpec;

namespace {

struct Row {
  const char* input;
  const char* expected;
};

// "inet 10.0.0.100 prefix=24 interface=eth0 label=vip broadcast=10.0.0.255",
// leaving out what is absent.
std::string describe(const VipSpec& s) {
  char addr[INET6_ADDRSTRLEN] = "?";
  inet_ntop(s.family, &s.addr, addr, sizeof addr);
  std::string out = std::string(s.family == AF_INET ? "inet " : "inet6 ") + addr;
  if (s.text != addr) out += " text=" + s.text;
  if (s.prefix) out += " prefix=" + std::to_string(*s.prefix);
  if (!s.interface.empty()) out += " interface=" + s.interface;
  if (!s.label.empty()) out += " label=" + s.label;
  if (s.broadcast) {
    char b[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &*s.broadcast, b, sizeof b);
    out += std::string(" broadcast=") + b;
  }
  return out;
}

// The spec's description, or "error: <message>".
std::string parsed(const char* input) {
  auto r = parse_vip(input);
  return r ? describe(*r) : "error: " + r.error().message;
}

template <size_t N>
void check_rows(const Row (&rows)[N]) {
  for (const Row& row : rows) STRCMP_EQUAL_TEXT(row.expected, parsed(row.input).c_str(), row.input);
}

}  // namespace

TEST_GROUP(ParseVip){};

TEST(ParseVip, every_heartbeat_form_is_accepted) {
  const Row rows[] = {
      {"10.0.0.100", "inet 10.0.0.100"},
      {"10.0.0.100/24", "inet 10.0.0.100 prefix=24"},
      {"10.0.0.100/24/eth0", "inet 10.0.0.100 prefix=24 interface=eth0"},
      {"10.0.0.100/24/eth0:vip", "inet 10.0.0.100 prefix=24 interface=eth0 label=vip"},
      {"10.0.0.100/24/eth0/10.0.0.255",
       "inet 10.0.0.100 prefix=24 interface=eth0 broadcast=10.0.0.255"},
      {"10.0.0.100/24/eth0:vip/10.0.0.255",
       "inet 10.0.0.100 prefix=24 interface=eth0 label=vip broadcast=10.0.0.255"},
      {"10.0.0.100/24/10.0.0.255", "inet 10.0.0.100 prefix=24 broadcast=10.0.0.255"},
      {"2001:db8::10/64/eth1", "inet6 2001:db8::10 prefix=64 interface=eth1"},
      {"2001:db8::10", "inet6 2001:db8::10"},
      {"2001:DB8:0::10/128", "inet6 2001:db8::10 text=2001:DB8:0::10 prefix=128"},
  };
  check_rows(rows);
}

TEST(ParseVip, prefixes_reach_both_ends_of_their_range) {
  const Row rows[] = {
      {"10.0.0.100/1", "inet 10.0.0.100 prefix=1"},
      {"10.0.0.100/32", "inet 10.0.0.100 prefix=32"},
      {"2001:db8::10/1", "inet6 2001:db8::10 prefix=1"},
      {"2001:db8::10/128", "inet6 2001:db8::10 prefix=128"},
  };
  check_rows(rows);
}

TEST(ParseVip, a_contiguous_dotted_netmask_means_its_prefix_as_in_ipaddr) {
  const Row rows[] = {
      {"10.0.0.100/255.255.255.0", "inet 10.0.0.100 prefix=24"},
      {"10.0.0.100/255.255.255.255/eth0", "inet 10.0.0.100 prefix=32 interface=eth0"},
      {"10.0.0.100/255.0.255.0", "error: netmask 255.0.255.0 is not contiguous"},
      {"10.0.0.100/0.0.0.0", "error: prefix 0 is out of range (1..32)"},
      {"10.0.0.100/255.255.255.256", "error: prefix '255.255.255.256' is not a number"},
      {"2001:db8::10/255.255.255.0", "error: prefix '255.255.255.0' is not a number"},
  };
  check_rows(rows);
}

TEST(ParseVip, interface_names_and_labels_fit_the_kernel_limit_of_15_characters) {
  const Row rows[] = {
      {"10.0.0.100/24/abcdefghijklmno", "inet 10.0.0.100 prefix=24 interface=abcdefghijklmno"},
      {"10.0.0.100/24/abcdefghijklmnop",
       "error: interface name 'abcdefghijklmnop' is longer than 15 characters"},
      {"10.0.0.100/24/eth0:abcdefghij",
       "inet 10.0.0.100 prefix=24 interface=eth0 label=abcdefghij"},
      {"10.0.0.100/24/eth0:abcdefghijk",
       "error: label 'eth0:abcdefghijk' is longer than 15 characters"},
  };
  check_rows(rows);
}

TEST(ParseVip, each_mistake_has_its_own_message) {
  const Row rows[] = {
      {"", "error: no address given"},
      {"/24", "error: empty address in '/24'"},
      {"10.0.0.300", "error: '10.0.0.300' is not an IPv4 or IPv6 address"},
      {"10.0.0", "error: '10.0.0' is not an IPv4 or IPv6 address"},
      {"node1", "error: 'node1' is not an IPv4 or IPv6 address"},
      {"2001:db8::10::1", "error: '2001:db8::10::1' is not an IPv4 or IPv6 address"},
      {"10.0.0.100/", "error: empty prefix in '10.0.0.100/'"},
      {"10.0.0.100//eth0", "error: empty prefix in '10.0.0.100//eth0'"},
      {"10.0.0.100/0", "error: prefix 0 is out of range (1..32)"},
      {"10.0.0.100/33", "error: prefix 33 is out of range (1..32)"},
      {"2001:db8::10/0", "error: prefix 0 is out of range (1..128)"},
      {"2001:db8::10/129", "error: prefix 129 is out of range (1..128)"},
      {"10.0.0.100/eth0", "error: prefix 'eth0' is not a number"},
      {"10.0.0.100/24x", "error: prefix '24x' is not a number"},
      {"10.0.0.100/-24", "error: prefix '-24' is not a number"},
      {"10.0.0.100/99999999999", "error: prefix 99999999999 is out of range (1..32)"},
      {"10.0.0.100/+24", "error: prefix '+24' is not a number"},
      {"10.0.0.100/24/", "error: empty interface in '10.0.0.100/24/'"},
      {"10.0.0.100/24/:vip", "error: empty interface in '10.0.0.100/24/:vip'"},
      {"10.0.0.100/24/eth0:", "error: empty label in '10.0.0.100/24/eth0:'"},
      {"10.0.0.100/24/..", "error: '..' is not a valid interface name"},
      {"10.0.0.100/24/eth0/", "error: empty broadcast address in '10.0.0.100/24/eth0/'"},
      {"10.0.0.100/24/10.0.0.256", "error: broadcast '10.0.0.256' is not an IPv4 address"},
      {"10.0.0.100/24/eth0/eth1", "error: broadcast 'eth1' is not an IPv4 address"},
      {"10.0.0.100/24/eth0/2001:db8::ff", "error: broadcast '2001:db8::ff' is not an IPv4 address"},
      {"2001:db8::10/64/eth1:vip", "error: IPv6 address 2001:db8::10 takes no label (eth1:vip)"},
      {"2001:db8::10/64/eth1/10.0.0.255",
       "error: IPv6 address 2001:db8::10 takes no broadcast address (10.0.0.255)"},
      {"2001:db8::10/64/10.0.0.255",
       "error: IPv6 address 2001:db8::10 takes no broadcast address (10.0.0.255)"},
      {"10.0.0.100/24/eth0/10.0.0.255/x",
       "error: too many fields in '10.0.0.100/24/eth0/10.0.0.255/x': expected "
       "ip[/prefix[/interface[:label]][/broadcast]]"},
      {"10.0.0.100/24/10.0.0.255/eth0",
       "error: too many fields in '10.0.0.100/24/10.0.0.255/eth0': expected "
       "ip[/prefix[/interface[:label]][/broadcast]]"},
  };
  check_rows(rows);
}
