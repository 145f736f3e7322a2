// PingNodes: the ping, ping6 and ping_group directives at work. It owns the
// ICMP sockets and two timers on the daemon's loop, feeds echo replies and
// the peer's reports to the Uplink machine, logs each ping node's changes in
// Heartbeat's words, and says what goes into our heartbeat.
//
// Echo requests go to every address every ping interval: a quarter of
// deadping, at least keepalive, at most 1 s. Nothing here blocks or waits.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loop.h"
#include "status.h"
#include "twinbeat/config/ha_cf.h"
#include "twinbeat/core/uplink.h"
#include "twinbeat/net/ping.h"
#include "twinbeat/time.h"
#include "twinbeat/wire/packet.h"

namespace twinbeat::daemon {

class PingNodes {
 public:
  // Called when the held reach changes (after it is logged).
  using OnReach = std::function<void(core::Reach reach)>;
  // Called when what we advertise changed: send a heartbeat now.
  using OnAnnounce = std::function<void()>;

  // Opens the sockets `cf`'s ping nodes need and arms the timers. With no
  // ping nodes it opens nothing and stays idle. Fails if a socket cannot be
  // opened (the message names the call).
  static Result<std::unique_ptr<PingNodes>> open(const config::HaCf& cf, std::string peer,
                                                 Loop& loop, const Clock& clock, OnReach on_reach,
                                                 OnAnnounce on_announce);
  ~PingNodes();
  PingNodes(const PingNodes&) = delete;
  PingNodes& operator=(const PingNodes&) = delete;

  // Reload: continues what `old` knew of each address still configured
  // (replies, the peer's report) and its reach, so a reload moves nothing.
  void carry_from(const PingNodes& old);

  // True when `cf` configures ping nodes, deadping or keepalive differently.
  bool differs_from(const config::HaCf& cf) const;

  bool empty() const { return nodes_.empty(); }
  core::Reach reach() const { return uplink_.reach(); }
  std::optional<uint32_t> score() const { return uplink_.score(); }

  // Adds our uplink report to an outgoing heartbeat (nothing without ping nodes).
  void fill(wire::Message& msg) const;
  // The peer's newest heartbeat: its report, or none (an unknown score).
  void on_peer(const wire::Message& msg);
  // The peer is silent: its score is unknown from now on.
  void on_peer_silent();

  // "alpha reaches 0 of 1 ping node(s), beta 1" for logs.
  std::string summary(const std::string& self) const;
  UplinkStatus status(Instant now) const;

 private:
  PingNodes(const config::HaCf& cf, std::string peer, Loop& loop, const Clock& clock,
            OnReach on_reach, OnAnnounce on_announce);
  Result<void> start(const std::vector<std::string>& addresses);
  void send_all();
  void on_reply(size_t target, Instant sent);
  void handle(const core::UplinkEvents& events);
  void arm_judge();
  std::optional<size_t> peer_index(size_t node) const;

  struct Node {
    std::string name;
    bool group = false;
    uint64_t id = 0;
  };

  Loop& loop_;
  const Clock& clock_;
  std::string peer_;
  OnReach on_reach_;
  OnAnnounce on_announce_;
  std::vector<Node> nodes_;
  std::vector<std::string> addresses_;  // target i's address
  Millis deadping_{0};
  Millis keepalive_{0};
  Millis interval_{0};
  core::Uplink uplink_;
  std::optional<net::Pinger> pinger_;
  std::optional<Timer> send_timer_;
  std::optional<Timer> judge_timer_;
  std::vector<int> fds_;  // registered with the loop
  // The peer's newest report.
  bool peer_reported_ = false;
  wire::UplinkReport peer_report_;
  bool peer_differs_ = false;  // its ping nodes are not ours
};

}  // namespace twinbeat::daemon
