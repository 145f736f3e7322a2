// Prober: asks the link whether another host uses an address before this
// node adds it (RFC 5227 ARP probe for IPv4, RFC 4862 duplicate address
// detection for IPv6), many addresses side by side, without waiting.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <vector>

#include "announce_schedule.h"
#include "probe_packet.h"
#include "twinbeat/result.h"
#include "twinbeat/time.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::net {

// One address to probe for, on the link `ifindex` whose MAC is `mac`.
struct ProbeRequest {
  int family = AF_INET;
  in6_addr addr{};  // IPv4 in the first 4 bytes
  int ifindex = 0;
  Mac mac{};
};

// How a probe ended: nobody answered within its wait, or `answer` did.
struct ProbeOutcome {
  std::optional<ProbeAnswer> answer;
  Instant ended{};
};

// Passive, like the rest of the shell: it sends and reads only in start()
// and on_timer(). A probe sends a packet at once and another halfway
// through its wait (one lost frame is not enough to miss a host), and ends
// at the wait: what arrived meanwhile is its outcome. It ends sooner once a
// host has answered: what arrived is read 1, 2, 4, 8... ms after the start. Receiving needs an
// AF_PACKET socket per family (CAP_NET_RAW); it is opened when the first
// probe of that family starts and closed when the last one ends, so an
// idle daemon reads no ARP or IPv6 traffic at all.
class Prober {
 public:
  Prober() = default;
  Prober(Prober&&) noexcept = default;
  Prober& operator=(Prober&&) noexcept = default;

  // Starts probing for `r` for `wait`. A probe of that address that runs
  // already goes on (its own wait), and one that ended within the last
  // `wait` and was not taken yet stands for a new one. Fails if its socket cannot be opened
  // or the first packet cannot be sent; then nothing runs for it.
  Result<void> start(const ProbeRequest& r, Millis wait, Instant now);

  // True while a probe of the address runs.
  bool running(int family, const in6_addr& addr) const;

  // The soonest packet or end due, nothing when no probe runs.
  std::optional<Instant> next_deadline() const;
  // Sends the second packets that are due, reads what arrived, and ends the
  // probes whose wait is over: their outcomes wait in take().
  void on_timer(Instant now);

  // The outcome of the address's probe, if it ended at or after `since`;
  // taken once. Older outcomes are dropped.
  std::optional<ProbeOutcome> take(int family, const in6_addr& addr, Instant since);

  // Packets that could not be sent (the first of a probe fails start()).
  uint64_t send_errors() const { return send_errors_; }

 private:
  struct Running {
    ProbeRequest what;
    Instant second_at{};  // the second packet, or Instant::max() once sent
    Instant ends_at{};
    Instant next_read{};  // an early look for an answer
    Millis read_step{1};
    std::optional<ProbeAnswer> answer;
  };
  struct Ended {
    ProbeRequest what;
    ProbeOutcome outcome;
  };

  Result<void> open_socket(int family);
  Result<void> send(const ProbeRequest& r);
  void read(int family);
  UniqueFd& socket_of(int family) { return family == AF_INET ? arp_ : nd_; }

  std::vector<Running> running_;
  std::vector<Ended> ended_;
  UniqueFd arp_;  // AF_PACKET, ETH_P_ARP
  UniqueFd nd_;   // AF_PACKET, ETH_P_IPV6, filtered to ICMPv6 NS and NA
  uint64_t send_errors_ = 0;
};

}  // namespace twinbeat::net
