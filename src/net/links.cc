// LinkSet: heartbeat sockets, per-packet interface choice, link attribution.
#include "twinbeat/net/links.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace twinbeat::net {

namespace {

std::string addr_text(in_addr a, uint16_t port) {
  char buf[INET_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(port);
}

Result<UniqueFd> udp_socket() {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("socket");
  return fd;
}

Result<void> set_int(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) < 0) return errno_error(what);
  return {};
}

Result<void> bind_to(int fd, in_addr addr, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr = addr;
  sa.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0)
    return errno_error("bind " + addr_text(addr, port));
  return {};
}

}  // namespace

std::vector<LinkEndpoint> resolve_links(const std::vector<config::LinkSpec>& specs,
                                        const std::vector<in_addr>& own_addresses,
                                        std::vector<std::string>* skipped) {
  std::vector<config::LinkSpec> kept;
  for (const auto& s : specs) {
    in_addr peer{};
    if (s.kind == config::LinkKind::ucast && inet_pton(AF_INET, s.peer.c_str(), &peer) == 1) {
      bool own = false;
      for (const auto& a : own_addresses) own = own || a.s_addr == peer.s_addr;
      if (own) {
        if (skipped)
          skipped->push_back(s.where.file + ":" + std::to_string(s.where.line) + ": ucast " +
                             s.interface + " " + s.peer + " names this host; not used here");
        continue;
      }
    }
    kept.push_back(s);
  }
  const std::vector<std::string> labels = config::link_labels(kept);
  std::vector<LinkEndpoint> out;
  for (size_t i = 0; i < kept.size(); ++i) {
    const auto& s = kept[i];
    LinkEndpoint ep;
    ep.kind = s.kind;
    ep.interface = s.interface;
    ep.label = labels[i];
    ep.port = s.port;
    ep.ttl = s.ttl;
    ep.loop = s.loop;
    ep.where = s.where;
    if (s.kind == config::LinkKind::ucast) inet_pton(AF_INET, s.peer.c_str(), &ep.peer);
    if (s.kind == config::LinkKind::mcast) inet_pton(AF_INET, s.group.c_str(), &ep.group);
    out.push_back(ep);
  }
  return out;
}

std::string target_text(const LinkEndpoint& ep) {
  switch (ep.kind) {
    case config::LinkKind::ucast: return addr_text(ep.peer, ep.port);
    case config::LinkKind::mcast: return addr_text(ep.group, ep.port);
    case config::LinkKind::bcast: return "broadcast:" + std::to_string(ep.port);
  }
  return "?";
}

Result<std::vector<in_addr>> local_ipv4_addresses() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) < 0) return errno_error("getifaddrs");
  std::vector<in_addr> out;
  for (ifaddrs* i = list; i; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
      out.push_back(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr);
  ::freeifaddrs(list);
  return out;
}

Result<LinkSet> LinkSet::open(std::vector<LinkEndpoint> links, const IfindexOf& ifindex_of) {
  LinkSet set;
  for (auto& ep : links) {
    Link l;
    l.ep = std::move(ep);
    l.ifindex = ifindex_of(l.ep.interface);
    set.links_.push_back(std::move(l));
  }
  for (auto& l : set.links_) {
    if (l.ep.kind == config::LinkKind::mcast) {
      if (auto r = set.open_mcast_socket(l); !r) return r.error();
      continue;
    }
    size_t s = 0;
    while (s < set.socket_ports_.size() && set.socket_ports_[s] != l.ep.port) ++s;
    if (s == set.socket_ports_.size())
      if (auto r = set.open_port_socket(l.ep.port); !r) return r.error();
    l.fd = set.sockets_[s].get();
  }
  return set;
}

Result<void> LinkSet::open_port_socket(uint16_t port) {
  auto fd = udp_socket();
  if (!fd) return fd.error();
  const int s = fd->get();
  const std::string where = " on port " + std::to_string(port);
  if (auto r = set_int(s, SOL_SOCKET, SO_REUSEADDR, 1, ("SO_REUSEADDR" + where).c_str()); !r)
    return r;
  if (auto r = set_int(s, SOL_SOCKET, SO_BROADCAST, 1, "SO_BROADCAST"); !r) return r;
  if (auto r = set_int(s, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO"); !r) return r;
  // Only groups this socket joined (none): mcast links have their own sockets.
  if (auto r = set_int(s, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL"); !r) return r;
  if (auto r = set_int(s, IPPROTO_IP, IP_TOS, IPTOS_LOWDELAY, "IP_TOS"); !r) return r;
  if (auto r = bind_to(s, in_addr{htonl(INADDR_ANY)}, port); !r) return r;
  sockets_.push_back(std::move(*fd));
  socket_ports_.push_back(port);
  return {};
}

Result<void> LinkSet::open_mcast_socket(Link& l) {
  auto fd = udp_socket();
  if (!fd) return fd.error();
  const int s = fd->get();
  if (auto r = set_int(s, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR"); !r) return r;
  if (auto r = set_int(s, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO"); !r) return r;
  if (auto r = set_int(s, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL"); !r) return r;
  if (auto r = set_int(s, IPPROTO_IP, IP_MULTICAST_TTL, l.ep.ttl, "IP_MULTICAST_TTL"); !r)
    return r;
  if (auto r = set_int(s, IPPROTO_IP, IP_MULTICAST_LOOP, l.ep.loop ? 1 : 0, "IP_MULTICAST_LOOP");
      !r)
    return r;
  if (auto r = set_int(s, IPPROTO_IP, IP_TOS, IPTOS_LOWDELAY, "IP_TOS"); !r) return r;
  if (auto r = bind_to(s, l.ep.group, l.ep.port); !r) return r;
  l.fd = s;
  sockets_.push_back(std::move(*fd));
  socket_ports_.push_back(0);
  join(l);
  return {};
}

// Joins the link's group on its interface and sends there. Failures are not
// fatal: the interface may be gone, and interface_changed() calls this again.
void LinkSet::join(Link& l) {
  if (l.ifindex == 0) return;
  ip_mreqn m{};
  m.imr_multiaddr = l.ep.group;
  m.imr_ifindex = static_cast<int>(l.ifindex);
  if (::setsockopt(l.fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) < 0 && errno != EADDRINUSE)
    l.counters.last_send_errno = errno;
  ::setsockopt(l.fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m);
}

void LinkSet::interface_changed(const std::string& name, unsigned ifindex) {
  for (auto& l : links_) {
    if (l.ep.interface != name || l.ifindex == ifindex) continue;
    l.ifindex = ifindex;
    if (l.ep.kind == config::LinkKind::mcast) join(l);
  }
}

std::vector<int> LinkSet::fds() const {
  std::vector<int> out;
  for (const auto& s : sockets_) out.push_back(s.get());
  return out;
}

// The link a datagram came in on: same socket, same interface, and for the
// shared port socket, the right kind (a broadcast copy is not a second copy
// of the unicast one: that would look like a replay). -1 if none.
int LinkSet::find_link(int fd, unsigned ifindex, in_addr dst) const {
  const bool broadcast = dst.s_addr == htonl(INADDR_BROADCAST);
  for (size_t i = 0; i < links_.size(); ++i) {
    const Link& l = links_[i];
    if (l.fd != fd || l.ifindex != ifindex) continue;
    if (l.ep.kind == config::LinkKind::mcast) return static_cast<int>(i);
    if ((l.ep.kind == config::LinkKind::bcast) == broadcast) return static_cast<int>(i);
  }
  return -1;
}

size_t LinkSet::drain(int fd, const Sink& sink) {
  size_t n = 0;
  // Bounded: a flood cannot keep us here; the loop comes back for the rest.
  for (int budget = 0; budget < 256; ++budget) {
    alignas(8) uint8_t buf[2048];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (got < 0) break;  // EAGAIN: drained; other errors: retried next time
    ++n;
    unsigned ifindex = 0;
    in_addr dst{};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO) continue;
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      ifindex = static_cast<unsigned>(info.ipi_ifindex);
      dst = info.ipi_addr;
    }
    const int link = find_link(fd, ifindex, dst);
    if (link < 0 || (msg.msg_flags & MSG_TRUNC)) {
      ++stray_;
      continue;
    }
    sink(static_cast<size_t>(link), std::span<const uint8_t>(buf, static_cast<size_t>(got)));
  }
  return n;
}

size_t LinkSet::drain_all(const Sink& sink) {
  size_t n = 0;
  for (const auto& s : sockets_) n += drain(s.get(), sink);
  return n;
}

void LinkSet::send_one(Link& l, std::span<const uint8_t> packet) {
  if (l.ifindex == 0) {
    ++l.counters.no_interface;
    return;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(l.ep.port);
  switch (l.ep.kind) {
    case config::LinkKind::ucast: to.sin_addr = l.ep.peer; break;
    case config::LinkKind::bcast: to.sin_addr.s_addr = htonl(INADDR_BROADCAST); break;
    case config::LinkKind::mcast: to.sin_addr = l.ep.group; break;
  }
  iovec iov{const_cast<uint8_t*>(packet.data()), packet.size()};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  if (l.ep.kind != config::LinkKind::mcast) {  // mcast: IP_MULTICAST_IF picks it
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_ifindex = static_cast<int>(l.ifindex);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  if (::sendmsg(l.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
    ++l.counters.send_errors;
    l.counters.last_send_errno = errno;
    return;
  }
  ++l.counters.packets_out;
}

void LinkSet::send(std::span<const uint8_t> packet) {
  for (auto& l : links_) send_one(l, packet);
}

}  // namespace twinbeat::net
