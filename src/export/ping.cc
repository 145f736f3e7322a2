// Ping nodes into Pacemaker: one ocf:pacemaker:ping clone sets the node
// attribute `pingd` (reachable targets x multiplier) on both nodes, and each
// group prefers the node that reaches more of them. As in twinbeat, a node
// that loses its ping nodes while the peer still reaches them hands its
// groups over; when both lose them, nothing moves.
#include <algorithm>
#include <string>
#include <vector>

#include "model.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::exporter {

namespace {

// The score of one reachable target must outweigh what keeps a group in
// place: the largest group's stickiness plus its location preference.
int multiplier_for(const Model& m) {
  int stickiness = 0;
  for (const auto& nv : m.rsc_defaults)
    if (nv.name == "resource-stickiness") stickiness = std::stoi(nv.value);
  size_t largest = 1;
  for (const auto& g : m.groups) largest = std::max(largest, g.members.size());
  const int needed = stickiness * static_cast<int>(largest) + 100 + 1;
  return (needed + 999) / 1000 * 1000;
}

}  // namespace

void add_ping_nodes(const config::ConfigSet& cfg, const Options& o, Model& m, Findings& f) {
  const config::HaCf& cf = cfg.ha_cf;
  if (cf.ping_nodes.empty()) return;
  std::vector<std::string> hosts;
  for (const auto& n : cf.ping_nodes) {
    hosts.insert(hosts.end(), n.addresses.begin(), n.addresses.end());
    if (!n.group) {
      f.row(Mapping::same, n.where, "ping " + n.name, "host_list of ocf:pacemaker:ping");
      continue;
    }
    f.warn(Mapping::changed, n.where, "ping_group " + n.name,
           "its members join ocf:pacemaker:ping's host_list, which counts each one that "
           "answers, where a ping group counted as one node reachable when any member answered");
  }
  Primitive p;
  p.id = m.unique_id("p-ping");
  p.cls = "ocf";
  p.provider = "pacemaker";
  p.type = "ping";
  std::string list;
  for (const auto& h : hosts) list += (list.empty() ? "" : " ") + h;
  p.params.push_back({"host_list", list});
  const int multiplier = multiplier_for(m);
  p.params.push_back({"multiplier", std::to_string(multiplier)});
  const Millis deadping = config::effective_deadping(cf);
  p.params.push_back({"dampen", config::format_time(deadping)});
  f.row(Mapping::changed, ha_cf_loc(cf, o, "deadping"), "deadping " + config::format_time(deadping),
        "ping's dampen: the node attribute changes that long after the answers changed, on top "
        "of the 10s monitor");
  p.ops.push_back({"monitor", "10s", "60s"});
  Clone c;
  c.id = m.unique_id("cl-ping");
  c.primitive = std::move(p);
  for (const auto& g : m.groups)
    m.locations.push_back({m.unique_id("l-" + g.id + "-ping"), g.id, "", "", "pingd"});
  f.row(Mapping::same, {cf.file, 0}, "ping nodes decide where groups run",
        "clone " + c.id + " of ocf:pacemaker:ping (multiplier " + std::to_string(multiplier) +
            ", above stickiness and preference) and a location rule 'pingd: defined pingd' "
            "per group");
  m.clones.push_back(std::move(c));
}

}  // namespace twinbeat::exporter
