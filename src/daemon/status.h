// What `twinbeat status` shows, gathered once per request, and its two
// renderings: text for people, JSON (`--json`) for scripts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twinbeat::daemon {

struct LinkStatus {
  std::string label;
  std::string kind;  // ucast, mcast, bcast
  std::string interface;
  std::string target;  // ucast peer address, mcast group:port, or "broadcast"
  std::string state;   // init, up, dead
  bool interface_present = true;
  std::optional<int64_t> last_heard_ms_ago;
  uint64_t packets_in = 0;
  uint64_t packets_out = 0;
  uint64_t late = 0;
  uint64_t bad = 0;
  uint64_t auth_failed = 0;
  uint64_t replayed = 0;
  uint64_t own = 0;  // our own packets looped back (bcast, mcast loop)
  uint64_t send_errors = 0;
  std::string drops_by_reason;  // "bad_mac=3 replayed=1", empty if none
};

// A VIP whose last probe before an add found its address in use, shown
// until a probe finds it free.
struct VipConflictStatus {
  std::string address;
  std::string mac;       // of the host that answered
  bool probing = false;  // it was only probing for the address too
  bool added = false;    // added all the same (the silent peer's copy, vip_lease off)
  int64_t ago_ms = 0;
};

struct ResourceStatus {
  std::string name;  // as written in haresources
  std::string kind;  // built-in, resource.d, init.d
  std::string last_op;  // start, stop, status; empty if none yet
  std::string result;   // "ok", "running", "exit 1", "in progress"...
  bool ok = true;
  int64_t duration_ms = 0;
  std::optional<int64_t> ago_ms;
  std::optional<VipConflictStatus> vip_conflict;
};

struct GroupStatus {
  std::string name;
  std::string preferred;
  std::string here;  // none, probing, starting, held, stopping, failed
  bool offered = false;
  std::string peer;  // the peer's state for it, or "unknown"
  std::vector<ResourceStatus> resources;
  // Monitoring: failures here since start or cleanup, those within the
  // restart window, blocked here (runs here no more until cleanup), and
  // blocked on the peer as it says.
  uint64_t failures = 0;
  uint64_t recent_failures = 0;
  bool blocked = false;
  bool peer_blocked = false;
};

// Ping nodes (uplink health): each address, each ping node as seen here
// and as the peer last said, and the comparison of the two scores.
struct PingTargetStatus {
  std::string address;
  std::string state;  // init, up, dead
  std::optional<int64_t> last_reply_ms_ago;
  std::optional<int64_t> rtt_ms;  // of the last reply
  uint64_t sent = 0;
  uint64_t replies = 0;
  uint64_t send_errors = 0;
  std::string send_error;  // the last failed send's error, "" once one succeeds
};

struct PingNodeStatus {
  std::string name;
  std::string type;  // ping (one address) or ping_group
  std::string here;  // init, up, dead
  std::string peer;  // init, up, dead as the peer said, or unknown
  std::vector<PingTargetStatus> targets;
};

struct UplinkStatus {
  std::optional<int64_t> score;       // ping nodes up here, once known
  std::optional<int64_t> peer_score;  // as the peer said, when it says
  std::string reach = "same";         // this node against the peer, held: same, fewer, more
  std::string pending;                // a comparison waiting to hold, "" if none
  std::optional<int64_t> pending_ms;  // for how long
  int64_t deadping_ms = 0;
  int64_t interval_ms = 0;
  std::string sockets;                // "IPv4 raw socket"...
  bool peer_differs = false;          // the peer's ping nodes are not ours
  std::vector<PingNodeStatus> nodes;
};

struct FenceDeviceStatus {
  std::string type;
  std::string target;
  std::string port;
  std::string health;  // "ok", "unchecked", or what is wrong
};

struct Status {
  std::string version;
  std::string node;
  std::string node_status;  // up, active
  uint64_t generation = 0;
  int64_t uptime_ms = 0;
  int64_t keepalive_ms = 0, warntime_ms = 0, deadtime_ms = 0, initdead_ms = 0;

  std::string peer;
  std::string peer_state;  // init, up, dead
  std::optional<int64_t> peer_last_heard_ms_ago;
  uint64_t peer_generation = 0;
  int64_t peer_judged_deadtime_ms = 0;
  uint64_t late_heartbeats = 0;

  std::vector<LinkStatus> links;
  UplinkStatus uplink;  // nodes empty: no ping nodes configured

  std::string mode;       // running, leaving, left
  std::string peer_mode;  // as the peer last said
  bool peer_current = true;  // false: the peer is silent, its states are history
  std::string peer_liveness;  // as the ownership machine sees it
  std::string haresources;  // "identical", "DIFFERENT", "unknown" (peer not heard)
  std::vector<GroupStatus> groups;

  std::string fencing;  // the gate: idle, waiting, shooting, confirmed, gave up...
  int fence_attempts = 0;
  std::string last_shot;  // "", or "ok in 280 ms via fence_xvm: ..."
  std::vector<FenceDeviceStatus> fence_devices;
  std::optional<int64_t> vip_lease_ms;
  uint64_t stray_packets = 0;  // arrived on no configured link
  uint64_t log_lines_dropped = 0;
};

std::string render_text(const Status& s);
std::string render_json(const Status& s);

}  // namespace twinbeat::daemon
