// export_pacemaker: the model built in order (resources, fencing, ping
// nodes), corosync.conf and its key, both renderings, and the report.
#include "twinbeat/export/pacemaker.h"

#include <algorithm>
#include <string>
#include <vector>

#include "model.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::exporter {

namespace {

// What twinbeat does that Pacemaker has no setting for.
void twinbeat_only_rows(const config::HaCf& cf, bool fencing, const Options& o, Findings& f) {
  const std::optional<Millis> lease = config::effective_vip_lease(cf);
  if (lease)
    f.row(Mapping::none, ha_cf_loc(cf, o, "vip_lease"), "vip_lease " + config::format_time(*lease),
          std::string("none: IPaddr2 adds a permanent address, so a hung or killed node keeps "
                      "its VIP until it is fenced") +
              (fencing ? "" : " (and nothing fences it)"));
  if (!cf.metrics_file.empty())
    f.row(Mapping::none, ha_cf_loc(cf, o, "metrics_file"), "metrics_file " + cf.metrics_file,
          "none: crm_mon --output-as=xml, or a Pacemaker exporter for Prometheus");
  for (const auto& d : cf.respawn)
    f.warn(Mapping::none, d.where, "respawn " + (d.args.size() > 1 ? d.args[1] : d.args[0]),
           "Pacemaker runs programs only as resources: make it one (ocf:heartbeat:anything, "
           "cloned to run on both nodes)");
  if (cf.watchdog)
    f.warn(Mapping::none, ha_cf_loc(cf, o, "watchdog"), "watchdog " + *cf.watchdog,
           "none in this export: Pacemaker's watchdog is sbd, set up on its own");
}

std::string read_key(const config::AuthKeys& keys) {
  if (keys.active_id < 0 || keys.active_id >= config::kMaxAuthKeys || !keys.keys[keys.active_id])
    return "";
  return keys.keys[keys.active_id]->secret;
}

// corosync's key: derived from the active authkeys secret, so an export on
// either node gives the same file and no new secret travels; random when
// authkeys has no secret (crc).
void make_key(const config::ConfigSet& cfg, const Options& o, Exported& out, Findings& f) {
  const std::string secret = read_key(cfg.authkeys);
  const config::AuthKey* active = cfg.authkeys.find(cfg.authkeys.active_id);
  const SourceLoc where = active ? active->where : SourceLoc{cfg.ha_cf.file, 0};
  if (!secret.empty()) out.authkey = derive_corosync_key(secret, o.cluster_name);
  if (!out.authkey.empty()) {
    out.authkey_derived = true;
    if (secret.size() < 32)
      f.warn(Mapping::same, where, "authkeys key " + std::to_string(cfg.authkeys.active_id),
             "corosync's authkey is derived from a secret of " + std::to_string(secret.size()) +
                 " characters and is no stronger than it (use openssl rand -hex 32)");
    else
      f.row(Mapping::same, where, "authkeys key " + std::to_string(cfg.authkeys.active_id),
            "corosync crypto aes256/sha256 with /etc/corosync/authkey derived from it "
            "(HKDF-SHA256): the same on both nodes");
    return;
  }
  if (o.random_bytes) out.authkey = o.random_bytes(256);
  if (out.authkey.size() != 256) {
    f.error(where, "cannot make corosync's key (no random source)");
    return;
  }
  f.warn(Mapping::changed, where, "authkeys crc (no secret)",
         "corosync's authkey is random: copy this one file to the other node");
}

}  // namespace

const char* to_string(Mapping m) {
  switch (m) {
    case Mapping::same: return "maps one to one";
    case Mapping::changed: return "changes meaning";
    case Mapping::none: return "has no equivalent";
  }
  return "?";
}

SourceLoc ha_cf_loc(const config::HaCf& cf, const Options& o, const std::string& directive) {
  auto it = o.ha_cf_lines.find(directive);
  return {cf.file, it == o.ha_cf_lines.end() ? 0 : it->second};
}

std::map<std::string, int> scan_directive_lines(std::string_view text) {
  std::map<std::string, int> lines;
  int line = 0;
  for (size_t pos = 0; pos <= text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    l = l.substr(0, l.find('#'));
    const auto words = config::split_ha_tokens(l);
    if (!words.empty()) lines[words[0]] = line;
  }
  return lines;
}

std::string render_report(const std::vector<ReportRow>& rows, const std::string& source) {
  std::string s = "twinbeat export pacemaker: what the configuration in " + source +
                  " became.\nEach line: FILE:LINE: what twinbeat had -> what Pacemaker and "
                  "corosync get.\n";
  for (Mapping m : {Mapping::same, Mapping::changed, Mapping::none}) {
    s += std::string("\n== ") + to_string(m) + "\n";
    for (const auto& r : rows) {
      if (r.mapping != m) continue;
      s += r.where.file + (r.where.line ? ":" + std::to_string(r.where.line) : " (default)") + ": " +
           r.twinbeat + " -> " + r.pacemaker + "\n";
    }
  }
  return s;
}

Parsed<Exported> export_pacemaker(const config::ConfigSet& cfg,
                                  const resources::GroupAgents& agents,
                                  const std::vector<config::FenceDevice>& fence_devices,
                                  const Options& options) {
  Parsed<Exported> result;
  Exported& out = result.value;
  Findings f;
  Model m;
  m.source = options.confdir;
  const config::HaCf& cf = cfg.ha_cf;
  if (cf.nodes.size() != 2) {
    f.error(cf.node_where, "export needs the two nodes of ha.cf");
    result.diagnostics = std::move(f.diagnostics);
    return result;
  }
  for (size_t i = 0; i < 2; ++i) m.nodes.emplace_back(static_cast<int>(i) + 1, cf.nodes[i]);
  add_resources(cfg, agents, options, m, f);
  add_fencing(cfg, fence_devices, options, m, f);
  add_ping_nodes(cfg, options, m, f);
  out.corosync_conf = corosync_conf(cfg, options, !fence_devices.empty(), f);
  make_key(cfg, options, out, f);
  twinbeat_only_rows(cf, !fence_devices.empty(), options, f);
  out.crmsh = render_crmsh(m);
  out.cib_xml = render_cib(m);
  if (m.needs_ocf_agent) out.ocf_agent = std::string(haresource_ocf_agent());
  out.rows = std::move(f.rows);
  out.report = render_report(out.rows, options.confdir);
  // In file and line order, as the parsers report.
  std::stable_sort(f.diagnostics.begin(), f.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return a.where.file != b.where.file ? a.where.file < b.where.file
                                                         : a.where.line < b.where.line;
                   });
  result.diagnostics = std::move(f.diagnostics);
  return result;
}

}  // namespace twinbeat::exporter
