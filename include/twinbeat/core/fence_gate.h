// FenceGate: when a silent peer counts as dead for certain. A pure state
// machine between membership ("the peer is silent") and ownership ("the peer
// runs nothing: take its groups").
//
// - A peer that said goodbye after releasing everything needs nothing.
// - With fence devices: the peer is shot, and only a confirmed shot makes it
//   dead. The node that holds groups shoots at once; the other waits
//   fence_delay first, so when the link between two live nodes breaks, the
//   holder wins the race. A failed shot is retried with doubling backoff, a
//   bounded number of times; then the gate gives up and the node stays
//   passive. Heartbeats from the peer stop the shooting at any point.
// - Without fence devices: the peer's VIPs carry a lease (address lifetime)
//   that its daemon renews; the peer is dead for certain once its last
//   heartbeat is older than lease + margin, when its VIPs have expired. With
//   no lease either, it is dead at once (Heartbeat without STONITH).
// - wait_for_all: a peer never seen since this node started is neither shot
//   nor taken over from, unless the operator forces it.
// - The peer may ask to be fenced (a stop failed there): with devices, it is
//   shot at once.
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "twinbeat/time.h"

namespace twinbeat::core {

struct FenceConfig {
  bool devices = false;
  Millis fence_delay{5000};
  int max_attempts = 5;
  Millis first_backoff{1000};
  Millis max_backoff{16000};
  bool wait_for_all = true;
  std::optional<Millis> lease;  // the VIP lease, when on
  Millis lease_margin{1500};    // the kernel expires lifetimes with ~1 s granularity
};

enum class FenceState {
  idle,         // the peer is alive, or nothing to do
  waiting,      // fence_delay, backoff or the lease before acting
  shooting,     // a shot is in flight
  confirmed,    // the peer is dead for certain
  gave_up,      // every attempt failed: stay passive
  never_seen,   // wait_for_all: the peer was never seen
};
const char* to_string(FenceState s);

// Actions.
struct Shoot {
  int attempt;  // 1, 2, ...
};
struct Confirmed {
  enum class How { fenced, left, lease_expired, unfenced, forced } how;
};
struct GaveUp {
  int attempts;
};
struct Cancelled {};  // the peer is back: shooting stopped
using FenceAction = std::variant<Shoot, Confirmed, GaveUp, Cancelled>;
using FenceActions = std::vector<FenceAction>;

class FenceGate {
 public:
  explicit FenceGate(FenceConfig config);

  // The peer fell silent at `now`. `left`: it said goodbye after releasing
  // everything; `we_hold`: this node holds a group (wins the race);
  // `never_heard`: not one heartbeat since we started; `last_heard`: its
  // last heartbeat's arrival (unset if never heard).
  FenceActions on_peer_dead(Instant now, bool left, bool we_hold, bool never_heard,
                            std::optional<Instant> last_heard);
  // Heartbeats arrive (again): stop everything, back to idle.
  FenceActions on_peer_alive();
  // The peer advertises a group it failed to stop and asks to be shot.
  FenceActions on_peer_asks_fence();
  // A shot ended: `ok` if a device confirmed the peer is off.
  FenceActions on_shot(bool ok, Instant now);
  // The operator takes over from a silent peer anyway (`twinbeat takeover
  // --force`): never seen, given up, or waiting. Nothing while it is alive.
  FenceActions force();
  FenceActions on_tick(Instant now);
  std::optional<Instant> next_deadline() const;

  FenceState state() const { return state_; }
  int attempts() const { return attempts_; }
  bool devices() const { return config_.devices; }

 private:
  FenceActions shoot_at(Instant when, Instant now);
  FenceActions shoot_now();

  FenceConfig config_;
  FenceState state_ = FenceState::idle;
  Instant due_{};  // when `waiting` ends
  bool waiting_to_shoot_ = false;  // else waiting for the lease
  int attempts_ = 0;
};

}  // namespace twinbeat::core
