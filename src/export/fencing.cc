// Fencing into Pacemaker: each device a stonith primitive banned from the
// node it fences, several devices for one node a fencing topology in file
// order, and twinbeat's "the holder wins the fence race" as
// priority-fencing-delay.
#include <map>
#include <string>
#include <vector>

#include "model.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::exporter {

namespace {

std::string ms(Millis d) { return config::format_time(d); }

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string device_text(const config::FenceDevice& d) {
  return "fence device " + d.type + " for " + d.target;
}

// The stonith agent Pacemaker runs, or "" (with an error) when none.
std::string stonith_type(const config::FenceDevice& d, Findings& f) {
  if (d.type == "external/libvirt") {
    f.row(Mapping::changed, d.where, device_text(d),
          "stonith:fence_twinbeat_libvirt (twinbeat's libvirt agent, a standard fence agent: "
          "install it in /usr/sbin on both nodes)");
    return "fence_twinbeat_libvirt";
  }
  std::string type = base_name(d.type);
  if (d.type.find('/') != std::string::npos) {
    if (type.rfind("fence_", 0) != 0) {
      f.error(d.where, device_text(d) + ": Pacemaker runs fence agents named fence_* from "
                                          "/usr/sbin only; '" + d.type + "' is neither");
      return "";
    }
    f.warn(Mapping::changed, d.where, device_text(d),
           "stonith:" + type + ": Pacemaker runs fence agents from /usr/sbin only; install " +
               d.type + " there");
    return type;
  }
  if (type.rfind("fence_", 0) != 0) {
    f.error(d.where, device_text(d) + ": '" + type +
                         "' is not a fence agent (fence_*) Pacemaker can run as stonith:" + type);
    return "";
  }
  return type;
}

}  // namespace

Parsed<std::vector<config::FenceDevice>> devices_for_both_nodes(const config::HaCf& cf,
                                                                const config::FenceLookup& lookup) {
  Parsed<std::vector<config::FenceDevice>> out;
  if (cf.nodes.size() != 2) return out;
  for (int i = 0; i < 2; ++i) {
    // The devices node[1-i] uses against node[i].
    auto d = config::fence_devices(cf, cf.nodes[1 - i], cf.nodes[i], lookup);
    for (auto& dev : d.value) out.value.push_back(std::move(dev));
    for (auto& diag : d.diagnostics) {
      // A line both directions read reports its problem twice: once is enough.
      bool seen = false;
      for (const auto& o : out.diagnostics)
        seen = seen || (o.where.file == diag.where.file && o.where.line == diag.where.line &&
                        o.message == diag.message);
      if (!seen) out.diagnostics.push_back(std::move(diag));
    }
  }
  return out;
}

void add_fencing(const config::ConfigSet& cfg, const std::vector<config::FenceDevice>& devices,
                 const Options& o, Model& m, Findings& f) {
  const config::HaCf& cf = cfg.ha_cf;
  if (devices.empty()) {
    m.properties.push_back({"stonith-enabled", "false"});
    f.warn(Mapping::changed, {cf.file, 0}, "no fence device (stonith_host, stonith)",
           "stonith-enabled=false: Pacemaker then takes over from a node it cannot confirm "
           "dead, and has no VIP lease to make a hung node let go (not supported for "
           "production by the distributions; configure a fence device)");
    return;
  }
  m.properties.push_back({"stonith-enabled", "true"});
  bool any_reboot = false;
  for (const auto& d : devices) any_reboot = any_reboot || d.action == "reboot";
  // twinbeat's action is per device; Pacemaker's is one property, which
  // pcmk_reboot_action refines per device.
  m.properties.push_back({"stonith-action", any_reboot ? "reboot" : "off"});
  std::map<std::string, int> per_target;
  for (const auto& d : devices) {
    const std::string type = stonith_type(d, f);
    if (type.empty()) continue;
    Primitive p;
    p.id = m.unique_id("st-" + to_id(d.target));
    p.cls = "stonith";
    p.type = type;
    p.comment = d.where.file + ":" + std::to_string(d.where.line) + ": fences " + d.target;
    // Pacemaker passes the target to the agent itself (as plug or port,
    // whichever its meta-data names); pcmk_host_map says what to call it. A
    // static port= beside it would reach fence_xvm with a second plug=.
    p.params.push_back({"pcmk_host_list", d.target});
    p.params.push_back({"pcmk_host_map", d.target + ":" + d.port});
    for (const auto& [k, v] : d.params) p.params.push_back({k, v});
    if (d.delay.count() > 0) p.params.push_back({"pcmk_delay_base", ms(d.delay)});
    if (any_reboot && d.action == "off") p.params.push_back({"pcmk_reboot_action", "off"});
    p.params.push_back({d.action == "off" ? "pcmk_off_timeout" : "pcmk_reboot_timeout",
                        ms(d.timeout)});
    p.params.push_back({d.action == "off" ? "pcmk_off_retries" : "pcmk_reboot_retries",
                        std::to_string(cf.fence_attempts)});
    // twinbeat checks each device at start and hourly.
    p.ops.push_back({"monitor", "3600s", "60s"});
    m.locations.push_back({m.unique_id("l-" + p.id), p.id, "-INFINITY", d.target, ""});
    m.fencing_levels.push_back({d.target, ++per_target[d.target], p.id});
    f.row(Mapping::same, d.where, device_text(d) + " (port " + d.port + ", " + d.action + ")",
          "stonith:" + type + " " + p.id + " with pcmk_host_list=" + d.target +
              " and pcmk_host_map=" + d.target + ":" + d.port + " (the agent gets port " +
              d.port + "), never run on " + d.target);
    m.primitives.push_back(std::move(p));
  }
  // One device per node needs no topology: Pacemaker finds it by host list.
  bool several = false;
  for (const auto& [target, n] : per_target) several = several || n > 1;
  if (!several) m.fencing_levels.clear();
  else
    f.row(Mapping::same, {cf.file, 0}, "several fence devices for one node, tried in file order",
          "fencing_topology: one level per device, in the same order");
  f.row(Mapping::changed, ha_cf_loc(cf, o, "fence_attempts"),
        "fence_attempts " + std::to_string(cf.fence_attempts),
        "pcmk_off_retries/pcmk_reboot_retries: retries within the device's timeout, no backoff; "
        "Pacemaker then keeps trying, where twinbeat gave up and stayed passive");

  const SourceLoc delay_where = ha_cf_loc(cf, o, "fence_delay");
  if (cf.fence_delay.count() > 0) {
    m.properties.push_back({"priority-fencing-delay", ms(cf.fence_delay)});
    f.row(Mapping::same, delay_where, "fence_delay " + ms(cf.fence_delay) + " (the holder wins)",
          "priority-fencing-delay=" + ms(cf.fence_delay) +
              " with priority=1 on every group: fencing the node that runs the groups waits, "
              "so the holder shoots first (when both hold groups, the one running more "
              "resources wins)");
    for (auto& g : m.groups) g.meta.push_back({"priority", "1"});
  } else {
    f.row(Mapping::same, delay_where, "fence_delay 0", "no priority-fencing-delay: both shoot at once");
  }
}

}  // namespace twinbeat::exporter
