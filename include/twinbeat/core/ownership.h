// Ownership: which node runs which resource group. A pure state machine: it
// hears what the peer advertises, how the peer's liveness changes and how
// resource operations ended, and returns the operations to run next.
//
// The rule it never breaks: a group is started here only when the peer
// cannot be running it. That is when the peer advertises the group as `none`,
// or when the peer is gone for certain (it left after releasing everything,
// or it is dead and confirmed so: fenced once fencing exists). A peer that is
// unknown (not heard yet), dead but unconfirmed, or that says nothing about a
// group (its haresources differ) is assumed to hold it.
//
// Who takes a group nobody holds:
// - its preferred node (the first field of its haresources line), when that
//   node can run it;
// - the other node when the preferred one is gone, is leaving, offers the
//   group (its start failed there) or has stood by (later: hb_standby).
// auto_failback on: a group taken over because its preferred node was gone
// returns to it once that node is back and stable (it stops here first; the
// preferred node starts it when it sees `none`). off: it stays.
// A group found running at start-up is advertised as `found` and kept only if
// the peer, once heard, does not hold it (a daemon restarted after a crash
// finds its VIP still up while the peer took over: it stops its copy). When
// both found it at start-up, or both hold it after a partition, the
// preferred node keeps it.
//
// Groups start left to right and stop right to left, one operation at a time
// per group; groups proceed independently. A failed start stops the whole
// group (right to left), offers it to the peer and blocks it here. A failed
// stop (after one retry) leaves the group `failed`: it may still run here,
// so it is never offered and the peer must not start it until this node is
// fenced.
//
// Monitoring (on_monitor): a held resource whose check fails is restarted in
// place with every resource after it (they depend on it: haproxy binds the
// VIP), up to `restarts` times within `restart_window`; one failure more
// stops the group, offers it to the peer and blocks it here. A blocked group
// never starts here again until cleanup(), and the peer, told so in every
// heartbeat, takes it (and keeps it while it is blocked there; auto_failback
// returns it after the cleanup, as after a takeover from a dead node). When
// both nodes block a group it runs nowhere, and says so, rather than bounce.
//
// Uplink (set_reach, ping nodes): while this node reaches fewer ping nodes
// than a live, running peer (a comparison that has held for deadping), it
// hands the peer every group it holds (stop here, then offer, as standby
// does) unless the peer has given the group up itself, and offers instead of
// starting the groups it prefers. The peer takes what is offered; it does not
// fail a group back to a node that reaches fewer. When the reaches are the
// same again, auto_failback decides as after any takeover: on, the preferred
// node gets its group back; off, it stays. A node that reaches fewer still
// takes a group its peer offers for another reason, and still takes over
// from a dead peer: a group running with a weaker uplink beats one running
// nowhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "twinbeat/result.h"
#include "twinbeat/core/uplink.h"
#include "twinbeat/time.h"
#include "twinbeat/wire/packet.h"

namespace twinbeat::core {

// What a node says of a group, and of itself, in every heartbeat.
using wire::GroupState;
using wire::NodeMode;

struct GroupAd {
  GroupState state = GroupState::none;
  bool offered = false;  // its start failed there, or it stood by: the other node may take it
  bool found = false;    // held: found running at its start-up, not confirmed yet
  bool wanted = false;   // that node asks the other to hand it over (takeover)
  bool blocked = false;  // failed there too often: it will not run there until a cleanup
};

// Heartbeat's standby/takeover selections, seen from the node that asks.
enum class Selection {
  all,      // every group
  local,    // groups whose preferred node is this one
  foreign,  // groups whose preferred node is the peer (Heartbeat's failback too)
};

// How this node knows its peer.
enum class PeerLiveness {
  unknown,           // not heard yet, initdead not over
  alive,             // heartbeats arrive
  dead_unconfirmed,  // silent, but may still run what it held
  dead_confirmed,    // silent and certainly running nothing (fenced, or held nothing)
  left,              // said goodbye after releasing everything
};
const char* to_string(PeerLiveness l);

// The peer's latest advertisement. groups[i] is about our group i; nullopt
// when the peer's haresources has no such group.
struct PeerAd {
  NodeMode mode = NodeMode::running;
  Reach reach = Reach::same;  // fewer: the peer reaches fewer ping nodes than us, and yields
  std::vector<std::optional<GroupAd>> groups;
};

struct OwnershipConfig {
  struct Group {
    std::string name;
    bool preferred_here = false;
    size_t resources = 0;
  };
  std::vector<Group> groups;
  bool auto_failback = true;
  int restarts = 3;                 // in-place restarts allowed within restart_window
  Millis restart_window{300000};
};

// status probes at start-up; monitor is the same check on a held resource.
enum class Op { start, stop, status, monitor };
const char* to_string(Op op);

// Actions.
struct RunOp {  // run this operation; report it with on_op_done
  size_t group;
  size_t resource;
  Op op;
};
struct Announce {};  // what we advertise changed: send a heartbeat now
struct GroupChange {
  enum class Kind {
    adopted,       // found running at start-up, and kept
    acquiring,     // start begins
    acquired,      // every resource started
    releasing,     // stop begins
    released,      // every resource stopped
    start_failed,  // a start failed; what was started is being stopped
    stop_failed,   // a stop failed twice: the group may still run here
    conflict,      // both nodes hold it; the preferred node keeps it
    monitor_failed,  // a held resource failed its check
    recovering,    // restarting `resource` and those after it in place
    recovered,     // the restart succeeded
    offered,       // not started here: left to the peer (it reaches more ping nodes)
  } kind;
  size_t group;
  enum class Why {
    preferred,     // it is ours by haresources
    peer_dead,     // the peer is gone for certain
    peer_left,     // the peer is stopping or stopped gracefully
    peer_offered,  // the peer could not start it
    failback,      // back to its preferred node (auto_failback on)
    standby,       // an operator's standby here, or takeover on the peer
    removed,       // no longer in haresources
    peer_holds,    // the peer runs it
    shutdown,      // this node is stopping
    failed,        // it failed here more often than allowed (blocked here)
    recovery,      // a monitor failure: restarting in place
    uplink,        // the peer reaches more ping nodes than this node (set_reach)
    none,
  } why;
  size_t resource = 0;  // for start_failed / stop_failed
};
struct ShutdownComplete {};  // every group released: say goodbye and exit
// The peer held this group too and has let go (a healed partition): the
// network's ARP/neighbour caches may still point at the peer, so the
// group's addresses are announced again.
struct Reannounce {
  size_t group;
};
using Action = std::variant<RunOp, Announce, GroupChange, ShutdownComplete, Reannounce>;
using Actions = std::vector<Action>;

struct OpDone {
  size_t group;
  size_t resource;
  Op op;
  bool ok;               // start/stop: succeeded; status: the check ran
  bool running = false;  // status: the resource runs here
};

class Ownership {
 public:
  explicit Ownership(OwnershipConfig config);

  // Probes every resource (status), then decides. Call once.
  Actions start();
  Actions on_op_done(const OpDone& done);
  Actions on_peer_ad(const PeerAd& ad);
  Actions on_peer_liveness(PeerLiveness liveness);
  // Graceful stop: release every group, then ShutdownComplete.
  Actions shutdown();

  // Reload: releases `group` and never takes it again (it is leaving the
  // configuration). Harmless on a group that runs nowhere here.
  Actions retire(size_t group);
  // Reload: the new set of groups. carried[i] names the current group that
  // new group i continues (same name, node and resources), or nullopt for a
  // new one, which is probed. Every current group that is not carried must
  // be retired and released first, and no group may be busy. What the peer
  // said is forgotten (it was about the old groups) until it speaks again.
  Actions reconfigure(OwnershipConfig next, const std::vector<std::optional<size_t>>& carried);

  // A resource of `group` vanished while held here (its VIP's lease ran out
  // while this node was stalled; the peer may have taken it over since).
  // The group is treated as found: it yields to a peer that holds it, and
  // is completed again otherwise.
  Actions lost(size_t group);

  // Reload: auto_failback on or off from now on.
  void set_auto_failback(bool on) { config_.auto_failback = on; }

  // This node's ping node reach compared with the peer's, once held (see
  // Uplink). Groups move as the header says.
  Actions set_reach(Reach reach);
  Reach reach() const { return reach_; }
  // Reload: the restart limits from now on.
  void set_restart_limits(int restarts, Millis window) {
    config_.restarts = restarts;
    config_.restart_window = window;
  }

  // A monitor check of a held resource ended at `now`. A failure restarts it
  // in place or, beyond the limit, gives the group up (see above). Results
  // for a group that is not held and idle are stale and ignored.
  Actions on_monitor(const OpDone& done, Instant now);
  // True while the group's resources may be monitored: held, complete, idle.
  bool monitorable(size_t group) const;
  // Forgets the group's failures and unblocks it here (twinbeat cleanup).
  Actions cleanup(size_t group);
  struct Failures {
    uint64_t total = 0;   // since start or the last cleanup
    size_t recent = 0;    // within restart_window of `now`
    bool blocked = false;
    std::optional<size_t> last_resource;
  };
  Failures failures(size_t group, Instant now) const;

  // hb_standby: hands the selected groups this node holds to the peer (stop
  // here, then offer). Returns the groups that will move; fails when the
  // peer is not alive and running, or a selected group is moving already.
  Result<std::vector<size_t>> standby(Selection which, Actions& out);
  // hb_takeover: asks the peer to hand over the selected groups it holds
  // (they are marked wanted in our advertisement until they run here or
  // fail to start). Same failures as standby.
  Result<std::vector<size_t>> takeover(Selection which, Actions& out);

  // What we advertise.
  NodeMode mode() const { return mode_; }
  std::vector<GroupAd> advertised() const;
  GroupAd advertised(size_t group) const;

  PeerLiveness peer_liveness() const { return liveness_; }
  size_t group_count() const { return groups_.size(); }
  // True if any resource of the group may run here.
  bool holds(size_t group) const;
  bool busy(size_t group) const;
  const OwnershipConfig& config() const { return config_; }

 private:
  enum class Local { probing, none, starting, held, stopping, failed };
  struct Group {
    Local state = Local::probing;
    size_t next = 0;          // resource of the operation in flight
    size_t probed = 0;        // status replies received at start-up
    size_t probed_running = 0;
    bool partial = false;     // held, but not every resource runs
    bool offered = false;     // our start failed: the peer may take it
    bool needs_failback = false;
    bool tentative = false;   // adopted at start-up; yields if the peer holds it
    bool offer_after_stop = false;  // standing by: offer it once released
    bool wanted = false;      // takeover asked: the peer should hand it over
    bool contested = false;   // held here while the peer held it too
    bool retiring = false;    // leaving the configuration: release, never take
    bool stop_retried = false;
    bool start_failed = false;  // stopping because a start failed
    bool blocked = false;     // failed here too often: never started here until cleanup
    std::optional<size_t> recover_from;  // restarting in place from this resource
    std::vector<Instant> failures;       // monitor failures within the window
    uint64_t failures_total = 0;
    std::optional<size_t> last_failed;
    GroupChange::Why why = GroupChange::Why::none;
  };

  // What a group should do here now.
  struct Decision {
    // keep: start nothing, stop nothing; offer: start nothing, let the peer take it
    enum class Kind { hold, keep, release, offer } kind;
    GroupChange::Why why;
  };

  Actions evaluate();
  void evaluate_group(size_t g, Actions& out);
  void track_contest(size_t g, Actions& out);
  Decision decide(size_t g) const;
  bool peer_stable() const;
  bool selected(size_t g, Selection which) const;
  std::optional<Error> check_can_move() const;
  void begin_start(size_t g, GroupChange::Why why, Actions& out);
  void begin_stop(size_t g, GroupChange::Why why, Actions& out);
  void step_start(size_t g, const OpDone& d, Actions& out);
  void step_stop(size_t g, const OpDone& d, Actions& out);
  void probe_done(size_t g, const OpDone& d, Actions& out);
  void maybe_complete_shutdown(Actions& out);

  OwnershipConfig config_;
  std::vector<Group> groups_;
  NodeMode mode_ = NodeMode::running;
  PeerLiveness liveness_ = PeerLiveness::unknown;
  PeerAd peer_;
  bool started_ = false;
  Reach reach_ = Reach::same;
};

}  // namespace twinbeat::core
