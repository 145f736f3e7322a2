// Resource agents: what each haresources resource is, how it is run, and how
// its status answer reads.
//
// - `IPaddr` and `IPaddr2` are built in: the daemon adds and removes the
//   address itself through netlink (net::VipManager); a bare IP in
//   haresources means IPaddr, as in Heartbeat.
// - Anything else is a script, looked up as Heartbeat does: CONFDIR/resource.d/
//   NAME first, then /etc/init.d/NAME; it must be a regular executable file.
//   It is called as `SCRIPT [args...] start|stop|status`.
//
// Status rule (documented in the README and haresources(5)):
// - init.d scripts follow LSB: exit 0 running, 1, 2 or 3 stopped, anything
//   else (4 "unknown", a crash, a timeout) is an error.
// - resource.d scripts keep Heartbeat's rule, which reads the output first:
//   output containing "not running" (any case, spaces allowed between) means
//   stopped; else containing "running" (any case) or "OK" means running;
//   else, if there is any output, stopped. A script that prints nothing is
//   read by its LSB exit code as above.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/config/haresources.h"
#include "twinbeat/core/ownership.h"
#include "twinbeat/diagnostic.h"
#include "twinbeat/net/vip.h"

namespace twinbeat::resources {

enum class AgentKind { vip, resource_d, init_d };
const char* to_string(AgentKind k);

struct Agent {
  AgentKind kind = AgentKind::resource_d;
  std::string name;  // "IPaddr2", "haproxy"
  std::string text;  // as written in haresources
  std::string path;  // the script (resource_d, init_d)
  std::vector<std::string> args;
  std::optional<net::VipSpec> vip;  // kind == vip
  config::MonitorOptions monitor;   // the haresources [brackets]
  SourceLoc where;
};

// Agents of each group, in haresources order: agents[group][resource].
using GroupAgents = std::vector<std::vector<Agent>>;

struct Lookup {
  std::string resource_dir;  // CONFDIR/resource.d
  std::string init_dir = "/etc/init.d";
  // True if `path` is a regular file we may execute.
  std::function<bool(const std::string& path)> executable;
};

// The lookup of this host: CONFDIR/resource.d, /etc/init.d, regular files
// with the execute bit for us.
Lookup system_lookup(const std::string& confdir);

// Resolves every resource. Errors carry the haresources line:
// "haresources:3: no resource script 'haproy' in /etc/ha.d/resource.d or /etc/init.d",
// "haresources:2: IPaddr2: prefix 33 is out of range",
// "haresources:2: IPaddr2 takes one argument (ip/prefix/iface), got 2".
Parsed<GroupAgents> resolve_agents(const config::HaResources& res, const Lookup& lookup);

enum class Status { running, stopped, error };
const char* to_string(Status s);
Status interpret_status(AgentKind kind, int exit_code, std::string_view output);

// argv of a script operation: path, args..., "start"|"stop"|"status"
// (a monitor runs "status").
std::vector<std::string> script_argv(const Agent& a, core::Op op);

}  // namespace twinbeat::resources
