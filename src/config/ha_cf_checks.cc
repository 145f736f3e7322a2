// ha.cf after its last line: Heartbeat's derived defaults, the relations
// between timings, and the checks against the host it runs on.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "ha_cf_parse.h"
#include "twinbeat/config/ha_cf.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::config {

using detail::HaCfParse;

namespace {

// Heartbeat's init_config(): warntime deadtime/2; initdead deadtime above
// 10 s, 12 s below 6 s, else twice deadtime.
void apply_defaults(HaCfParse& p) {
  HaCf& cf = p.cf;
  if (p.line_of("warntime") == 0) cf.warntime = cf.deadtime / 2;
  if (p.line_of("initdead") == 0) {
    if (cf.deadtime > Millis{10000})
      cf.initdead = cf.deadtime;
    else if (cf.deadtime < Millis{6000})
      cf.initdead = Millis{12000};
    else
      cf.initdead = 2 * cf.deadtime;
  }
  for (LinkSpec& link : cf.links)
    if (link.kind != LinkKind::mcast) link.port = cf.udpport;
  cf.keepalive_where = {cf.file, p.line_of("keepalive")};
  cf.deadtime_where = {cf.file, p.line_of("deadtime")};
  cf.warntime_where = {cf.file, p.line_of("warntime")};
  cf.initdead_where = {cf.file, p.line_of("initdead")};
}

// The line to blame for a relation between two values: the first one's if
// the file sets it, else the other's (0 when both are defaults).
int blame(const HaCfParse& p, std::string_view first, std::string_view other) {
  const int line = p.line_of(first);
  return line != 0 ? line : p.line_of(other);
}

std::string t(Millis d) { return format_time(d); }

void check_deadtime(HaCfParse& p) {
  if (p.has_failed("deadtime") || p.has_failed("keepalive")) return;
  const HaCf& cf = p.cf;
  const int line = blame(p, "deadtime", "keepalive");
  if (cf.deadtime < 2 * cf.keepalive)
    p.sink.error(line, "deadtime (" + t(cf.deadtime) + ") must be at least 2 x keepalive (" +
                           t(cf.keepalive) + "); 4 x or more is recommended");
  else if (cf.deadtime < 4 * cf.keepalive)
    p.sink.warning(line, "deadtime (" + t(cf.deadtime) + ") is less than 4 x keepalive (" +
                             t(cf.keepalive) +
                             "); a short network hiccup can cause a false failover");
}

void check_warntime(HaCfParse& p) {
  // A default warntime is deadtime/2: nothing to check that deadtime's
  // check does not already say.
  if (p.line_of("warntime") == 0 || p.has_failed("warntime")) return;
  const HaCf& cf = p.cf;
  const int line = p.line_of("warntime");
  if (!p.has_failed("deadtime") && cf.warntime >= cf.deadtime)
    p.sink.error(line, "warntime (" + t(cf.warntime) + ") must be less than deadtime (" +
                           t(cf.deadtime) + ")");
  else if (!p.has_failed("keepalive") && cf.warntime <= cf.keepalive)
    p.sink.warning(line, "warntime (" + t(cf.warntime) + ") is not more than keepalive (" +
                             t(cf.keepalive) + "); every heartbeat would be reported late");
}

void check_initdead_and_deadping(HaCfParse& p) {
  const HaCf& cf = p.cf;
  // A default initdead is never below deadtime.
  if (p.line_of("initdead") != 0 && !p.has_failed("initdead") && !p.has_failed("deadtime") &&
      cf.initdead < cf.deadtime)
    p.sink.error(p.line_of("initdead"), "initdead (" + t(cf.initdead) +
                                            ") must be at least deadtime (" + t(cf.deadtime) + ")");
  if (cf.deadping && !p.has_failed("deadping") && !p.has_failed("keepalive") &&
      *cf.deadping <= 2 * cf.keepalive)
    p.sink.error(p.line_of("deadping"), "deadping (" + t(*cf.deadping) +
                                            ") must be more than 2 x keepalive (" +
                                            t(cf.keepalive) + ")");
}

void check_nodes_and_media(HaCfParse& p) {
  const HaCf& cf = p.cf;
  if (!p.node_failed && cf.nodes.size() != 2)
    p.sink.error(cf.node_where.line,
                 "exactly two nodes are needed, found " + std::to_string(cf.nodes.size()));
  if (!p.media_failed && cf.links.empty())
    p.sink.error(0, "no heartbeat media (ucast, mcast or bcast)");
}

std::string node_list(const std::vector<std::string>& nodes) {
  std::string out;
  for (const std::string& n : nodes) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

namespace detail {

// Heartbeat warns about legacy (three lines, even as the default); here an
// explicit 'legacy' is warned, and legacy means 'on'.
void check_auto_failback(HaCfParse& p) {
  if (p.cf.auto_failback != AutoFailback::legacy || p.line_of("auto_failback") == 0) return;
  p.sink.warning(p.line_of("auto_failback"),
                 "auto_failback legacy (Heartbeat's default) works as 'on' here; write "
                 "'auto_failback on' or 'auto_failback off'");
}

void finish_ha_cf(HaCfParse& p) {
  apply_defaults(p);
  check_auto_failback(p);
  check_deadtime(p);
  check_warntime(p);
  check_initdead_and_deadping(p);
  check_nodes_and_media(p);
  check_ping_nodes(p);
}

}  // namespace detail

void validate_ha_cf_for_host(const HaCf& cf, const std::string& node_name,
                             const std::function<bool(const std::string&)>& interface_exists,
                             std::vector<Diagnostic>& out) {
  const std::string me = to_lower(node_name);
  bool listed = false;
  for (const std::string& n : cf.nodes) listed = listed || n == me;
  if (!listed && !cf.nodes.empty())  // no nodes at all is reported by the parser
    out.push_back({Severity::error,
                   {cf.file, cf.node_where.line},
                   "this node '" + me + "' is not among the nodes (" + node_list(cf.nodes) +
                       "); set --node or fix 'node'"});

  if (!interface_exists) return;
  std::set<std::pair<std::string, int>> reported;
  for (const LinkSpec& link : cf.links) {
    if (interface_exists(link.interface)) continue;
    if (!reported.insert({link.interface, link.where.line}).second) continue;
    out.push_back(
        {Severity::error, link.where, "interface '" + link.interface + "' does not exist"});
  }
}

std::optional<Millis> effective_vip_lease(const HaCf& cf) {
  if (cf.vip_lease_off) return std::nullopt;
  if (cf.vip_lease) return cf.vip_lease;
  const Millis derived = std::chrono::duration_cast<std::chrono::seconds>(cf.deadtime - Millis{1500});
  return std::max(derived, Millis{2000});
}

std::string peer_of(const HaCf& cf, const std::string& self) {
  const std::string me = to_lower(self);
  for (const std::string& node : cf.nodes)
    if (node != me) return node;
  return "";
}

}  // namespace twinbeat::config
