// The Pacemaker configuration an export builds, before it is written as
// crmsh or CIB XML: one model, two renderers, so both formats say the same.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "twinbeat/config/load.h"
#include "twinbeat/diagnostic.h"
#include "twinbeat/export/pacemaker.h"
#include "twinbeat/resources/agents.h"

namespace twinbeat::exporter {

struct Nvpair {
  std::string name, value;
};

struct Operation {
  std::string name;      // start, stop, monitor
  std::string interval;  // "0s" for start/stop
  std::string timeout;
};

struct Primitive {
  std::string id;
  std::string cls, provider, type;  // "ocf", "heartbeat", "IPaddr2"
  std::vector<Nvpair> params, meta;
  std::vector<Operation> ops;
  std::string comment;  // where it came from, for the crmsh script
};

struct Group {
  std::string id;
  std::string description;  // the twinbeat group's name
  std::vector<Primitive> members;
  std::vector<Nvpair> meta;
};

struct Clone {
  std::string id;
  Primitive primitive;
  std::vector<Nvpair> meta;
};

// Either a node preference (`score` on `node`) or a rule whose score is a
// node attribute (score-attribute ATTR, defined ATTR).
struct Location {
  std::string id, rsc;
  std::string score;  // "100", "-INFINITY"
  std::string node;
  std::string score_attribute;  // a rule when not empty
};

struct Colocation {
  std::string id, score, rsc, with_rsc;
};

struct Order {
  std::string id, kind, first, then;
};

struct FencingLevel {
  std::string target;
  int index = 1;
  std::string device;
};

struct Model {
  std::string source;  // the configuration directory
  std::vector<std::pair<int, std::string>> nodes;  // corosync nodeid, name
  std::vector<Nvpair> properties;
  std::vector<Nvpair> rsc_defaults;
  std::vector<Primitive> primitives;  // outside groups and clones (stonith)
  std::vector<Group> groups;
  std::vector<Clone> clones;
  std::vector<Location> locations;
  std::vector<Colocation> colocations;
  std::vector<Order> orders;
  std::vector<FencingLevel> fencing_levels;
  bool needs_ocf_agent = false;  // some primitive is ocf:twinbeat:haresource
  std::set<std::string> ids;     // every id given out so far

  // A unique id: `base`, or base-2, base-3... when taken.
  std::string unique_id(const std::string& base) {
    std::string id = base;
    for (int n = 2; !ids.insert(id).second; ++n) id = base + "-" + std::to_string(n);
    return id;
  }
};

// Collects the report and the diagnostics while the model is built.
struct Findings {
  std::vector<ReportRow> rows;
  std::vector<Diagnostic> diagnostics;

  void row(Mapping m, SourceLoc where, std::string twinbeat, std::string pacemaker) {
    rows.push_back({m, std::move(where), std::move(twinbeat), std::move(pacemaker)});
  }
  // A row that is also a warning: the meaning changes in a way that matters.
  void warn(Mapping m, SourceLoc where, std::string twinbeat, std::string pacemaker) {
    diagnostics.push_back({Severity::warning, where, twinbeat + ": " + pacemaker});
    row(m, std::move(where), std::move(twinbeat), std::move(pacemaker));
  }
  void error(SourceLoc where, std::string message) {
    diagnostics.push_back({Severity::error, std::move(where), std::move(message)});
  }
};

// Where a ha.cf directive was set (line 0, the whole file, when it keeps
// its default).
SourceLoc ha_cf_loc(const config::HaCf& cf, const Options& o, const std::string& directive);

// Resources: haresources groups into groups, clones and constraints.
void add_resources(const config::ConfigSet& cfg, const resources::GroupAgents& agents,
                   const Options& o, Model& m, Findings& f);

// Fencing: devices into stonith primitives, bans, levels and properties.
void add_fencing(const config::ConfigSet& cfg, const std::vector<config::FenceDevice>& devices,
                 const Options& o, Model& m, Findings& f);

// Ping nodes: an ocf:pacemaker:ping clone and a location rule per group.
void add_ping_nodes(const config::ConfigSet& cfg, const Options& o, Model& m, Findings& f);

// corosync.conf for the two nodes; errors when a link's addresses cannot be told.
// `fencing`: some fence device is configured (wait_for_all defaults on).
std::string corosync_conf(const config::ConfigSet& cfg, const Options& o, bool fencing,
                          Findings& f);

std::string render_crmsh(const Model& m);
std::string render_cib(const Model& m);
std::string render_report(const std::vector<ReportRow>& rows, const std::string& source);

}  // namespace twinbeat::exporter
