// libFuzzer target: frames received while probing for a VIP, from memory,
// through read_arp and read_nd (the first byte picks which). Traps if an
// answer names our own MAC, which both promise never to do.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "../../src/net/probe_packet.h"

using namespace twinbeat::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Mac own{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  const Mac from{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
  const std::span<const uint8_t> frame(data + 1, size - 1);
  if (data[0] & 1) {
    in_addr vip{};
    vip.s_addr = htonl(0x0a000064);  // 10.0.0.100
    const auto a = read_arp(frame, vip, own);
    if (a && a->mac == own) __builtin_trap();
  } else {
    in6_addr vip{};
    vip.s6_addr[0] = 0x20;
    vip.s6_addr[1] = 0x01;
    vip.s6_addr[15] = 0x10;
    const auto a = read_nd(frame, vip, own, data[0] & 2 ? own : from);
    if (a && a->mac == own) __builtin_trap();
    (void)icmpv6_checksum(vip, vip, frame);
  }
  return 0;
}
