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

// Ping nodes: absent without any. A ping node's state: 1 up, 0 dead, -1 not
// known yet (init, or the peer does not say).
void uplink_metrics(Exposition& m, const UplinkStatus& u) {
  if (u.nodes.empty()) return;
  auto state = [](const std::string& s) { return s == "up" ? 1 : s == "dead" ? 0 : -1; };
  m.family("twinbeat_uplink_score", "gauge", "Ping nodes this node reaches (-1 not known yet).");
  m.sample("twinbeat_uplink_score", "", u.score ? static_cast<double>(*u.score) : -1);
  m.family("twinbeat_uplink_peer_score", "gauge", "Ping nodes the peer reaches, as it says (-1 unknown).");
  m.sample("twinbeat_uplink_peer_score", "", u.peer_score ? static_cast<double>(*u.peer_score) : -1);
  m.family("twinbeat_uplink_reach", "gauge", "This node against the peer, once held: 0 same, -1 fewer (it hands its groups over), 1 more.");
  m.sample("twinbeat_uplink_reach", "", u.reach == "fewer" ? -1 : u.reach == "more" ? 1 : 0);
  m.family("twinbeat_ping_node_up", "gauge", "The ping node seen from here: 1 up, 0 dead, -1 not known yet.");
  m.family("twinbeat_ping_node_peer_up", "gauge", "The ping node as the peer last said: 1 up, 0 dead, -1 unknown.");
  m.family("twinbeat_ping_echoes_sent_total", "counter", "ICMP echo requests sent to the address.");
  m.family("twinbeat_ping_replies_total", "counter", "Echo replies received from the address.");
  m.family("twinbeat_ping_send_errors_total", "counter", "Echo requests the kernel refused (no route, link down...).");
  m.family("twinbeat_ping_rtt_seconds", "gauge", "Round trip of the address's last reply (absent before the first).");
  for (const PingNodeStatus& n : u.nodes) {
    const std::string lab = "ping_node=\"" + label(n.name) + "\"";
    m.sample("twinbeat_ping_node_up", lab, state(n.here));
    m.sample("twinbeat_ping_node_peer_up", lab, state(n.peer));
    for (const PingTargetStatus& t : n.targets) {
      const std::string tlab = lab + ",address=\"" + label(t.address) + "\"";
      m.sample("twinbeat_ping_echoes_sent_total", tlab, static_cast<double>(t.sent));
      m.sample("twinbeat_ping_replies_total", tlab, static_cast<double>(t.replies));
      m.sample("twinbeat_ping_send_errors_total", tlab, static_cast<double>(t.send_errors));
      if (t.rtt_ms) m.sample("twinbeat_ping_rtt_seconds", tlab, *t.rtt_ms / 1000.0);
    }
  }
}

// VIP probes and announcements; the conflict gauge for each built-in VIP.
void vip_metrics(Exposition& m, const Status& s, const ResourceRunner& runner,
                 const net::VipManager& vips) {
  m.family("twinbeat_vip_probes_total", "counter", "Probes for a VIP's address before adding it (ARP probe, duplicate address detection) that ended.");
  m.sample("twinbeat_vip_probes_total", "", static_cast<double>(runner.vip_probes()));
  m.family("twinbeat_vip_conflicts_total", "counter", "Probes that found the address in use by another host.");
  m.sample("twinbeat_vip_conflicts_total", "", static_cast<double>(runner.vip_conflicts()));
  m.family("twinbeat_vip_conflict", "gauge", "1 if the VIP's last probe found its address in use (until a probe finds it free).");
  for (size_t g = 0; g < s.groups.size(); ++g)
    for (size_t r = 0; r < s.groups[g].resources.size(); ++r)
      if (runner.agents()[g][r].kind == resources::AgentKind::vip)
        m.sample("twinbeat_vip_conflict", "group=\"" + label(s.groups[g].name) + "\",resource=\"" +
                                              label(s.groups[g].resources[r].name) + "\"",
                 s.groups[g].resources[r].vip_conflict ? 1 : 0);
  m.family("twinbeat_vip_announcements_total", "counter", "Gratuitous ARPs and unsolicited neighbour advertisements sent (bursts and refreshes), by result (ok, failed).");
  m.sample("twinbeat_vip_announcements_total", "result=\"ok\"", static_cast<double>(vips.announcements_sent()));
  m.sample("twinbeat_vip_announcements_total", "result=\"failed\"", static_cast<double>(vips.announcement_errors()));
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
  m.family("twinbeat_peer_longest_gap_seconds", "gauge", "The longest interval between two heartbeats from the peer while it was up, since start.");
  m.sample("twinbeat_peer_longest_gap_seconds", "", to_ms(membership_->longest_gap()) / 1000.0);
  m.family("twinbeat_heartbeat_send_late_max_seconds", "gauge", "The most an interval between two heartbeats sent by this node exceeded keepalive, since start: its own scheduling delay.");
  m.sample("twinbeat_heartbeat_send_late_max_seconds", "", to_ms(send_late_max_) / 1000.0);
  m.family("twinbeat_heartbeats_covered_total", "counter", "Heartbeats sent on time by the cover thread while the loop waited for the kernel (a VIP lease renewal).");
  m.sample("twinbeat_heartbeats_covered_total", "", static_cast<double>(cover_beats_));
  m.family("twinbeat_lease_renewal_wait_max_seconds", "gauge", "The longest a round of VIP lease renewals took, since start (it waits for the kernel's RTNL lock).");
  m.sample("twinbeat_lease_renewal_wait_max_seconds", "", to_ms(renewal_wait_max_) / 1000.0);

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
  m.family("twinbeat_group_failures_total", "counter", "Monitor and start failures of the group here since start or the last cleanup.");
  m.family("twinbeat_group_blocked", "gauge", "1 if the group failed here too often and will not run here until a cleanup.");
  m.family("twinbeat_group_peer_blocked", "gauge", "1 if the peer says the group is blocked there.");
  m.family("twinbeat_resource_operations_total", "counter", "Operations run, by op (start, stop, status, monitor) and result (ok, failed; a monitor fails when the resource is not running).");
  m.family("twinbeat_resource_last_operation_seconds", "gauge", "How long the resource's last operation took.");
  for (size_t g = 0; g < s.groups.size(); ++g) {
    const GroupStatus& gs = s.groups[g];
    const std::string lab = "group=\"" + label(gs.name) + "\"";
    m.sample("twinbeat_group_held", lab, gs.here == "held" ? 1 : 0);
    m.sample("twinbeat_group_state", lab, group_state_value(gs.here));
    m.sample("twinbeat_group_peer_state", lab, group_state_value(gs.peer));
    m.sample("twinbeat_group_failures_total", lab, static_cast<double>(gs.failures));
    m.sample("twinbeat_group_blocked", lab, gs.blocked ? 1 : 0);
    m.sample("twinbeat_group_peer_blocked", lab, gs.peer_blocked ? 1 : 0);
    for (size_t r = 0; r < gs.resources.size(); ++r) {
      const std::string rlab = lab + ",resource=\"" + label(gs.resources[r].name) + "\"";
      const OpCounts& c = runner_->counts(g, r);
      static const char* const kOps[] = {"start", "stop", "status", "monitor"};
      for (int op = 0; op < 4; ++op) {
        m.sample("twinbeat_resource_operations_total", rlab + ",op=\"" + kOps[op] + "\",result=\"ok\"", static_cast<double>(c.ok[op]));
        m.sample("twinbeat_resource_operations_total", rlab + ",op=\"" + kOps[op] + "\",result=\"failed\"", static_cast<double>(c.failed[op]));
      }
      if (!gs.resources[r].last_op.empty())
        m.sample("twinbeat_resource_last_operation_seconds", rlab, gs.resources[r].duration_ms / 1000.0);
    }
  }

  vip_metrics(m, s, *runner_, *vips_);
  uplink_metrics(m, s.uplink);

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
