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

struct ResourceStatus {
  std::string name;  // as written in haresources
  std::string kind;  // built-in, resource.d, init.d
  std::string last_op;  // start, stop, status; empty if none yet
  std::string result;   // "ok", "running", "exit 1", "in progress"...
  bool ok = true;
  int64_t duration_ms = 0;
  std::optional<int64_t> ago_ms;
};

struct GroupStatus {
  std::string name;
  std::string preferred;
  std::string here;  // none, probing, starting, held, stopping, failed
  bool offered = false;
  std::string peer;  // the peer's state for it, or "unknown"
  std::vector<ResourceStatus> resources;
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
