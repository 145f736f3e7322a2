// Uplink: Heartbeat's ping nodes, judged inside the daemon (what ipfail did
// outside it). A pure machine: it hears which echo replies came back and what
// the peer reaches, and says which ping nodes are up, how many this node
// reaches (its score), and, once the comparison has held long enough, whether
// this node reaches fewer, as many, or more than its peer.
//
// - A target (one address) is up while its last reply is younger than
//   deadping; dead once it has been silent for deadping (from start-up if it
//   never answered); init before either.
// - A ping node is up while any of its targets is up (a `ping` address is a
//   node of one target; a `ping_group` is up while any member answers), init
//   while none is up and one is still init, else dead.
// - The score is the number of ping nodes up, known once no node is init.
// - The reach compares this node's score with the peer's. It changes only
//   after the new comparison has held for `hold` without interruption, so
//   both nodes losing the same ping node a moment apart, or a ping node that
//   flickers, moves nothing. An unknown score on either side compares as
//   `same`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "twinbeat/time.h"
#include "twinbeat/wire/packet.h"

namespace twinbeat::core {

// A ping node's state, and this node's reach compared with its peer's, as
// heartbeats carry them.
using wire::PingState;
using wire::Reach;

struct UplinkConfig {
  struct Node {
    std::string name;
    std::vector<size_t> targets;  // indexes into the shared target list
  };
  std::vector<Node> nodes;
  size_t targets = 0;  // targets are shared: one address in two nodes is pinged once
  Millis deadping{30000};
  Millis hold{30000};
};

// Events.
struct PingNodeChanged {
  size_t node;
  PingState from, to;
};
struct ReachChanged {
  Reach from, to;
  std::optional<uint32_t> score, peer_score;  // when it changed
};
using UplinkEvent = std::variant<PingNodeChanged, ReachChanged>;
using UplinkEvents = std::vector<UplinkEvent>;

class Uplink {
 public:
  Uplink(UplinkConfig config, Instant now);

  // An echo reply from `target` to a request sent at `sent`. A reply older
  // than deadping (sent before now - deadping) says nothing and is ignored.
  UplinkEvents on_reply(size_t target, Instant sent, Instant now);
  // The peer's score as it last advertised it; nullopt when it advertises
  // none (no ping nodes there, an older version, or the peer is silent).
  UplinkEvents on_peer_score(std::optional<uint32_t> score, Instant now);
  // Time passed: targets may die, a pending reach may settle.
  UplinkEvents on_tick(Instant now);
  // When on_tick has something to do next; nullopt if nothing is pending.
  std::optional<Instant> next_deadline() const;

  // Reload: new nodes and timers. carried[i] names the current target that
  // new target i continues (same address), whose replies are kept. The peer's
  // score and the reach are kept; node states are judged anew.
  UplinkEvents reconfigure(UplinkConfig config, const std::vector<std::optional<size_t>>& carried,
                           Instant now);

  const UplinkConfig& config() const { return config_; }
  PingState target_state(size_t target) const { return targets_[target].state; }
  std::optional<Instant> last_reply(size_t target) const { return targets_[target].last_reply; }
  std::optional<Millis> rtt(size_t target) const { return targets_[target].rtt; }
  uint64_t replies(size_t target) const { return targets_[target].replies; }
  PingState node_state(size_t node) const { return nodes_[node]; }
  // The number of ping nodes up; nullopt while one is init, or with none.
  std::optional<uint32_t> score() const;
  std::optional<uint32_t> peer_score() const { return peer_score_; }
  Reach reach() const { return reach_; }
  // The comparison waiting to hold, and since when; nullopt if none.
  std::optional<Reach> pending() const { return pending_; }
  std::optional<Instant> pending_since() const {
    return pending_ ? std::optional<Instant>(pending_since_) : std::nullopt;
  }

 private:
  struct Target {
    PingState state = PingState::init;
    std::optional<Instant> last_reply;
    std::optional<Millis> rtt;
    uint64_t replies = 0;
  };

  void judge(Instant now, UplinkEvents& out);
  PingState judge_target(const Target& t, Instant now) const;
  Reach compare() const;
  void settle(Instant now, UplinkEvents& out);

  UplinkConfig config_;
  Instant started_;
  std::vector<Target> targets_;
  std::vector<PingState> nodes_;
  std::optional<uint32_t> peer_score_;
  Reach reach_ = Reach::same;
  std::optional<Reach> pending_;
  Instant pending_since_{};
};

}  // namespace twinbeat::core
