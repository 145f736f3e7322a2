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

std::string resource_json(const ResourceStatus& r) {
  return Object()
      .str("name", r.name)
      .str("kind", r.kind)
      .str("last_op", r.last_op)
      .str("result", r.result)
      .boolean("ok", r.ok)
      .num("duration_ms", r.duration_ms)
      .field("ago_ms", opt_number(r.ago_ms))
      .done();
}

std::string group_json(const GroupStatus& g) {
  return Object()
      .str("name", g.name)
      .str("preferred", g.preferred)
      .str("here", g.here)
      .boolean("offered", g.offered)
      .str("peer", g.peer)
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
           (g.offered ? " (offered to the peer)" : "") + ", " + s.peer + " " + g.peer + history + "\n";
    for (const ResourceStatus& r : g.resources) {
      out += "    " + r.name + " [" + r.kind + "]";
      if (!r.last_op.empty())
        out += ": " + r.last_op + " " + r.result + " in " + std::to_string(r.duration_ms) + " ms" +
               (r.ago_ms ? ", " + std::to_string(*r.ago_ms / 1000) + " s ago" : "");
      out += "\n";
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
