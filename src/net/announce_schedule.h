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
  // `now`. A burst already running for that address starts over. The
  // address is then held: with config.refresh, one packet more falls due
  // every refresh, the first one refresh after `now`, until cancel().
  void start(const Announcement& a, Instant now);
  // Stops the burst and the refresh of that address, if any.
  void cancel(int family, const in6_addr& addr);

  // The soonest packet due (burst or refresh), nothing when none is.
  std::optional<Instant> next_deadline() const;
  // The burst packets due at `now`, each address once, in order of due time.
  // The next packet of each burst falls due one interval after `now`, so a
  // late timer never makes two packets go out back to back.
  std::vector<Announcement> take_due(Instant now);
  // The refresh packets due at `now`, in the order the addresses were
  // started; the next one of each falls due one refresh after `now`.
  std::vector<Announcement> take_refresh_due(Instant now);

  size_t bursts() const { return due_.size(); }
  size_t held() const { return held_.size(); }
  // Bursts started from now on follow `config`; those running keep theirs.
  // A changed refresh re-times every held address: its next refresh packet
  // falls due one (new) refresh after `now`.
  void set_config(AnnounceConfig config, Instant now);

 private:
  struct Burst {
    Announcement what;
    int left = 0;  // packets still to send, this one included
  };
  struct Held {
    Announcement what;
    Instant next_refresh{};
  };
  AnnounceConfig config_;
  std::multimap<Instant, Burst> due_;  // equal times keep their insertion order
  std::vector<Held> held_;             // few (one per VIP): scanned, not sorted
};

}  // namespace twinbeat::net
