// AnnounceSchedule: when each VIP's gratuitous ARP / NA packets are due.
// Pure (no socket, no clock): VipManager feeds it `now` and sends what it returns.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "twinbeat/net/vip.h"
#include "twinbeat/time.h"

namespace twinbeat::net {

using Mac = std::array<uint8_t, 6>;

// What one announcement packet says: `addr` is at `mac` on `ifindex`.
struct Announcement {
  int family = AF_INET;
  in6_addr addr{};  // IPv4 in the first 4 bytes
  int ifindex = 0;
  Mac mac{};
};

class AnnounceSchedule {
 public:
  explicit AnnounceSchedule(AnnounceConfig config) : config_(config) {}

  // Starts a burst of config.count packets for `a.addr`, the first due at
  // `now`. A burst already running for that address starts over.
  void start(const Announcement& a, Instant now);
  // Stops the burst of that address, if any.
  void cancel(int family, const in6_addr& addr);

  // The soonest packet due, nothing when no burst runs.
  std::optional<Instant> next_deadline() const;
  // The announcements due at `now`, each address once, in order of due time.
  // The next packet of each burst falls due one interval after `now`, so a
  // late timer never makes two packets go out back to back.
  std::vector<Announcement> take_due(Instant now);

  size_t bursts() const { return due_.size(); }
  // Bursts started from now on follow `config`; those running keep theirs.
  void set_config(AnnounceConfig config) { config_ = config; }

 private:
  struct Burst {
    Announcement what;
    int left = 0;  // packets still to send, this one included
  };
  AnnounceConfig config_;
  std::multimap<Instant, Burst> due_;  // equal times keep their insertion order
};

}  // namespace twinbeat::net
