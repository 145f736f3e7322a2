// What the control socket answers: status (text, JSON), the tab-separated
// views the CLI polls (groups, clstatus), standby and takeover.
#include "daemon.h"

#include <cinttypes>
#include <optional>
#include <utility>

#include "twinbeat/config/tokens.h"
#include "twinbeat/log.h"

namespace twinbeat::daemon {

namespace {

// Heartbeat's words for what to move: failback is foreign (hb_takeover used
// to treat it as all).
std::optional<core::Selection> selection(const std::string& word) {
  if (word == "all") return core::Selection::all;
  if (word == "local") return core::Selection::local;
  if (word == "foreign" || word == "failback") return core::Selection::foreign;
  return std::nullopt;
}

}  // namespace

// "groups": one line per group, tab-separated: name, state here, state on
// the peer (or unknown), offered here (0/1), wanted here (0/1).
std::string Daemon::groups_view() const {
  std::string out;
  for (size_t g = 0; g < config_.haresources.groups.size(); ++g) {
    const core::GroupAd ad = ownership_->advertised(g);
    const auto& peer = g < peer_ad_.groups.size() ? peer_ad_.groups[g] : std::nullopt;
    out += config_.haresources.groups[g].name + "\t" + wire::to_string(ad.state) + "\t" +
           (peer ? wire::to_string(peer->state) : "unknown") + "\t" +
           (peer && peer->offered ? "1" : "0") + "\t" + (ad.wanted ? "1" : "0") + "\n";
  }
  return out;
}

// "clstatus": what cl_status prints, as "key\tvalue..." lines.
std::string Daemon::clstatus_view() const {
  const core::Membership& m = *membership_;
  std::string out = "node\t" + config_.node + "\tactive\n";
  const char* peer = m.peer_state() == core::PeerState::init   ? "init"
                     : m.peer_state() == core::PeerState::dead ? "dead"
                                                               : "active";
  out += "node\t" + config_.peer + "\t" + peer + "\n";
  // Heartbeat's ping nodes: status "ping" while they answer.
  for (const PingNodeStatus& p : ping_nodes_->status(clock_.now()).nodes)
    out += "ping\t" + p.name + "\t" + (p.here == "up" ? "ping" : p.here) + "\n";
  for (size_t i = 0; i < links_->size(); ++i)
    out += "link\t" + config_.peer + "\t" + links_->endpoint(i).label + "\t" +
           (m.link(i).state == core::LinkState::up ? "up" : "dead") + "\n";
  bool local = false, foreign = false, moving = false;
  for (size_t g = 0; g < ownership_->group_count(); ++g) {
    moving = moving || ownership_->busy(g);
    if (!ownership_->holds(g)) continue;
    (ownership_->config().groups[g].preferred_here ? local : foreign) = true;
  }
  out += std::string("rsc\t") +
         (moving ? "transition" : local && foreign ? "all" : local ? "local" : foreign ? "foreign" : "none") +
         "\n";
  const auto& cf = config_.ha_cf;
  for (const auto& [name, value] :
       {std::pair<const char*, Millis>{"keepalive", cf.keepalive}, {"deadtime", cf.deadtime},
        {"warntime", cf.warntime}, {"initdead", cf.initdead}})
    out += std::string("param\t") + name + "\t" + std::to_string(to_ms(value)) + "ms\n";
  out += std::string("param\tauto_failback\t") + config::to_string(cf.auto_failback) + "\n";
  out += "param\tdeadping\t" + std::to_string(to_ms(config::effective_deadping(cf))) + "ms\n";
  return out;
}

std::string Daemon::move_groups(const std::string& verb, const std::string& which) {
  const auto sel = selection(which);
  if (!sel) return "error: '" + which + "': say all, local, foreign or failback";
  core::Actions actions;
  auto moving = verb == "standby" ? ownership_->standby(*sel, actions)
                                  : ownership_->takeover(*sel, actions);
  if (!moving) return "error: " + moving.error().message;
  log(Level::info, "%s [%s] requested: %zu group(s) to move",
      verb == "standby" ? "Going standby" : "Taking over", which.c_str(), moving->size());
  dispatch(actions);
  settle();
  std::string out = "ok\n";
  for (size_t g : *moving) out += config_.haresources.groups[g].name + "\n";
  return out;
}

// Forgets a group's failures here ("all": every group's) and unblocks it.
std::string Daemon::cleanup(const std::string& which) {
  std::string out = "ok\n";
  bool any = false;
  for (size_t g = 0; g < config_.haresources.groups.size(); ++g) {
    const std::string& name = config_.haresources.groups[g].name;
    if (which != "all" && which != name) continue;
    any = true;
    const core::Ownership::Failures f = ownership_->failures(g, clock_.now());
    if (f.total == 0 && !f.blocked) continue;
    log(Level::info, "Cleanup of resource group %s: %" PRIu64 " failure(s) forgotten%s", name.c_str(),
        f.total, f.blocked ? ", no longer blocked here" : "");
    dispatch(ownership_->cleanup(g));
    out += name + "\t" + std::to_string(f.total) + "\t" + (f.blocked ? "1" : "0") + "\n";
  }
  if (!any) return "error: no resource group '" + which + "' (twinbeat status lists them)";
  settle();
  return out;
}

std::string Daemon::on_control(const std::string& request) {
  const std::vector<std::string> words = config::split_words(request);
  if (words.empty()) return "error: empty request";
  if (words[0] == "status" && words.size() == 1) return render_text(status());
  if (words[0] == "status" && words.size() == 2 && words[1] == "json")
    return render_json(status());
  if (words[0] == "ping" && words.size() == 1) return "ok";
  if (words[0] == "groups" && words.size() == 1) return groups_view();
  if (words[0] == "reload" && words.size() == 1) return reload();
  if (words[0] == "metrics" && words.size() == 1) return metrics();
  if (words[0] == "clstatus" && words.size() == 1) return clstatus_view();
  if ((words[0] == "standby" || words[0] == "takeover") && words.size() == 2 && words[1] != "force")
    return move_groups(words[0], words[1]);
  if (words[0] == "cleanup" && words.size() == 2) return cleanup(words[1]);
  if (words[0] == "takeover" && words.size() == 2 && words[1] == "force") {
    const core::FenceActions a = gate_->force();
    if (a.empty())
      return "error: " + config_.peer + " is not silent (" + core::to_string(gate_->state()) +
             "): nothing to force";
    apply_fence(a);
    settle();
    return "ok: taking over from " + config_.peer + " without fencing it";
  }
  std::string shown;
  for (char c : request.substr(0, 64))
    shown += (c >= 0x20 && c < 0x7f) ? c : '?';  // never echo control bytes
  return "error: unknown request '" + shown + "'";
}

Status Daemon::status() const {
  const Instant now = clock_.now();
  const auto& cf = config_.ha_cf;
  const core::Membership& m = *membership_;
  Status s;
  s.version = TWINBEAT_VERSION;
  s.node = config_.node;
  s.node_status = m.peer_state() == core::PeerState::init ? "up" : "active";
  s.generation = generation_;
  s.uptime_ms = to_ms(now - started_);
  s.keepalive_ms = to_ms(cf.keepalive);
  s.warntime_ms = to_ms(cf.warntime);
  s.deadtime_ms = to_ms(cf.deadtime);
  s.initdead_ms = to_ms(cf.initdead);
  s.peer = config_.peer;
  s.peer_state = core::to_string(m.peer_state());
  if (m.last_heard()) s.peer_last_heard_ms_ago = to_ms(now - *m.last_heard());
  s.peer_generation = m.peer_generation();
  s.peer_judged_deadtime_ms = to_ms(m.judged_deadtime());
  s.late_heartbeats = m.late_count();
  for (size_t i = 0; i < links_->size(); ++i) {
    const net::LinkEndpoint& ep = links_->endpoint(i);
    const core::LinkView& view = m.link(i);
    const LinkStats& st = link_stats_[i];
    LinkStatus l;
    l.label = ep.label;
    l.kind = config::to_string(ep.kind);
    l.interface = ep.interface;
    l.target = net::target_text(ep);
    l.state = core::to_string(view.state);
    l.interface_present = links_->ifindex(i) != 0;
    if (view.last_heard) l.last_heard_ms_ago = to_ms(now - *view.last_heard);
    l.packets_in = st.packets_in;
    l.packets_out = links_->counters(i).packets_out;
    l.send_errors = links_->counters(i).send_errors + links_->counters(i).no_interface;
    l.late = view.late;
    l.own = st.own;
    for (size_t r = 0; r < st.drops.size(); ++r) {
      if (st.drops[r] == 0) continue;
      const auto reason = static_cast<wire::DropReason>(r);
      switch (wire::classify(reason)) {
        case wire::DropClass::bad: l.bad += st.drops[r]; break;
        case wire::DropClass::auth: l.auth_failed += st.drops[r]; break;
        case wire::DropClass::replay: l.replayed += st.drops[r]; break;
      }
      l.drops_by_reason += (l.drops_by_reason.empty() ? "" : " ") +
                           std::string(wire::to_string(reason)) + "=" + std::to_string(st.drops[r]);
    }
    s.links.push_back(std::move(l));
  }
  s.uplink = ping_nodes_->status(now);
  s.stray_packets = links_->stray();
  s.log_lines_dropped = log_dropped();
  s.mode = wire::to_string(ownership_->mode());
  s.peer_mode = peer_ad_seen_ ? wire::to_string(peer_ad_.mode) : "unknown";
  s.peer_current = ownership_->peer_liveness() == core::PeerLiveness::alive;
  s.peer_liveness = core::to_string(ownership_->peer_liveness());
  s.haresources = !peer_ad_seen_ ? "unknown"
                  : peer_digest_ == resources_digest_ ? "identical"
                                                      : "DIFFERENT";
  for (size_t g = 0; g < config_.haresources.groups.size(); ++g) {
    const auto& spec = config_.haresources.groups[g];
    GroupStatus gs;
    gs.name = spec.name;
    gs.preferred = spec.preferred_node;
    const core::GroupAd ad = ownership_->advertised(g);
    gs.here = wire::to_string(ad.state);
    gs.offered = ad.offered;
    gs.peer = g < peer_ad_.groups.size() && peer_ad_.groups[g]
                  ? wire::to_string(peer_ad_.groups[g]->state)
                  : "unknown";
    gs.peer_blocked = g < peer_ad_.groups.size() && peer_ad_.groups[g] && peer_ad_.groups[g]->blocked;
    const core::Ownership::Failures f = ownership_->failures(g, now);
    gs.failures = f.total;
    gs.recent_failures = f.recent;
    gs.blocked = f.blocked;
    for (size_t r = 0; r < spec.resources.size(); ++r) {
      const OpRecord& rec = runner_->record(g, r);
      ResourceStatus rs;
      rs.name = spec.resources[r].text;
      rs.kind = resources::to_string(runner_->agents()[g][r].kind);
      if (rec.started != Instant{}) {
        rs.last_op = core::to_string(rec.op);
        rs.result = rec.done ? rec.result : "in progress";
        rs.ok = !rec.done || rec.ok;
        rs.duration_ms = to_ms(rec.done ? rec.duration : now - rec.started);
        rs.ago_ms = to_ms(now - rec.started);
      }
      const auto& vip = runner_->agents()[g][r].vip;
      if (const auto* c = vip ? runner_->vip_conflict(vip->text) : nullptr)
        rs.vip_conflict = VipConflictStatus{vip->text, c->mac, c->probing, c->added, to_ms(now - c->at)};
      gs.resources.push_back(std::move(rs));
    }
    s.groups.push_back(std::move(gs));
  }
  s.fencing = core::to_string(gate_->state());
  s.fence_attempts = gate_->attempts();
  const ShotRecord& shot = fence_->last_shot();
  if (shot.done)
    s.last_shot = std::string(shot.ok ? "ok" : "FAILED") + " in " + std::to_string(to_ms(shot.duration)) +
                  " ms, " + std::to_string(to_ms(now - shot.started) / 1000) + " s ago: " + shot.detail;
  else if (fence_->shooting())
    s.last_shot = "in progress for " + std::to_string(to_ms(now - shot.started)) + " ms";
  for (size_t i = 0; i < fence_->devices().size(); ++i) {
    const auto& d = fence_->devices()[i];
    const DeviceHealth& h = fence_->health()[i];
    s.fence_devices.push_back({d.type, d.target, d.port, h.checked ? h.detail : "unchecked"});
  }
  if (lease_) s.vip_lease_ms = to_ms(*lease_);
  return s;
}

}  // namespace twinbeat::daemon
