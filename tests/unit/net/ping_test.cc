// ICMP echo: the request's bytes, and which received packets count as our
// replies (one named byte broken at a time).
#include "twinbeat/net/ping.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "CppUTest/TestHarness.h"

using namespace twinbeat;
using namespace twinbeat::net;

namespace {

constexpr uint64_t kToken = 0x0102030405060708;
const Instant kSent{Millis{123456789}};

// The reply a host makes of our request: type 0 (or 129), the rest echoed.
std::vector<uint8_t> reply_to(std::vector<uint8_t> request, int family) {
  request[0] = family == AF_INET ? 0 : 129;
  return request;
}

// An IPv4 header of 20 bytes (protocol ICMP) in front of `icmp`.
std::vector<uint8_t> with_ip_header(const std::vector<uint8_t>& icmp) {
  const uint8_t header[20] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, IPPROTO_ICMP, 0, 0,
                              10,   0, 0, 9, 10, 0, 0, 1};
  std::vector<uint8_t> p(sizeof header + icmp.size());
  std::copy(header, header + sizeof header, p.begin());
  std::copy(icmp.begin(), icmp.end(), p.begin() + sizeof header);
  return p;
}

}  // namespace

TEST_GROUP(Ping){};

TEST(Ping, an_ipv4_request_is_an_echo_with_a_valid_checksum_and_our_payload) {
  const auto p = echo_request(AF_INET, 0xabcd, 7, kToken, kSent, 3);
  LONGS_EQUAL(kEchoSize, p.size());
  LONGS_EQUAL(8, p[0]);
  LONGS_EQUAL(0, p[1]);
  LONGS_EQUAL(0xab, p[4]);
  LONGS_EQUAL(0xcd, p[5]);
  LONGS_EQUAL(7, p[7]);
  LONGS_EQUAL(0x01, p[8]);
  LONGS_EQUAL(3, p[25]);
  // The one's complement sum over the whole message, checksum included, is 0xffff.
  uint32_t sum = 0;
  for (size_t i = 0; i < p.size(); i += 2) sum += (p[i] << 8) | p[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  LONGS_EQUAL(0xffff, sum);
}

TEST(Ping, an_ipv6_request_leaves_the_checksum_to_the_kernel) {
  const auto p = echo_request(AF_INET6, 1, 1, kToken, kSent, 0);
  LONGS_EQUAL(128, p[0]);
  LONGS_EQUAL(0, p[2]);
  LONGS_EQUAL(0, p[3]);
}

TEST(Ping, our_reply_gives_the_target_and_the_send_time) {
  for (int family : {AF_INET, AF_INET6}) {
    const auto r = parse_echo_reply(family, reply_to(echo_request(family, 9, 1, kToken, kSent, 5), family),
                                    false, kToken, uint16_t{9});
    CHECK(r.has_value());
    LONGS_EQUAL(5, r->index);
    CHECK(r->sent == kSent);
  }
}

TEST(Ping, a_raw_ipv4_reply_is_read_past_its_ip_header) {
  const auto reply = with_ip_header(reply_to(echo_request(AF_INET, 9, 1, kToken, kSent, 2), AF_INET));
  const auto r = parse_echo_reply(AF_INET, reply, true, kToken, uint16_t{9});
  CHECK(r.has_value());
  LONGS_EQUAL(2, r->index);
}

TEST(Ping, replies_that_are_not_ours_count_for_nothing) {
  const auto good = reply_to(echo_request(AF_INET, 9, 1, kToken, kSent, 2), AF_INET);
  struct Case {
    const char* what;
    size_t at;
    uint8_t value;
  };
  const Case cases[] = {
      {"an echo request, not a reply", 0, 8},
      {"code 1", 1, 1},
      {"another identifier", 5, 10},
      {"another token", 15, 0x09},
  };
  for (const Case& c : cases) {
    auto p = good;
    p[c.at] = c.value;
    CHECK_TEXT(!parse_echo_reply(AF_INET, p, false, kToken, uint16_t{9}), c.what);
  }
  CHECK_FALSE(parse_echo_reply(AF_INET, std::vector<uint8_t>(good.begin(), good.end() - 1), false,
                               kToken, uint16_t{9}));
  CHECK_FALSE(parse_echo_reply(AF_INET6, good, false, kToken, uint16_t{9}));  // type 0 is not 129
  // A datagram socket's identifier is the kernel's: not checked there.
  auto other_ident = good;
  other_ident[5] = 10;
  CHECK(parse_echo_reply(AF_INET, other_ident, false, kToken, std::nullopt).has_value());
}

TEST(Ping, a_short_or_foreign_ip_header_counts_for_nothing) {
  auto p = with_ip_header(reply_to(echo_request(AF_INET, 9, 1, kToken, kSent, 2), AF_INET));
  auto udp = p;
  udp[9] = IPPROTO_UDP;
  CHECK_FALSE(parse_echo_reply(AF_INET, udp, true, kToken, uint16_t{9}));
  auto short_ihl = p;
  short_ihl[0] = 0x44;
  CHECK_FALSE(parse_echo_reply(AF_INET, short_ihl, true, kToken, uint16_t{9}));
  CHECK_FALSE(parse_echo_reply(AF_INET, std::vector<uint8_t>(p.begin(), p.begin() + 19), true,
                               kToken, uint16_t{9}));
  CHECK_FALSE(parse_echo_reply(AF_INET, std::vector<uint8_t>{}, true, kToken, uint16_t{9}));
}
