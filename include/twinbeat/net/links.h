// LinkSet: the UDP sockets that carry heartbeats over every configured medium.
//
// - ucast and bcast links of one port share one socket bound to the wildcard
//   address; each datagram is attributed to a link by the interface it came
//   in on (IP_PKTINFO), and, when a ucast and a bcast link share that
//   interface, by its destination (255.255.255.255 is bcast). Sends pick the
//   interface per packet (IP_PKTINFO), never SO_BINDTODEVICE: a bound socket
//   keeps the interface's old index and goes deaf when the interface is
//   re-created (Heartbeat's networking-restart split brain).
// - each mcast link has its own socket bound to GROUP:PORT and joined on its
//   interface; it joins again when the interface comes back.
// - a link whose interface is gone skips its sends (counted) and resumes
//   when interface_changed() reports the interface again.
//
// Passive: it reads and writes only when told; every socket is non-blocking.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "twinbeat/config/ha_cf.h"
#include "twinbeat/result.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::net {

// One medium as this host uses it.
struct LinkEndpoint {
  config::LinkKind kind = config::LinkKind::ucast;
  std::string interface;
  std::string label;  // for logs and status: "eth1", "eth1/mcast"
  in_addr peer{};     // ucast
  in_addr group{};    // mcast
  uint16_t port = 0;
  int ttl = 1;
  bool loop = false;
  SourceLoc where;
};

// Turns ha.cf media into this host's endpoints. A ucast line naming one of
// `own_addresses` is left out (so both nodes can share one ha.cf), and noted
// in `skipped`. Labels come from config::link_labels over what remains.
std::vector<LinkEndpoint> resolve_links(const std::vector<config::LinkSpec>& specs,
                                        const std::vector<in_addr>& own_addresses,
                                        std::vector<std::string>* skipped);

// Where a link sends: "10.0.0.2:694", "239.192.0.42:694", "broadcast:694".
std::string target_text(const LinkEndpoint& ep);

// The IPv4 addresses configured on this host (getifaddrs).
Result<std::vector<in_addr>> local_ipv4_addresses();

struct LinkCounters {
  uint64_t packets_out = 0;
  uint64_t send_errors = 0;   // sendmsg failed (buffer full, unreachable...)
  uint64_t no_interface = 0;  // sends skipped: the interface is gone
  int last_send_errno = 0;
};

class LinkSet {
 public:
  // Called with the link index and the datagram's bytes.
  using Sink = std::function<void(size_t link, std::span<const uint8_t> datagram)>;
  // Current ifindex of an interface name, 0 if it does not exist.
  using IfindexOf = std::function<unsigned(const std::string& name)>;

  // Opens and binds every socket. Fails with the socket call and address in
  // the message (e.g. "bind 0.0.0.0:694: Address already in use").
  static Result<LinkSet> open(std::vector<LinkEndpoint> links, const IfindexOf& ifindex_of);

  LinkSet(LinkSet&&) noexcept = default;
  LinkSet& operator=(LinkSet&&) noexcept = default;

  // Every fd to watch for input.
  std::vector<int> fds() const;

  // Reads every datagram waiting on `fd` and hands each one that belongs to
  // a link to `sink`. Returns how many were read. Datagrams that match no
  // link are counted in stray().
  size_t drain(int fd, const Sink& sink);
  // drain() on every fd.
  size_t drain_all(const Sink& sink);

  // Sends one packet on every link.
  void send(std::span<const uint8_t> packet);

  // An interface appeared (ifindex > 0), changed index, or vanished (0).
  // Multicast links on it join their group again.
  void interface_changed(const std::string& name, unsigned ifindex);

  size_t size() const { return links_.size(); }
  const LinkEndpoint& endpoint(size_t link) const { return links_.at(link).ep; }
  const LinkCounters& counters(size_t link) const { return links_.at(link).counters; }
  unsigned ifindex(size_t link) const { return links_.at(link).ifindex; }
  uint64_t stray() const { return stray_; }

 private:
  struct Link {
    LinkEndpoint ep;
    unsigned ifindex = 0;
    int fd = -1;  // the socket it sends and receives on (owned by sockets_)
    LinkCounters counters;
  };
  LinkSet() = default;

  Result<void> open_port_socket(uint16_t port);
  Result<void> open_mcast_socket(Link& link);
  void join(Link& link);
  int find_link(int fd, unsigned ifindex, in_addr dst) const;
  void send_one(Link& link, std::span<const uint8_t> packet);

  std::vector<Link> links_;
  std::vector<UniqueFd> sockets_;
  std::vector<uint16_t> socket_ports_;  // port of each port socket, 0 for mcast ones
  uint64_t stray_ = 0;
};

}  // namespace twinbeat::net
