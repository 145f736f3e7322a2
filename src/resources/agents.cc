// Resolving haresources resources to agents, and reading status answers.
#include "twinbeat/resources/agents.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace twinbeat::resources {

namespace {

bool builtin_vip(std::string_view name) { return name == "IPaddr" || name == "IPaddr2"; }

void resolve_one(const config::ResourceSpec& r, const Lookup& lookup, Agent& a,
                 DiagnosticSink& sink) {
  a.name = r.agent;
  a.text = r.text;
  a.args = r.args;
  a.where = r.where;
  a.monitor = r.monitor;
  if (builtin_vip(r.agent)) {
    a.kind = AgentKind::vip;
    // One argument, whatever '::' it holds: a compressed IPv6 address
    // (IPaddr2::2001:db8::10/64) would otherwise split into several.
    std::string arg;
    for (size_t i = 0; i < r.args.size(); ++i) arg += (i ? "::" : "") + r.args[i];
    a.args = {arg};
    if (arg.empty()) return sink.error(r.where.line, r.agent + " needs ip[/prefix[/iface]]");
    auto spec = net::parse_vip(arg);
    if (!spec) return sink.error(r.where.line, r.agent + ": " + spec.error().message);
    a.vip = *spec;
    return;
  }
  const std::string in_resource_d = lookup.resource_dir + "/" + r.agent;
  const std::string in_init_d = lookup.init_dir + "/" + r.agent;
  if (lookup.executable && lookup.executable(in_resource_d)) {
    a.kind = AgentKind::resource_d;
    a.path = in_resource_d;
  } else if (lookup.executable && lookup.executable(in_init_d)) {
    a.kind = AgentKind::init_d;
    a.path = in_init_d;
  } else {
    sink.error(r.where.line, "no resource script '" + r.agent + "' in " + lookup.resource_dir +
                                 " or " + lookup.init_dir);
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Heartbeat's `*[Nn][Oo][Tt]\ *[Rr]unning*`: "not", spaces, "running".
bool says_not_running(const std::string& low) {
  for (size_t pos = low.find("not"); pos != std::string::npos; pos = low.find("not", pos + 1)) {
    size_t i = pos + 3;
    while (i < low.size() && low[i] == ' ') ++i;
    if (low.compare(i, 7, "running") == 0) return true;
  }
  return false;
}

Status by_lsb_code(int code) {
  if (code == 0) return Status::running;
  if (code >= 1 && code <= 3) return Status::stopped;
  return Status::error;
}

}  // namespace

const char* to_string(AgentKind k) {
  switch (k) {
    case AgentKind::vip: return "built-in";
    case AgentKind::resource_d: return "resource.d";
    case AgentKind::init_d: return "init.d";
  }
  return "?";
}

const char* to_string(Status s) {
  switch (s) {
    case Status::running: return "running";
    case Status::stopped: return "stopped";
    case Status::error: return "error";
  }
  return "?";
}

Lookup system_lookup(const std::string& confdir) {
  Lookup l;
  l.resource_dir = confdir + "/resource.d";
  l.executable = [](const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
  };
  return l;
}

Parsed<GroupAgents> resolve_agents(const config::HaResources& res, const Lookup& lookup) {
  Parsed<GroupAgents> out;
  DiagnosticSink sink(res.file);
  for (const auto& g : res.groups) {
    std::vector<Agent> agents(g.resources.size());
    for (size_t i = 0; i < g.resources.size(); ++i) resolve_one(g.resources[i], lookup, agents[i], sink);
    out.value.push_back(std::move(agents));
  }
  out.diagnostics = sink.take();
  return out;
}

Status interpret_status(AgentKind kind, int exit_code, std::string_view output) {
  if (kind != AgentKind::resource_d) return by_lsb_code(exit_code);
  const std::string low = lower(output);
  if (says_not_running(low)) return Status::stopped;
  if (low.find("running") != std::string::npos || output.find("OK") != std::string_view::npos)
    return Status::running;
  const bool silent = std::all_of(output.begin(), output.end(),
                                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  return silent ? by_lsb_code(exit_code) : Status::stopped;
}

std::vector<std::string> script_argv(const Agent& a, core::Op op) {
  std::vector<std::string> argv{a.path};
  argv.insert(argv.end(), a.args.begin(), a.args.end());
  // A monitor is the script's status, asked of a resource held here.
  argv.emplace_back(core::to_string(op == core::Op::monitor ? core::Op::status : op));
  return argv;
}

}  // namespace twinbeat::resources
