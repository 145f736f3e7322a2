// Gratuitous ARP and unsolicited neighbour advertisement: packet bytes and
// the raw sockets that send them.
#include "announce.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "vip_route.h"

namespace twinbeat::net {

namespace {

constexpr uint8_t kNdOptTargetLinkAddr = 2;  // RFC 4861 4.6.1

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

std::string where(const Announcement& a) {
  return address_text(a.family, a.addr) + " on ifindex " + std::to_string(a.ifindex);
}

Result<void> set_int(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) < 0) return errno_error(what);
  return {};
}

Result<UniqueFd> open_na_socket() {
  UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (!fd) return errno_error("socket ICMPv6 for neighbour advertisements");
  // RFC 4861 7.1.2: receivers drop NAs whose hop limit is not 255.
  if (auto r = set_int(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS"); !r)
    return r.error();
  if (auto r = set_int(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP"); !r)
    return r.error();
  icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  if (::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) < 0)
    return errno_error("ICMP6_FILTER");
  return fd;
}

}  // namespace

std::array<uint8_t, 28> arp_announcement(in_addr vip, const Mac& mac) {
  std::array<uint8_t, 28> p{};
  put16(&p[0], ARPHRD_ETHER);
  put16(&p[2], ETHERTYPE_IP);
  p[4] = 6;  // hardware address length
  p[5] = 4;  // protocol address length
  put16(&p[6], ARPOP_REQUEST);
  std::memcpy(&p[8], mac.data(), 6);
  std::memcpy(&p[14], &vip, 4);
  // p[18..23]: target MAC, zero (RFC 5227 2.3: ignored, zero recommended).
  std::memcpy(&p[24], &vip, 4);
  return p;
}

std::array<uint8_t, 32> unsolicited_na(const in6_addr& vip, const Mac& mac) {
  std::array<uint8_t, 32> p{};
  p[0] = ND_NEIGHBOR_ADVERT;
  // p[1] code 0, p[2..3] checksum (the kernel's).
  p[4] = 0x20;  // flags R=0 S=0 O=1 (RFC 4861 4.4): override the cached address
  std::memcpy(&p[8], &vip, 16);
  p[24] = kNdOptTargetLinkAddr;
  p[25] = 1;  // option length in units of 8 bytes
  std::memcpy(&p[26], mac.data(), 6);
  return p;
}

Result<Announcer> Announcer::open() {
  Announcer a;
  // Protocol 0: the socket is never hooked to receive; each send names ETH_P_ARP.
  a.arp_.reset(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!a.arp_) return errno_error("socket AF_PACKET for gratuitous ARP");
  auto na = open_na_socket();
  if (na) {
    a.na_ = std::move(*na);
  } else if (na.error().code != EAFNOSUPPORT) {
    return na.error();
  }
  return a;
}

Result<void> Announcer::send(const Announcement& a) {
  return a.family == AF_INET ? send_arp(a) : send_na(a);
}

Result<void> Announcer::send_arp(const Announcement& a) {
  in_addr vip;
  std::memcpy(&vip, &a.addr, sizeof vip);
  const auto packet = arp_announcement(vip, a.mac);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = a.ifindex;
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  if (::sendto(arp_.get(), packet.data(), packet.size(), MSG_DONTWAIT,
               reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
    return errno_error("send gratuitous ARP for " + where(a));
  return {};
}

Result<void> Announcer::send_na(const Announcement& a) {
  if (!na_) return errno_error("send neighbour advertisement for " + where(a), EAFNOSUPPORT);
  auto packet = unsolicited_na(a.addr, a.mac);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);  // all nodes, link scope
  to.sin6_scope_id = static_cast<uint32_t>(a.ifindex);
  iovec iov{packet.data(), packet.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  // Sent from the VIP itself, as resource-agents' send_ua does: usable at once (no DAD).
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
  in6_pktinfo info{};
  info.ipi6_addr = a.addr;
  info.ipi6_ifindex = static_cast<unsigned>(a.ifindex);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  if (::sendmsg(na_.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    return errno_error("send neighbour advertisement for " + where(a));
  return {};
}

}  // namespace twinbeat::net
