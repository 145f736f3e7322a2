// Prometheus text exposition of the daemon's state ('twinbeat metrics', and
// the metrics_file ha.cf directive for node_exporter's textfile collector).
// Labels name things (link, group, resource, device), never states: a state
// in a label makes series appear and vanish. Every metric is documented in
// the README.
#include <cinttypes>
#include <cstdio>

#include "daemon.h"

namespace twinbeat::daemon {

namespace {

// Prometheus label values escape backslash, quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const char* name, const std::string& labels, double value) {
    char v[64];
    std::snprintf(v, sizeof v, "%.17g", value);
    text_ += std::string(name) + (labels.empty() ? "" : "{" + labels + "}") + " " + v + "\n";
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

int group_state_value(const std::string& s) {
  static const char* const kStates[] = {"none", "probing", "starting", "held", "stopping", "failed"};
  for (int i = 0; i < 6; ++i)
    if (s == kStates[i]) return i;
  return -1;
}

}  // namespace

std::string Daemon::metrics() const {
  const Status s = status();
  Exposition m;
  m.family("twinbeat_info", "gauge", "Always 1; labels: version, node, peer.");
  m.sample("twinbeat_info", "version=\"" + label(s.version) + "\",node=\"" + label(s.node) +
                                "\",peer=\"" + label(s.peer) + "\"", 1);
  m.family("twinbeat_peer_up", "gauge", "1 while the peer's heartbeats arrive, 0 once it is declared dead or before it is heard.");
  m.sample("twinbeat_peer_up", "", s.peer_state == "up" ? 1 : 0);
  m.family("twinbeat_peer_last_heard_seconds", "gauge", "Seconds since the peer's last heartbeat (absent if never heard).");
  if (s.peer_last_heard_ms_ago) m.sample("twinbeat_peer_last_heard_seconds", "", *s.peer_last_heard_ms_ago / 1000.0);
  m.family("twinbeat_peer_generation", "gauge", "The peer's generation (it grows at every start of the peer).");
  m.sample("twinbeat_peer_generation", "", static_cast<double>(s.peer_generation));
  m.family("twinbeat_late_heartbeats_total", "counter", "Heartbeats from the peer that came later than warntime.");
  m.sample("twinbeat_late_heartbeats_total", "", static_cast<double>(s.late_heartbeats));

  m.family("twinbeat_link_up", "gauge", "1 if heartbeats arrive on the link.");
  m.family("twinbeat_link_last_heard_seconds", "gauge", "Seconds since the last heartbeat on the link.");
  m.family("twinbeat_link_packets_received_total", "counter", "Datagrams received on the link.");
  m.family("twinbeat_link_packets_sent_total", "counter", "Heartbeats sent on the link.");
  m.family("twinbeat_link_late_total", "counter", "Gaps longer than warntime on the link.");
  m.family("twinbeat_link_dropped_total", "counter", "Datagrams dropped, by class: bad (format), auth (authentication), replay.");
  m.family("twinbeat_link_send_errors_total", "counter", "Sends that failed or found the interface gone.");
  for (const LinkStatus& l : s.links) {
    const std::string lab = "link=\"" + label(l.label) + "\"";
    m.sample("twinbeat_link_up", lab, l.state == "up" ? 1 : 0);
    if (l.last_heard_ms_ago) m.sample("twinbeat_link_last_heard_seconds", lab, *l.last_heard_ms_ago / 1000.0);
    m.sample("twinbeat_link_packets_received_total", lab, static_cast<double>(l.packets_in));
    m.sample("twinbeat_link_packets_sent_total", lab, static_cast<double>(l.packets_out));
    m.sample("twinbeat_link_late_total", lab, static_cast<double>(l.late));
    m.sample("twinbeat_link_dropped_total", lab + ",class=\"bad\"", static_cast<double>(l.bad));
    m.sample("twinbeat_link_dropped_total", lab + ",class=\"auth\"", static_cast<double>(l.auth_failed));
    m.sample("twinbeat_link_dropped_total", lab + ",class=\"replay\"", static_cast<double>(l.replayed));
    m.sample("twinbeat_link_send_errors_total", lab, static_cast<double>(l.send_errors));
  }

  m.family("twinbeat_group_held", "gauge", "1 if the group runs on this node (held, entirely or partly).");
  m.family("twinbeat_group_state", "gauge", "The group here: 0 none, 1 probing, 2 starting, 3 held, 4 stopping, 5 failed.");
  m.family("twinbeat_group_peer_state", "gauge", "The group on the peer as it last said (same values; -1 unknown).");
  m.family("twinbeat_resource_operations_total", "counter", "Operations run, by op (start, stop, status) and result (ok, failed).");
  m.family("twinbeat_resource_last_operation_seconds", "gauge", "How long the resource's last operation took.");
  for (size_t g = 0; g < s.groups.size(); ++g) {
    const GroupStatus& gs = s.groups[g];
    const std::string lab = "group=\"" + label(gs.name) + "\"";
    m.sample("twinbeat_group_held", lab, gs.here == "held" ? 1 : 0);
    m.sample("twinbeat_group_state", lab, group_state_value(gs.here));
    m.sample("twinbeat_group_peer_state", lab, group_state_value(gs.peer));
    for (size_t r = 0; r < gs.resources.size(); ++r) {
      const std::string rlab = lab + ",resource=\"" + label(gs.resources[r].name) + "\"";
      const OpCounts& c = runner_->counts(g, r);
      static const char* const kOps[] = {"start", "stop", "status"};
      for (int op = 0; op < 3; ++op) {
        m.sample("twinbeat_resource_operations_total", rlab + ",op=\"" + kOps[op] + "\",result=\"ok\"", static_cast<double>(c.ok[op]));
        m.sample("twinbeat_resource_operations_total", rlab + ",op=\"" + kOps[op] + "\",result=\"failed\"", static_cast<double>(c.failed[op]));
      }
      if (!gs.resources[r].last_op.empty())
        m.sample("twinbeat_resource_last_operation_seconds", rlab, gs.resources[r].duration_ms / 1000.0);
    }
  }

  const ShotRecord& shot = fence_->last_shot();
  m.family("twinbeat_fence_shots_total", "counter", "Fence shots, by result (ok, failed).");
  m.sample("twinbeat_fence_shots_total", "result=\"ok\"", static_cast<double>(fence_shots_ok_));
  m.sample("twinbeat_fence_shots_total", "result=\"failed\"", static_cast<double>(fence_shots_failed_));
  m.family("twinbeat_fence_last_shot_seconds", "gauge", "How long the last fence shot took (absent before the first).");
  if (shot.done) m.sample("twinbeat_fence_last_shot_seconds", "", to_ms(shot.duration) / 1000.0);
  m.family("twinbeat_fence_device_ok", "gauge", "1 if the device answered its last check and lists its target.");
  for (size_t i = 0; i < fence_->devices().size(); ++i)
    m.sample("twinbeat_fence_device_ok", "device=\"" + label(fence_->devices()[i].type) + "\",target=\"" +
                                             label(fence_->devices()[i].target) + "\"",
             fence_->health()[i].ok ? 1 : 0);
  m.family("twinbeat_fencing_gave_up", "gauge", "1 if every fence attempt failed and this node stays passive.");
  m.sample("twinbeat_fencing_gave_up", "", gate_->state() == core::FenceState::gave_up ? 1 : 0);
  m.family("twinbeat_log_lines_dropped_total", "counter", "Log lines that could not be written without blocking.");
  m.sample("twinbeat_log_lines_dropped_total", "", static_cast<double>(s.log_lines_dropped));
  return m.take();
}

}  // namespace twinbeat::daemon
