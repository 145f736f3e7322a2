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
  uint64_t stray_packets = 0;  // arrived on no configured link
  uint64_t log_lines_dropped = 0;
};

std::string render_text(const Status& s);
std::string render_json(const Status& s);

}  // namespace twinbeat::daemon
