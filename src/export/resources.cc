// haresources into Pacemaker: each line a group (ordered, colocated) with a
// location preference for its node; each resource a primitive of the class
// that runs the same thing; auto_failback as resource-stickiness.
#include <arpa/inet.h>

#include <string>
#include <vector>

#include "model.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::exporter {

namespace {

constexpr const char* kHaproxyConfig = "/etc/haproxy/haproxy.cfg";
// The location score of a group's preferred node (haresources2cib.py's
// 100), and the stickiness of each resource with auto_failback off. A
// group's stickiness is the sum of its running members' (Pacemaker), so
// any value above the preference keeps a group where it runs.
constexpr int kPreferScore = 100;
constexpr int kStickiness = 200;

std::string ms(Millis d) { return config::format_time(d); }

std::string join(const std::vector<std::string>& words, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) out += (i ? sep : "") + words[i];
  return out;
}

// A short id for a resource: the agent and its address (a VIP) or its
// arguments that are not paths ("drbddisk-r0", "haproxy").
std::string primitive_name(const resources::Agent& a) {
  std::string name = a.name;
  if (a.vip) return to_id(name + "-" + a.vip->text);
  for (const auto& arg : a.args)
    if (arg.find('/') == std::string::npos) name += "-" + arg;
  return to_id(name);
}

void vip_primitive(const resources::Agent& a, const config::HaCf& cf, Primitive& p,
                   Findings& f) {
  const net::VipSpec& v = *a.vip;
  std::string type = a.name;
  if (type == "IPaddr" && v.family == AF_INET6) {
    type = "IPaddr2";  // ocf:heartbeat:IPaddr is IPv4 only
    f.row(Mapping::changed, a.where, a.text,
          "ocf:heartbeat:IPaddr2 (Pacemaker's IPaddr agent manages IPv4 only)");
  } else {
    f.row(Mapping::same, a.where, a.text, "ocf:heartbeat:" + type);
  }
  p.cls = "ocf";
  p.provider = "heartbeat";
  p.type = type;
  p.params.push_back({"ip", v.text});
  if (v.prefix) p.params.push_back({"cidr_netmask", std::to_string(*v.prefix)});
  if (!v.interface.empty()) p.params.push_back({"nic", v.interface});
  if (!v.label.empty()) p.params.push_back({"iflabel", v.label});
  if (v.broadcast) {
    char buf[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &*v.broadcast, buf, sizeof buf);
    p.params.push_back({"broadcast", buf});
  }
  if (type == "IPaddr2") {  // Heartbeat's send_arp defaults are the agent's too
    if (cf.arp_count != 5) p.params.push_back({"arp_count", std::to_string(cf.arp_count)});
    if (cf.arp_interval != Millis{200})
      p.params.push_back({"arp_interval", std::to_string(cf.arp_interval.count())});
  }
}

// haproxy::CONFIG::MODE. Returns true for warm mode (a clone, not a member).
bool haproxy_primitive(const resources::Agent& a, const Options& o, Primitive& p, Findings& f) {
  const bool systemd = o.haproxy == ServiceClass::systemd;
  p.cls = systemd ? "systemd" : "lsb";
  p.type = "haproxy";
  const std::string what = systemd ? "systemd:haproxy" : "lsb:haproxy";
  const std::string config = a.args.empty() ? kHaproxyConfig : a.args[0];
  const bool warm = a.args.size() >= 2 && a.args[1] == "warm";
  if (config != kHaproxyConfig)
    f.warn(Mapping::changed, a.where, a.text,
           what + " runs haproxy with its package's configuration (/etc/haproxy/haproxy.cfg, "
                  "or CONFIG in /etc/default/haproxy): point it at " + config);
  if (warm)
    f.row(Mapping::changed, a.where, a.text,
          "warm: a clone of " + what +
              " on both nodes; the group runs only where haproxy runs (colocation) and "
              "after it (order). Keep net.ipv4.ip_nonlocal_bind=1 on both nodes");
  else if (config == kHaproxyConfig)
    f.row(Mapping::same, a.where, a.text,
          what + (systemd ? " (the unit checks the configuration before it starts, as the "
                            "agent did)"
                          : ""));
  return warm;
}

// Heartbeat's Filesystem::device::directory::fstype[::options] is a wrapper
// of the OCF agent of the same name (haresources2cib.py mapped it so too).
bool filesystem_primitive(const resources::Agent& a, Primitive& p, Findings& f) {
  if (a.args.size() < 2 || a.args.size() > 4) return false;
  p.cls = "ocf";
  p.provider = "heartbeat";
  p.type = "Filesystem";
  const char* names[] = {"device", "directory", "fstype", "options"};
  for (size_t i = 0; i < a.args.size(); ++i) p.params.push_back({names[i], a.args[i]});
  f.row(Mapping::same, a.where, a.text, "ocf:heartbeat:Filesystem");
  return true;
}

// A script Pacemaker cannot run by itself: Pacemaker 2 dropped the
// `heartbeat` class (Debian 12's 2.1.5 lists ocf, lsb, service, stonith),
// and the lsb class passes no arguments. ocf:twinbeat:haresource runs the
// script unchanged, with twinbeat's status rule.
void script_primitive(const resources::Agent& a, Primitive& p, Model& m, Findings& f) {
  if (a.kind == resources::AgentKind::init_d && a.args.empty()) {
    p.cls = "lsb";
    p.type = a.name;
    f.row(Mapping::same, a.where, a.text, "lsb:" + a.name + " (" + a.path + ")");
    return;
  }
  p.cls = "ocf";
  p.provider = "twinbeat";
  p.type = "haresource";
  p.params.push_back({"script", a.path});
  if (!a.args.empty()) p.params.push_back({"args", join(a.args, " ")});
  const bool lsb = a.kind == resources::AgentKind::init_d;
  p.params.push_back({"status_rule", lsb ? "lsb" : "heartbeat"});
  m.needs_ocf_agent = true;
  f.row(Mapping::changed, a.where, a.text,
        "ocf:twinbeat:haresource runs " + a.path +
            " unchanged (Pacemaker 2 has no heartbeat class" +
            (lsb ? "; lsb passes no arguments" : "") +
            "): install the agent written beside this report as "
            "/usr/lib/ocf/resource.d/twinbeat/haresource on both nodes");
}

// start/stop deadlines, and a monitor when resource monitoring is on.
void add_ops(const config::HaCf& cf, const config::ResourceSpec& spec, Primitive& p,
             Findings& f) {
  p.ops.push_back({"start", "0s", ms(cf.resource_start_timeout)});
  p.ops.push_back({"stop", "0s", ms(cf.resource_stop_timeout)});
  const config::MonitorOptions& mon = spec.monitor;
  std::optional<Millis> every = mon.interval ? mon.interval : cf.resource_monitor;
  if (!every || every->count() == 0) return;
  Millis timeout = mon.timeout                      ? *mon.timeout
                   : cf.resource_monitor_timeout ? *cf.resource_monitor_timeout
                                                  : cf.resource_status_timeout;
  p.ops.push_back({"monitor", ms(*every), ms(timeout)});
  if (mon.check)
    f.warn(Mapping::changed, spec.where, spec.text + " [check=" + mon.check->text + "]",
           "Pacemaker monitors with the agent's own monitor action, not twinbeat's built-in "
           "check");
}

void add_group(const config::GroupSpec& g, const std::vector<resources::Agent>& agents,
               const config::ConfigSet& cfg, const Options& o, Model& m, Findings& f) {
  Group group;
  group.id = m.unique_id("g-" + to_id(g.name));
  group.description = "twinbeat group " + g.name;
  for (size_t i = 0; i < agents.size() && i < g.resources.size(); ++i) {
    const resources::Agent& a = agents[i];
    Primitive p;
    p.id = m.unique_id("p-" + primitive_name(a));
    p.comment = a.where.file + ":" + std::to_string(a.where.line) + ": " + a.text;
    bool warm = false;
    if (a.kind == resources::AgentKind::vip)
      vip_primitive(a, cfg.ha_cf, p, f);
    else if (a.name == "haproxy")
      warm = haproxy_primitive(a, o, p, f);
    else if (!(a.name == "Filesystem" && filesystem_primitive(a, p, f)))
      script_primitive(a, p, m, f);
    add_ops(cfg.ha_cf, g.resources[i], p, f);
    if (!warm) {
      group.members.push_back(std::move(p));
      continue;
    }
    Clone c;
    c.id = m.unique_id("cl-" + p.id.substr(2));
    c.primitive = std::move(p);
    m.colocations.push_back({m.unique_id("c-" + group.id + "-with-" + c.id), "INFINITY",
                             group.id, c.id});
    m.orders.push_back({m.unique_id("o-" + c.id + "-then-" + group.id), "Mandatory", c.id,
                        group.id});
    m.clones.push_back(std::move(c));
  }
  if (group.members.empty()) {
    f.error(g.where, "group " + g.name +
                         ": nothing is left in it once warm haproxy becomes a clone; add its VIP");
    return;
  }
  m.locations.push_back({m.unique_id("l-" + group.id), group.id,
                         std::to_string(kPreferScore), g.preferred_node, ""});
  f.row(Mapping::same, g.where, "group " + g.name + " on " + g.preferred_node,
        "group " + group.id + " (ordered, colocated) with location " +
            std::to_string(kPreferScore) + ": " + g.preferred_node);
  m.groups.push_back(std::move(group));
}

void add_stickiness(const config::ConfigSet& cfg, const Options& o, Model& m, Findings& f) {
  const config::AutoFailback a = cfg.ha_cf.auto_failback;
  const SourceLoc where = ha_cf_loc(cfg.ha_cf, o, "auto_failback");
  const std::string what = std::string("auto_failback ") + config::to_string(a);
  if (a == config::AutoFailback::off) {
    m.rsc_defaults.push_back({"resource-stickiness", std::to_string(kStickiness)});
    f.row(Mapping::same, where, what,
          "rsc_defaults resource-stickiness=" + std::to_string(kStickiness) +
              " (above the preference of " + std::to_string(kPreferScore) +
              "): a group stays where it runs");
  } else {
    m.rsc_defaults.push_back({"resource-stickiness", "0"});
    f.row(Mapping::same, where, what,
          "rsc_defaults resource-stickiness=0: a group goes back to its preferred node when it "
          "returns");
  }
}

// Restart limits of resource monitoring: Pacemaker restarts a failed
// resource in place until migration-threshold failures, then moves it;
// failure-timeout forgets failures (the window, though counted from the
// last failure rather than sliding).
void add_restart_limits(const config::ConfigSet& cfg, const Options& o, Model& m,
                        Findings& f) {
  const config::HaCf& cf = cfg.ha_cf;
  bool any = cf.resource_monitor.has_value();
  for (const auto& g : cfg.haresources.groups)
    for (const auto& r : g.resources) any = any || (r.monitor.interval && r.monitor.interval->count());
  const SourceLoc where = ha_cf_loc(cf, o, "resource_monitor");
  if (!any) {
    f.row(Mapping::same, where, "resource monitoring off",
          "no recurring monitor operation: Pacemaker notices a resource failure only when an "
          "operation fails (add resource_monitor to have it recover resources)");
    return;
  }
  m.rsc_defaults.push_back({"migration-threshold", std::to_string(cf.resource_restarts + 1)});
  m.rsc_defaults.push_back({"failure-timeout", ms(cf.resource_restart_window)});
  f.row(Mapping::same, where,
        "resource_monitor" + (cf.resource_monitor ? " " + ms(*cf.resource_monitor) : std::string()),
        "op monitor on every monitored resource");
  f.row(Mapping::changed, ha_cf_loc(cf, o, "resource_restarts"),
        "resource_restarts " + std::to_string(cf.resource_restarts) + " within " +
            ms(cf.resource_restart_window),
        "migration-threshold=" + std::to_string(cf.resource_restarts + 1) +
            " failure-timeout=" + ms(cf.resource_restart_window) +
            " (failures expire together, counted from the last one)");
}

}  // namespace

void add_resources(const config::ConfigSet& cfg, const resources::GroupAgents& agents,
                   const Options& o, Model& m, Findings& f) {
  for (size_t i = 0; i < cfg.haresources.groups.size() && i < agents.size(); ++i)
    add_group(cfg.haresources.groups[i], agents[i], cfg, o, m, f);
  add_stickiness(cfg, o, m, f);
  add_restart_limits(cfg, o, m, f);
  const config::HaCf& cf = cfg.ha_cf;
  f.row(Mapping::same, ha_cf_loc(cf, o, "resource_start_timeout"),
        "resource_start_timeout " + ms(cf.resource_start_timeout) + ", resource_stop_timeout " +
            ms(cf.resource_stop_timeout),
        "op start/stop timeout on every resource");
}

}  // namespace twinbeat::exporter
