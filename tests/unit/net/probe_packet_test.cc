// The bytes of the ARP probe (RFC 5227) and of the DAD solicitation (RFC
// 4862), and which frames count as an answer to them.
#include "../../../src/net/probe_packet.h"

#include <arpa/inet.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

// After every std header (ours include some): its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat::net;

namespace {

const Mac kOwn{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
const Mac kOther{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};

template <class Bytes>
std::string hex(const Bytes& bytes) {
  std::string out;
  char b[4];
  for (uint8_t c : bytes) {
    std::snprintf(b, sizeof b, "%02x", c);
    out += b;
  }
  return out;
}

in_addr v4(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return a;
}

in6_addr v6(const char* text) {
  in6_addr a{};
  inet_pton(AF_INET6, text, &a);
  return a;
}

// An ARP payload: op, sender MAC and IP, target MAC and IP.
std::vector<uint8_t> arp(uint16_t op, const Mac& sha, const char* spa, const Mac& tha,
                         const char* tpa) {
  std::vector<uint8_t> p = {0x00, 0x01, 0x08, 0x00, 6, 4, static_cast<uint8_t>(op >> 8),
                            static_cast<uint8_t>(op)};
  const in_addr s = v4(spa), t = v4(tpa);
  p.insert(p.end(), sha.begin(), sha.end());
  p.insert(p.end(), reinterpret_cast<const uint8_t*>(&s), reinterpret_cast<const uint8_t*>(&s) + 4);
  p.insert(p.end(), tha.begin(), tha.end());
  p.insert(p.end(), reinterpret_cast<const uint8_t*>(&t), reinterpret_cast<const uint8_t*>(&t) + 4);
  return p;
}

// An IPv6 packet carrying a neighbour solicitation (135) or advertisement
// (136) for `target`, with a link-layer address option of type `option`
// (0: none) holding `mac`, and a correct checksum unless told otherwise.
std::vector<uint8_t> nd(uint8_t type, const char* src, const char* dst, const char* target,
                        uint8_t option = 0, const Mac& mac = kOther, uint8_t hop_limit = 255,
                        bool good_checksum = true) {
  std::vector<uint8_t> m = {type, 0, 0, 0, 0, 0, 0, 0};
  if (type == 136) m[4] = 0x20;  // override
  const in6_addr t = v6(target);
  m.insert(m.end(), t.s6_addr, t.s6_addr + 16);
  if (option) {
    m.push_back(option);
    m.push_back(1);
    m.insert(m.end(), mac.begin(), mac.end());
  }
  const in6_addr s = v6(src), d = v6(dst);
  const uint16_t sum = icmpv6_checksum(s, d, m) ^ (good_checksum ? 0 : 0x0101);
  m[2] = static_cast<uint8_t>(sum >> 8);
  m[3] = static_cast<uint8_t>(sum);
  std::vector<uint8_t> p = {0x60, 0, 0, 0, 0, static_cast<uint8_t>(m.size()), 58, hop_limit};
  p.insert(p.end(), s.s6_addr, s.s6_addr + 16);
  p.insert(p.end(), d.s6_addr, d.s6_addr + 16);
  p.insert(p.end(), m.begin(), m.end());
  return p;
}

}  // namespace

TEST_GROUP(ProbePacket){};

TEST(ProbePacket, the_arp_probe_asks_for_the_vip_from_sender_ip_zero) {
  STRCMP_EQUAL(
      "0001"          // hardware type Ethernet
      "0800"          // protocol IPv4
      "0604"          // address lengths
      "0001"          // op: request
      "021122334455"  // sender MAC: ours
      "00000000"      // sender IP: 0.0.0.0, so no cache learns from it (RFC 5227 2.1.1)
      "000000000000"  // target MAC: zero
      "0a000064",     // target IP: the VIP
      hex(arp_probe(v4("10.0.0.100"), kOwn)).c_str());
}

TEST(ProbePacket, the_dad_solicitation_goes_from_the_unspecified_address_to_the_solicited_node_group) {
  STRCMP_EQUAL(
      "60000000"                          // version 6
      "0018"                              // payload: 24 bytes
      "3a"                                // next header ICMPv6
      "ff"                                // hop limit 255
      "00000000000000000000000000000000"  // source :: (RFC 4862 5.4.2)
      "ff0200000000000000000001ff000010"  // ff02::1:ff00:10
      "87"                                // neighbour solicitation
      "00"                                // code
      "4ccf"                              // checksum
      "00000000"                          // reserved
      "20010db8000000000000000000000010", // target: the VIP, and no option
      hex(dad_solicitation(v6("2001:db8::10"))).c_str());
}

TEST(ProbePacket, the_solicited_node_group_keeps_the_last_three_bytes) {
  char text[INET6_ADDRSTRLEN];
  const in6_addr s = solicited_node(v6("2001:db8::ab:cdef:1234"));
  STRCMP_EQUAL("ff02::1:ffef:1234", inet_ntop(AF_INET6, &s, text, sizeof text));
  STRCMP_EQUAL("33:33:ff:ef:12:34", mac_text(solicited_node_mac(v6("2001:db8::ab:cdef:1234"))).c_str());
}

TEST(ProbePacket, a_checksum_over_a_message_that_carries_its_checksum_is_zero) {
  const auto p = dad_solicitation(v6("2001:db8::10"));
  LONGS_EQUAL(0, icmpv6_checksum(v6("::"), v6("ff02::1:ff00:10"),
                                 std::span<const uint8_t>(p.data() + 40, 24)));
}

TEST(ProbePacket, the_holders_arp_reply_is_an_answer_naming_its_mac) {
  const auto a = read_arp(arp(2, kOther, "10.0.0.100", kOwn, "0.0.0.0"), v4("10.0.0.100"), kOwn);
  CHECK_TRUE(a.has_value());
  STRCMP_EQUAL("02:aa:bb:cc:dd:ee", mac_text(a->mac).c_str());
  CHECK_FALSE(a->probing);
}

TEST(ProbePacket, any_arp_packet_sent_from_the_vip_is_an_answer) {
  // A gratuitous ARP, and a request the holder makes for another host.
  CHECK_TRUE(read_arp(arp(1, kOther, "10.0.0.100", Mac{}, "10.0.0.100"), v4("10.0.0.100"), kOwn));
  CHECK_TRUE(read_arp(arp(1, kOther, "10.0.0.100", Mac{}, "10.0.0.1"), v4("10.0.0.100"), kOwn));
}

TEST(ProbePacket, another_hosts_probe_for_the_vip_is_an_answer_that_only_probes) {
  const auto a = read_arp(arp(1, kOther, "0.0.0.0", Mac{}, "10.0.0.100"), v4("10.0.0.100"), kOwn);
  CHECK_TRUE(a.has_value());
  CHECK_TRUE(a->probing);
}

TEST(ProbePacket, a_client_asking_for_the_vip_is_no_answer) {
  // Its sender IP is its own: it resolves the VIP, it does not hold it.
  CHECK_FALSE(read_arp(arp(1, kOther, "10.0.0.50", Mac{}, "10.0.0.100"), v4("10.0.0.100"), kOwn));
}

TEST(ProbePacket, our_own_probe_and_packets_about_other_addresses_are_no_answer) {
  CHECK_FALSE(read_arp(arp(1, kOwn, "0.0.0.0", Mac{}, "10.0.0.100"), v4("10.0.0.100"), kOwn));
  CHECK_FALSE(read_arp(arp(2, kOther, "10.0.0.101", kOwn, "0.0.0.0"), v4("10.0.0.100"), kOwn));
  CHECK_FALSE(read_arp(arp(1, kOther, "0.0.0.0", Mac{}, "10.0.0.101"), v4("10.0.0.100"), kOwn));
}

TEST(ProbePacket, a_malformed_arp_packet_is_no_answer) {
  auto reply = arp(2, kOther, "10.0.0.100", kOwn, "0.0.0.0");
  CHECK_FALSE(read_arp(std::span<const uint8_t>(reply.data(), 27), v4("10.0.0.100"), kOwn));
  auto token_ring = reply;
  token_ring[1] = 6;
  CHECK_FALSE(read_arp(token_ring, v4("10.0.0.100"), kOwn));
  auto rarp = reply;
  rarp[7] = 3;
  CHECK_FALSE(read_arp(rarp, v4("10.0.0.100"), kOwn));
}

TEST(ProbePacket, the_holders_advertisement_names_the_mac_of_its_target_option) {
  const Mac holder{0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
  const auto a = read_nd(nd(136, "fe80::7", "ff02::1", "2001:db8::10", 2, holder),
                         v6("2001:db8::10"), kOwn, kOther);
  CHECK_TRUE(a.has_value());
  STRCMP_EQUAL("02:00:00:00:00:07", mac_text(a->mac).c_str());
  CHECK_FALSE(a->probing);
}

TEST(ProbePacket, an_advertisement_without_option_names_the_frames_source) {
  const auto a = read_nd(nd(136, "fe80::7", "ff02::1", "2001:db8::10"), v6("2001:db8::10"), kOwn,
                         kOther);
  CHECK_TRUE(a.has_value());
  STRCMP_EQUAL("02:aa:bb:cc:dd:ee", mac_text(a->mac).c_str());
}

TEST(ProbePacket, another_hosts_dad_for_the_vip_is_an_answer_that_only_probes) {
  const auto a = read_nd(nd(135, "::", "ff02::1:ff00:10", "2001:db8::10"), v6("2001:db8::10"),
                         kOwn, kOther);
  CHECK_TRUE(a.has_value());
  CHECK_TRUE(a->probing);
}

TEST(ProbePacket, a_client_resolving_the_vip_and_our_own_dad_are_no_answer) {
  CHECK_FALSE(read_nd(nd(135, "2001:db8::50", "ff02::1:ff00:10", "2001:db8::10", 1),
                      v6("2001:db8::10"), kOwn, kOther));
  CHECK_FALSE(read_nd(nd(135, "::", "ff02::1:ff00:10", "2001:db8::10"), v6("2001:db8::10"), kOwn,
                      kOwn));
  CHECK_FALSE(read_nd(nd(136, "fe80::1", "ff02::1", "2001:db8::10", 2, kOwn), v6("2001:db8::10"),
                      kOwn, kOther));
}

TEST(ProbePacket, an_advertisement_for_another_target_is_no_answer) {
  CHECK_FALSE(read_nd(nd(136, "fe80::7", "ff02::1", "2001:db8::11", 2), v6("2001:db8::10"), kOwn,
                      kOther));
}

TEST(ProbePacket, an_advertisement_that_crossed_a_router_or_is_corrupt_is_no_answer) {
  // RFC 4861 7.1.2: hop limit 255 and a valid checksum, else silently dropped.
  CHECK_FALSE(read_nd(nd(136, "fe80::7", "ff02::1", "2001:db8::10", 2, kOther, 254),
                      v6("2001:db8::10"), kOwn, kOther));
  CHECK_FALSE(read_nd(nd(136, "fe80::7", "ff02::1", "2001:db8::10", 2, kOther, 255, false),
                      v6("2001:db8::10"), kOwn, kOther));
  auto truncated = nd(136, "fe80::7", "ff02::1", "2001:db8::10", 2);
  truncated.resize(60);
  CHECK_FALSE(read_nd(truncated, v6("2001:db8::10"), kOwn, kOther));
}

TEST(ProbePacket, an_advertisement_with_a_malformed_option_names_the_frames_source) {
  auto p = nd(136, "fe80::7", "ff02::1", "2001:db8::10", 2);
  p[40 + 24 + 1] = 0;  // option length 0 (RFC 4861 4.6: discard)
  // Fix the checksum for the changed byte, so only the option is wrong.
  p[42] = p[43] = 0;
  in6_addr s, d;
  std::memcpy(&s, &p[8], 16);
  std::memcpy(&d, &p[24], 16);
  const uint16_t sum = icmpv6_checksum(s, d, std::span<const uint8_t>(p.data() + 40, p.size() - 40));
  p[42] = static_cast<uint8_t>(sum >> 8);
  p[43] = static_cast<uint8_t>(sum);
  const auto a = read_nd(p, v6("2001:db8::10"), kOwn, kOther);
  // The advertisement still answers: the host is then the frame's source.
  CHECK_TRUE(a.has_value());
  STRCMP_EQUAL("02:aa:bb:cc:dd:ee", mac_text(a->mac).c_str());
}
