// ARP probes and DAD solicitations: their bytes, and what counts as an
// answer among the frames that come back.
#include "probe_packet.h"

#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>

#include <cstdio>
#include <cstring>

namespace twinbeat::net {

namespace {

constexpr uint8_t kIcmpv6 = 58;            // next header
constexpr uint8_t kNdHopLimit = 255;       // RFC 4861 7.1: anything else came through a router
constexpr size_t kIpv6Header = 40;
constexpr size_t kNdMessage = 24;          // type, code, checksum, flags, target
constexpr uint8_t kNdOptTargetLinkAddr = 2;  // RFC 4861 4.6.1

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

bool same_mac(const uint8_t* p, const Mac& mac) { return std::memcmp(p, mac.data(), 6) == 0; }

Mac mac_at(const uint8_t* p) {
  Mac m;
  std::memcpy(m.data(), p, m.size());
  return m;
}

// The host named by a neighbour advertisement's target link-layer address
// option, if it carries one (options start after the 24-byte message).
std::optional<Mac> target_link_address(std::span<const uint8_t> message) {
  size_t at = kNdMessage;
  while (at + 2 <= message.size()) {
    const size_t len = static_cast<size_t>(message[at + 1]) * 8;
    if (len == 0 || at + len > message.size()) return std::nullopt;  // RFC 4861 4.6: malformed
    if (message[at] == kNdOptTargetLinkAddr && len >= 8) return mac_at(&message[at + 2]);
    at += len;
  }
  return std::nullopt;
}

}  // namespace

std::array<uint8_t, 28> arp_probe(in_addr vip, const Mac& mac) {
  std::array<uint8_t, 28> p{};
  put16(&p[0], ARPHRD_ETHER);
  put16(&p[2], ETHERTYPE_IP);
  p[4] = 6;
  p[5] = 4;
  put16(&p[6], ARPOP_REQUEST);
  std::memcpy(&p[8], mac.data(), 6);
  // p[14..17]: sender IP 0.0.0.0; p[18..23]: target MAC zero.
  std::memcpy(&p[24], &vip, 4);
  return p;
}

in6_addr solicited_node(const in6_addr& addr) {
  in6_addr s{};
  s.s6_addr[0] = 0xff;
  s.s6_addr[1] = 0x02;
  s.s6_addr[11] = 0x01;
  s.s6_addr[12] = 0xff;
  std::memcpy(&s.s6_addr[13], &addr.s6_addr[13], 3);
  return s;
}

Mac solicited_node_mac(const in6_addr& addr) {
  const in6_addr s = solicited_node(addr);
  return Mac{0x33, 0x33, s.s6_addr[12], s.s6_addr[13], s.s6_addr[14], s.s6_addr[15]};
}

std::array<uint8_t, 64> dad_solicitation(const in6_addr& vip) {
  std::array<uint8_t, 64> p{};
  const in6_addr any{};
  const in6_addr dst = solicited_node(vip);
  p[0] = 0x60;  // version 6, traffic class and flow label 0
  put16(&p[4], kNdMessage);
  p[6] = kIcmpv6;
  p[7] = kNdHopLimit;
  std::memcpy(&p[8], &any, 16);
  std::memcpy(&p[24], &dst, 16);
  uint8_t* m = &p[kIpv6Header];
  m[0] = ND_NEIGHBOR_SOLICIT;
  // m[1] code 0, m[2..3] checksum, m[4..7] reserved.
  std::memcpy(&m[8], &vip, 16);
  put16(&m[2], icmpv6_checksum(any, dst, std::span<const uint8_t>(m, kNdMessage)));
  return p;
}

uint16_t icmpv6_checksum(const in6_addr& src, const in6_addr& dst,
                         std::span<const uint8_t> message) {
  uint32_t sum = 0;
  auto add = [&sum](const uint8_t* p, size_t n) {
    for (size_t i = 0; i + 1 < n; i += 2) sum += get16(&p[i]);
    if (n % 2) sum += static_cast<uint32_t>(p[n - 1]) << 8;
  };
  // The pseudo-header: source, destination, upper-layer length, next header.
  add(src.s6_addr, 16);
  add(dst.s6_addr, 16);
  const uint32_t len = static_cast<uint32_t>(message.size());
  sum += len >> 16;
  sum += len & 0xffff;
  sum += kIcmpv6;
  add(message.data(), message.size());
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

std::optional<ProbeAnswer> read_arp(std::span<const uint8_t> p, in_addr vip, const Mac& own) {
  if (p.size() < 28 || get16(&p[0]) != ARPHRD_ETHER || get16(&p[2]) != ETHERTYPE_IP || p[4] != 6 ||
      p[5] != 4)
    return std::nullopt;
  const uint16_t op = get16(&p[6]);
  if ((op != ARPOP_REQUEST && op != ARPOP_REPLY) || same_mac(&p[8], own)) return std::nullopt;
  in_addr sender, target;
  std::memcpy(&sender, &p[14], 4);
  std::memcpy(&target, &p[24], 4);
  if (sender.s_addr == vip.s_addr) return ProbeAnswer{mac_at(&p[8]), false};
  if (sender.s_addr == 0 && op == ARPOP_REQUEST && target.s_addr == vip.s_addr)
    return ProbeAnswer{mac_at(&p[8]), true};
  return std::nullopt;
}

std::optional<ProbeAnswer> read_nd(std::span<const uint8_t> packet, const in6_addr& vip,
                                   const Mac& own, const Mac& from) {
  if (packet.size() < kIpv6Header + kNdMessage || packet[0] >> 4 != 6 || packet[6] != kIcmpv6 ||
      packet[7] != kNdHopLimit)
    return std::nullopt;
  const size_t length = get16(&packet[4]);
  if (length < kNdMessage || kIpv6Header + length > packet.size()) return std::nullopt;
  const auto message = packet.subspan(kIpv6Header, length);
  in6_addr src, dst, target;
  std::memcpy(&src, &packet[8], 16);
  std::memcpy(&dst, &packet[24], 16);
  std::memcpy(&target, &message[8], 16);
  if (message[1] != 0 || std::memcmp(&target, &vip, 16) != 0) return std::nullopt;
  if (icmpv6_checksum(src, dst, message) != 0) return std::nullopt;
  if (message[0] == ND_NEIGHBOR_ADVERT) {
    const Mac mac = target_link_address(message).value_or(from);
    if (mac == own) return std::nullopt;
    return ProbeAnswer{mac, false};
  }
  const in6_addr any{};
  if (message[0] == ND_NEIGHBOR_SOLICIT && std::memcmp(&src, &any, 16) == 0 && from != own)
    return ProbeAnswer{from, true};
  return std::nullopt;
}

std::string mac_text(const Mac& mac) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return b;
}

}  // namespace twinbeat::net
