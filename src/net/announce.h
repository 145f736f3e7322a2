// Announcements that a VIP moved here: the bytes of an RFC 5227 ARP
// announcement and of an RFC 4861 unsolicited neighbour advertisement, and
// the two raw sockets that send them.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>

#include "announce_schedule.h"
#include "twinbeat/result.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::net {

// The ARP payload (the kernel adds the Ethernet header): a request with
// sender IP = target IP = `vip`, sender MAC = `mac`, target MAC zero.
std::array<uint8_t, 28> arp_announcement(in_addr vip, const Mac& mac);

// The ICMPv6 message: a neighbour advertisement for `vip` with the Override
// flag (not Solicited, not Router) and a target link-layer address option
// holding `mac`. The checksum stays 0: the kernel computes it.
std::array<uint8_t, 32> unsolicited_na(const in6_addr& vip, const Mac& mac);

// Owns the two send-only sockets: AF_PACKET for ARP (bound to no protocol,
// so it receives nothing) and raw ICMPv6 for NA (hop limit 255, every
// incoming type filtered out). Both need CAP_NET_RAW, only when opened.
class Announcer {
 public:
  // Fails if a socket cannot be opened, except the ICMPv6 one on a kernel
  // without IPv6, whose sends then fail.
  static Result<Announcer> open();

  // Sends one packet for `a` out of a.ifindex. Never blocks: a full queue is
  // an error ("Resource temporarily unavailable").
  Result<void> send(const Announcement& a);

 private:
  Result<void> send_arp(const Announcement& a);
  Result<void> send_na(const Announcement& a);

  UniqueFd arp_;
  UniqueFd na_;
};

}  // namespace twinbeat::net
