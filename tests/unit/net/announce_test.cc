// The bytes of the ARP announcement (RFC 5227) and of the unsolicited
// neighbour advertisement (RFC 4861), field by field.
#include "../../../src/net/announce.h"

#include <arpa/inet.h>

#include <array>
#include <cstdio>
#include <string>

// After every std header (ours include some): its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat::net;

namespace {

const Mac kMac{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

template <size_t N>
std::string hex(const std::array<uint8_t, N>& bytes) {
  std::string out;
  char b[4];
  for (size_t i = 0; i < N; ++i) {
    std::snprintf(b, sizeof b, "%02x", bytes[i]);
    out += b;
  }
  return out;
}

}  // namespace

TEST_GROUP(Announce){};

TEST(Announce, the_arp_announcement_is_a_request_from_the_vip_about_the_vip) {
  in_addr vip{};
  inet_pton(AF_INET, "10.0.0.100", &vip);
  STRCMP_EQUAL(
      "0001"          // hardware type Ethernet
      "0800"          // protocol IPv4
      "0604"          // address lengths: 6 (MAC), 4 (IPv4)
      "0001"          // op: request (RFC 5227 announcement)
      "021122334455"  // sender MAC: ours
      "0a000064"      // sender IP: the VIP
      "000000000000"  // target MAC: zero
      "0a000064",     // target IP: the VIP again
      hex(arp_announcement(vip, kMac)).c_str());
}

TEST(Announce, the_neighbour_advertisement_overrides_and_carries_our_mac) {
  in6_addr vip{};
  inet_pton(AF_INET6, "2001:db8::10", &vip);
  STRCMP_EQUAL(
      "88"                                // type 136, neighbour advertisement
      "00"                                // code
      "0000"                              // checksum: the kernel's
      "20000000"                          // R=0 S=0 O=1
      "20010db8000000000000000000000010"  // target: the VIP
      "0201"                              // option: target link-layer address, 8 bytes
      "021122334455",                     // our MAC
      hex(unsolicited_na(vip, kMac)).c_str());
}
