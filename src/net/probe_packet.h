// Probing for an address before adding it: the bytes of an RFC 5227 ARP
// probe and of an RFC 4862 duplicate address detection solicitation, and
// the reading of what other hosts send back. Pure: no socket.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "announce_schedule.h"

namespace twinbeat::net {

// The ARP payload of a probe (the kernel adds the Ethernet header): a
// request with sender MAC `mac`, sender IP 0.0.0.0 so that no host's cache
// learns anything from it, target MAC zero, target IP `vip` (RFC 5227 2.1.1).
std::array<uint8_t, 28> arp_probe(in_addr vip, const Mac& mac);

// The IPv6 packet of a DAD probe (RFC 4862 5.4.2), from its IPv6 header on:
// from :: to the solicited-node multicast address of `vip`, hop limit 255,
// a neighbour solicitation for `vip` with no option (a solicitation from ::
// carries none, RFC 4861 7.1.1), checksum filled in.
std::array<uint8_t, 64> dad_solicitation(const in6_addr& vip);

// ff02::1:ffXX:XXXX, the solicited-node multicast address of `addr`
// (RFC 4291 2.7.1), and its Ethernet group address 33:33:ff:XX:XX:XX.
in6_addr solicited_node(const in6_addr& addr);
Mac solicited_node_mac(const in6_addr& addr);

// What a frame says about a probed address: another host uses it (it
// answers, or announces it), or another host probes for it too.
struct ProbeAnswer {
  Mac mac{};             // the other host's hardware address
  bool probing = false;  // it probes for the address itself (does not hold it yet)
};

// Reads an ARP payload received while probing `vip`. An answer when its
// sender IP is `vip` (a reply, request or announcement from a host that
// uses the address), or when it is another host's probe for `vip` (sender
// IP 0, target IP `vip`), as RFC 5227 2.1.1 counts conflicts. Nothing for
// any other packet, one whose sender MAC is `own`, or a malformed one.
std::optional<ProbeAnswer> read_arp(std::span<const uint8_t> payload, in_addr vip, const Mac& own);

// Reads an IPv6 packet (from its header on) received while probing `vip`:
// an answer for a neighbour advertisement whose target is `vip` (the host is
// the one its target link-layer address option names, else `from`, the
// frame's source), or for another host's DAD solicitation for `vip` (from
// ::), as RFC 4862 5.4.3 and 5.4.4 count them. Only ICMPv6 straight after
// the fixed header, with hop limit 255 and a correct checksum, counts
// (RFC 4861 7.1.1, 7.1.2); anything else, or from `own`, gives nothing.
std::optional<ProbeAnswer> read_nd(std::span<const uint8_t> packet, const in6_addr& vip,
                                   const Mac& own, const Mac& from);

// The ICMPv6 checksum of `message` sent from `src` to `dst` (RFC 4443 2.3):
// what goes into its checksum field when that field holds 0, and 0 when the
// message already carries a correct one.
uint16_t icmpv6_checksum(const in6_addr& src, const in6_addr& dst,
                         std::span<const uint8_t> message);

// "02:00:0a:63:00:01".
std::string mac_text(const Mac& mac);

}  // namespace twinbeat::net
