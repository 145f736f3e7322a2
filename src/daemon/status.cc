// Rendering status as text and as JSON.
#include "status.h"

#include <cstdio>

namespace twinbeat::daemon {

namespace {

std::string ago(const std::optional<int64_t>& ms) {
  return ms ? std::to_string(*ms) + " ms ago" : "never";
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string opt_number(const std::optional<int64_t>& v) {
  return v ? std::to_string(*v) : "null";
}

// A flat JSON object writer: fields in the order they are added.
class Object {
 public:
  Object& field(const char* name, const std::string& raw) {
    text_ += (text_.empty() ? "{" : ",") + quoted(name) + ":" + raw;
    return *this;
  }
  Object& str(const char* name, const std::string& v) { return field(name, quoted(v)); }
  Object& num(const char* name, uint64_t v) { return field(name, std::to_string(v)); }
  Object& num(const char* name, int64_t v) { return field(name, std::to_string(v)); }
  Object& boolean(const char* name, bool v) { return field(name, v ? "true" : "false"); }
  std::string done() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  std::string text_;
};

std::string link_json(const LinkStatus& l) {
  return Object()
      .str("label", l.label)
      .str("kind", l.kind)
      .str("interface", l.interface)
      .str("target", l.target)
      .str("state", l.state)
      .boolean("interface_present", l.interface_present)
      .field("last_heard_ms_ago", opt_number(l.last_heard_ms_ago))
      .num("packets_in", l.packets_in)
      .num("packets_out", l.packets_out)
      .num("late", l.late)
      .num("bad", l.bad)
      .num("auth_failed", l.auth_failed)
      .num("replayed", l.replayed)
      .num("own", l.own)
      .num("send_errors", l.send_errors)
      .done();
}

// "[a,b,c]" of each element rendered by `one`.
template <class T, class F>
std::string array(const std::vector<T>& items, F one) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + one(items[i]);
  return out + "]";
}

std::string vip_conflict_json(const std::optional<VipConflictStatus>& c) {
  if (!c) return "null";
  return Object()
      .str("address", c->address)
      .str("mac", c->mac)
      .boolean("probing", c->probing)
      .boolean("added", c->added)
      .num("ago_ms", c->ago_ms)
      .done();
}

std::string resource_json(const ResourceStatus& r) {
  return Object()
      .str("name", r.name)
      .str("kind", r.kind)
      .str("last_op", r.last_op)
      .str("result", r.result)
      .boolean("ok", r.ok)
      .num("duration_ms", r.duration_ms)
      .field("ago_ms", opt_number(r.ago_ms))
      .field("vip_conflict", vip_conflict_json(r.vip_conflict))
      .done();
}

std::string group_json(const GroupStatus& g) {
  return Object()
      .str("name", g.name)
      .str("preferred", g.preferred)
      .str("here", g.here)
      .boolean("offered", g.offered)
      .str("peer", g.peer)
      .num("failures", g.failures)
      .num("recent_failures", g.recent_failures)
      .boolean("blocked", g.blocked)
      .boolean("peer_blocked", g.peer_blocked)
      .field("resources", array(g.resources, resource_json))
      .done();
}

std::string fence_device_json(const FenceDeviceStatus& d) {
  return Object()
      .str("type", d.type)
      .str("target", d.target)
      .str("port", d.port)
      .str("health", d.health)
      .done();
}

std::string opt_text(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "unknown"; }

// "uplink: ..." and a line per ping node and address; nothing without ping nodes.
std::string uplink_text(const Status& s) {
  const UplinkStatus& u = s.uplink;
  if (u.nodes.empty()) return "";
  std::string out = "uplink: this node reaches " + opt_text(u.score) + " of " +
                    std::to_string(u.nodes.size()) + " ping node(s), " + s.peer + " " +
                    opt_text(u.peer_score) + "; reach " + u.reach;
  if (!u.pending.empty())
    out += " (" + u.pending + " for " + opt_text(u.pending_ms) + " ms of " +
           std::to_string(u.deadping_ms) + ")";
  out += ", deadping " + std::to_string(u.deadping_ms) + " ms, echo every " +
         std::to_string(u.interval_ms) + " ms (" + u.sockets + ")\n";
  if (u.peer_differs) out += "  ping nodes differ on " + s.peer + "\n";
  for (const PingNodeStatus& n : u.nodes) {
    out += "  ping node " + n.name + " (" + n.type + "): here " + n.here + ", " + s.peer + " " +
           n.peer + "\n";
    for (const PingTargetStatus& t : n.targets) {
      out += "    " + t.address + ": " + t.state + ", last reply " + ago(t.last_reply_ms_ago) +
             (t.rtt_ms ? ", rtt " + std::to_string(*t.rtt_ms) + " ms" : "") + ", sent " +
             std::to_string(t.sent) + ", replies " + std::to_string(t.replies) +
             ", send errors " + std::to_string(t.send_errors) +
             (t.send_error.empty() ? "" : " (" + t.send_error + ")") + "\n";
    }
  }
  return out;
}

std::string ping_target_json(const PingTargetStatus& t) {
  return Object()
      .str("address", t.address)
      .str("state", t.state)
      .field("last_reply_ms_ago", opt_number(t.last_reply_ms_ago))
      .field("rtt_ms", opt_number(t.rtt_ms))
      .num("sent", t.sent)
      .num("replies", t.replies)
      .num("send_errors", t.send_errors)
      .str("send_error", t.send_error)
      .done();
}

std::string ping_node_json(const PingNodeStatus& n) {
  return Object()
      .str("name", n.name)
      .str("type", n.type)
      .str("here", n.here)
      .str("peer", n.peer)
      .field("targets", array(n.targets, ping_target_json))
      .done();
}

std::string uplink_json(const UplinkStatus& u) {
  return Object()
      .field("score", opt_number(u.score))
      .field("peer_score", opt_number(u.peer_score))
      .str("reach", u.reach)
      .str("pending", u.pending)
      .field("pending_ms", opt_number(u.pending_ms))
      .num("deadping_ms", u.deadping_ms)
      .num("interval_ms", u.interval_ms)
      .str("sockets", u.sockets)
      .boolean("peer_differs", u.peer_differs)
      .field("ping_nodes", array(u.nodes, ping_node_json))
      .done();
}

std::string fencing_text(const Status& s) {
  std::string out = "fencing: " + s.fencing;
  if (s.fence_attempts) out += " (" + std::to_string(s.fence_attempts) + " shot(s))";
  if (!s.last_shot.empty()) out += ", last shot " + s.last_shot;
  out += s.fence_devices.empty() ? ", no fence device" : "";
  out += s.vip_lease_ms ? ", VIP lease " + std::to_string(*s.vip_lease_ms / 1000) + " s"
                        : ", no VIP lease";
  out += "\n";
  for (const auto& d : s.fence_devices)
    out += "  device " + d.type + " -> " + d.target + " (port " + d.port + "): " + d.health + "\n";
  return out;
}

std::string groups_text(const Status& s) {
  std::string out;
  const std::string history = s.peer_current ? "" : " as last heard";
  out += "resources: mode " + s.mode + ", peer " + s.peer_liveness + " (" + s.peer_mode + history +
         "), haresources " + s.haresources + "\n";
  for (const GroupStatus& g : s.groups) {
    out += "  group " + g.name + " (preferred " + g.preferred + "): here " + g.here +
           (g.offered ? " (offered to the peer)" : "") + ", " + s.peer + " " + g.peer + history +
           (g.peer_blocked ? " (blocked there)" : "") + "\n";
    if (g.failures || g.blocked)
      out += "    failures here: " + std::to_string(g.failures) + " (" +
             std::to_string(g.recent_failures) + " within the restart window)" +
             (g.blocked ? ", BLOCKED here until 'twinbeat cleanup'" : "") + "\n";
    for (const ResourceStatus& r : g.resources) {
      out += "    " + r.name + " [" + r.kind + "]";
      if (!r.last_op.empty())
        out += ": " + r.last_op + " " + r.result + " in " + std::to_string(r.duration_ms) + " ms" +
               (r.ago_ms ? ", " + std::to_string(*r.ago_ms / 1000) + " s ago" : "");
      out += "\n";
      if (const auto& c = r.vip_conflict)
        out += "      VIP IN USE: " + c->address + (c->probing ? " probed for by " : " answered by ") +
               c->mac + " " + std::to_string(c->ago_ms / 1000) + " s ago: " +
               (c->added ? "added anyway (the silent peer's copy)" : "not added") + "\n";
    }
  }
  return out;
}

}  // namespace

std::string render_text(const Status& s) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "node %s (this node): %s, generation %llu, up %lld ms\n",
                s.node.c_str(), s.node_status.c_str(),
                static_cast<unsigned long long>(s.generation), static_cast<long long>(s.uptime_ms));
  out += line;
  std::snprintf(line, sizeof line,
                "timers: keepalive %lld ms, warntime %lld ms, deadtime %lld ms, initdead %lld ms\n",
                static_cast<long long>(s.keepalive_ms), static_cast<long long>(s.warntime_ms),
                static_cast<long long>(s.deadtime_ms), static_cast<long long>(s.initdead_ms));
  out += line;
  std::snprintf(line, sizeof line,
                "peer %s: %s, last heard %s, generation %llu, judged by deadtime %lld ms, "
                "late heartbeats %llu\n",
                s.peer.c_str(), s.peer_state.c_str(), ago(s.peer_last_heard_ms_ago).c_str(),
                static_cast<unsigned long long>(s.peer_generation),
                static_cast<long long>(s.peer_judged_deadtime_ms),
                static_cast<unsigned long long>(s.late_heartbeats));
  out += line;
  for (const LinkStatus& l : s.links) {
    std::snprintf(line, sizeof line,
                  "  link %s (%s %s%s): %s, last heard %s, in %llu, out %llu, late %llu, "
                  "bad %llu, auth failed %llu, replayed %llu, send errors %llu\n",
                  l.label.c_str(), l.kind.c_str(), l.target.c_str(),
                  l.interface_present ? "" : ", interface missing", l.state.c_str(),
                  ago(l.last_heard_ms_ago).c_str(), static_cast<unsigned long long>(l.packets_in),
                  static_cast<unsigned long long>(l.packets_out),
                  static_cast<unsigned long long>(l.late), static_cast<unsigned long long>(l.bad),
                  static_cast<unsigned long long>(l.auth_failed),
                  static_cast<unsigned long long>(l.replayed),
                  static_cast<unsigned long long>(l.send_errors));
    out += line;
    if (!l.drops_by_reason.empty()) out += "    dropped: " + l.drops_by_reason + "\n";
  }
  if (s.stray_packets) out += "stray packets (on no configured link): " + std::to_string(s.stray_packets) + "\n";
  out += uplink_text(s);
  out += fencing_text(s);
  out += groups_text(s);
  return out;
}

std::string render_json(const Status& s) {
  const std::string node = Object()
                               .str("name", s.node)
                               .str("status", s.node_status)
                               .num("generation", s.generation)
                               .num("uptime_ms", s.uptime_ms)
                               .done();
  const std::string timers = Object()
                                 .num("keepalive_ms", s.keepalive_ms)
                                 .num("warntime_ms", s.warntime_ms)
                                 .num("deadtime_ms", s.deadtime_ms)
                                 .num("initdead_ms", s.initdead_ms)
                                 .done();
  const std::string peer = Object()
                               .str("name", s.peer)
                               .str("state", s.peer_state)
                               .field("last_heard_ms_ago", opt_number(s.peer_last_heard_ms_ago))
                               .num("generation", s.peer_generation)
                               .num("judged_deadtime_ms", s.peer_judged_deadtime_ms)
                               .num("late_heartbeats", s.late_heartbeats)
                               .done();
  return Object()
             .str("version", s.version)
             .field("node", node)
             .field("timers", timers)
             .field("peer", peer)
             .field("links", array(s.links, link_json))
             .field("uplink", uplink_json(s.uplink))
             .str("mode", s.mode)
             .str("peer_mode", s.peer_mode)
             .boolean("peer_current", s.peer_current)
             .str("peer_liveness", s.peer_liveness)
             .str("haresources", s.haresources)
             .field("groups", array(s.groups, group_json))
             .field("fencing", Object()
                                   .str("state", s.fencing)
                                   .num("attempts", static_cast<int64_t>(s.fence_attempts))
                                   .str("last_shot", s.last_shot)
                                   .field("devices", array(s.fence_devices, fence_device_json))
                                   .field("vip_lease_ms", opt_number(s.vip_lease_ms))
                                   .done())
             .num("stray_packets", s.stray_packets)
             .num("log_lines_dropped", s.log_lines_dropped)
             .done() +
         "\n";
}

}  // namespace twinbeat::daemon
