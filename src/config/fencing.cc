// Fence devices from stonith_host lines and stonith INI files (inih).
#include "twinbeat/config/fencing.h"

#include <ini.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>

#include "twinbeat/config/tokens.h"

namespace twinbeat::config {

namespace {

bool valid_key(std::string_view k) {
  if (k.empty() || !(k[0] >= 'a' && k[0] <= 'z')) return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Applies one key=value to a device; false (with `why`) if its value is bad.
// twinbeat's own keys are read; any other key goes to the agent as written.
bool apply(FenceDevice& dev, const std::string& key, const std::string& value, std::string& why) {
  if (key == "port" || key == "plug") {
    dev.port = value;
  } else if (key == "action") {
    if (value != "off" && value != "reboot") {
      why = "action '" + value + "' must be off or reboot";
      return false;
    }
    dev.action = value;
  } else if (key == "delay" || key == "timeout") {
    const auto t = parse_time(value);
    if (!t || (key == "timeout" && t->count() == 0)) {
      why = key + " '" + value + "' is not a time";
      return false;
    }
    (key == "delay" ? dev.delay : dev.timeout) = *t;
  } else if (key == "agent") {
    dev.type = value;
  } else {
    dev.params.emplace_back(key == "hypervisor_uri" ? "uri" : key, value);
  }
  return true;
}

// Resolves dev.type to a program; false if it cannot be found.
bool resolve_agent(FenceDevice& dev, const FenceLookup& lookup, std::string& why) {
  if (dev.type == "external/libvirt") {
    dev.agent = lookup.libvirt_agent;
    return true;
  }
  if (!dev.type.empty() && dev.type[0] == '/') {
    dev.agent = dev.type;
    return true;
  }
  dev.agent = lookup.find_agent ? lookup.find_agent(dev.type) : "";
  if (dev.agent.empty()) why = "fence agent '" + dev.type + "' not found in PATH or /usr/sbin";
  return !dev.agent.empty();
}

// Heartbeat's external/libvirt: `hostlist hypervisor_uri [reboot_method]`,
// hostlist "node[:domain],node[:domain]".
bool libvirt_positional(FenceDevice& dev, const std::vector<std::string>& params,
                        const std::string& peer, std::string& why) {
  if (params.size() < 2 || params.size() > 3) {
    why = "external/libvirt takes: hostlist hypervisor_uri [reboot_method]";
    return false;
  }
  bool found = false;
  for (const std::string& entry : split_ha_tokens(params[0])) {
    const size_t colon = entry.find(':');
    if (to_lower(entry.substr(0, colon)) != peer) continue;
    found = true;
    dev.port = colon == std::string::npos ? peer : entry.substr(colon + 1);
  }
  if (!found) {
    why = "external/libvirt hostlist '" + params[0] + "' does not list " + peer;
    return false;
  }
  dev.params.emplace_back("uri", params[1]);
  if (params.size() == 3) dev.action = "reboot";
  return true;
}

void from_stonith_host(const RawDirective& d, const std::string& self, const std::string& peer,
                       const FenceLookup& lookup, DiagnosticSink& sink,
                       std::vector<FenceDevice>& out) {
  const int line = d.where.line;
  if (d.args.size() < 2) return sink.error(line, "stonith_host takes FROMHOST|* TYPE PARAMS...");
  const std::string from = to_lower(d.args[0]);
  if (from != "*" && from != self) return;  // a line for the other node
  FenceDevice dev;
  dev.type = d.args[1];
  dev.target = peer;
  dev.port = peer;
  dev.where = d.where;
  const std::vector<std::string> params(d.args.begin() + 2, d.args.end());
  std::string why;
  if (dev.type == "external/libvirt") {
    if (!libvirt_positional(dev, params, peer, why)) return sink.error(line, "stonith_host: " + why);
  } else {
    for (const std::string& p : params) {
      const size_t eq = p.find('=');
      if (eq == std::string::npos || !valid_key(p.substr(0, eq)))
        return sink.error(line, "stonith_host: '" + p + "' is not key=value");
      if (!apply(dev, p.substr(0, eq), p.substr(eq + 1), why))
        return sink.error(line, "stonith_host: " + why);
    }
  }
  if (!resolve_agent(dev, lookup, why)) return sink.error(line, "stonith_host: " + why);
  out.push_back(std::move(dev));
}

// One INI file: sections are nodes, keys as in apply(). inih gives no line
// numbers to its handler, so the reader feeds it line by line and counts.
struct IniRead {
  const char* text;
  int line = 0;
  int header_line = 0;  // of the last [section] read
  std::map<std::string, FenceDevice> sections;  // by node
  std::map<std::string, int> agent_line;  // where each section's agent was named
  const std::vector<std::string>* nodes = nullptr;
  std::string default_type;
  DiagnosticSink* sink = nullptr;
};

char* ini_next_line(char* str, int num, void* stream) {
  auto* r = static_cast<IniRead*>(stream);
  if (*r->text == '\0') return nullptr;
  const char* nl = std::strchr(r->text, '\n');
  size_t len = nl ? static_cast<size_t>(nl - r->text) + 1 : std::strlen(r->text);
  if (len > static_cast<size_t>(num - 1)) len = static_cast<size_t>(num - 1);
  std::memcpy(str, r->text, len);
  str[len] = '\0';
  r->text += len;
  ++r->line;
  const char* first = str + std::strspn(str, " \t");
  if (*first == '[') r->header_line = r->line;
  return str;
}

int ini_entry(void* user, const char* section, const char* name, const char* value) {
  auto* r = static_cast<IniRead*>(user);
  const std::string node = to_lower(section);
  bool known = false;
  for (const auto& n : *r->nodes) known = known || n == node;
  if (!known) {
    r->sink->error(r->line, "[" + std::string(section) + "] is not a node in ha.cf");
    return 1;
  }
  auto [it, fresh] = r->sections.try_emplace(node);
  FenceDevice& dev = it->second;
  if (fresh) {
    dev.type = r->default_type;
    dev.target = node;
    dev.port = node;
    dev.where = {r->sink->file(), r->header_line};
    r->agent_line[node] = r->header_line;
  }
  if (std::string_view(name) == "agent") r->agent_line[node] = r->line;
  std::string why;
  if (!valid_key(name))
    r->sink->error(r->line, "'" + std::string(name) + "' is not a valid key");
  else if (!apply(dev, name, value, why))
    r->sink->error(r->line, why);
  return 1;
}

void from_stonith_file(const RawDirective& d, const HaCf& cf, const std::string& peer,
                       const FenceLookup& lookup, DiagnosticSink& ha_sink,
                       std::vector<FenceDevice>& out, std::vector<Diagnostic>& diags) {
  const int line = d.where.line;
  if (d.args.size() != 2) return ha_sink.error(line, "stonith takes TYPE FILE");
  std::string text;
  if (!lookup.read_file || !lookup.read_file(d.args[1], text))
    return ha_sink.error(line, "stonith: cannot read " + d.args[1]);
  DiagnosticSink sink(d.args[1]);
  IniRead r;
  r.text = text.c_str();
  r.nodes = &cf.nodes;
  r.default_type = d.args[0];
  r.sink = &sink;
  const int bad = ini_parse_stream(ini_next_line, &r, ini_entry, &r);
  if (bad > 0) sink.error(bad, "not an INI line (key = value, or [node])");
  auto it = r.sections.find(peer);
  if (it == r.sections.end()) {
    sink.error(0, "no [" + peer + "] section: nothing would fence " + peer);
  } else {
    std::string why;
    if (!resolve_agent(it->second, lookup, why)) sink.error(r.agent_line[peer], why);
    else out.push_back(std::move(it->second));
  }
  for (auto& diag : sink.take()) diags.push_back(std::move(diag));
}

}  // namespace

Parsed<std::vector<FenceDevice>> fence_devices(const HaCf& cf, const std::string& self,
                                               const std::string& peer,
                                               const FenceLookup& lookup) {
  Parsed<std::vector<FenceDevice>> result;
  DiagnosticSink sink(cf.file);
  // In file order across both directives.
  std::vector<std::pair<const RawDirective*, bool>> all;
  for (const auto& d : cf.stonith_host) all.emplace_back(&d, true);
  for (const auto& d : cf.stonith) all.emplace_back(&d, false);
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first->where.line < b.first->where.line;
  });
  for (const auto& [d, is_host] : all) {
    if (is_host)
      from_stonith_host(*d, to_lower(self), peer, lookup, sink, result.value);
    else
      from_stonith_file(*d, cf, peer, lookup, sink, result.value, result.diagnostics);
  }
  for (auto& diag : sink.take()) result.diagnostics.push_back(std::move(diag));
  return result;
}

}  // namespace twinbeat::config
