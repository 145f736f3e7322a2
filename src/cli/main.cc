// twinbeat: the administrator's command (check, status).
#include <net/if.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "control_client.h"
#include "twinbeat/args.h"
#include "twinbeat/companion.h"
#include "twinbeat/config/load.h"
#include "twinbeat/export/pacemaker.h"
#include "twinbeat/net/links.h"
#include "twinbeat/net/vip.h"
#include "twinbeat/resources/agents.h"

using namespace twinbeat;

namespace {

using cli::kExitBadArgs;
using cli::kExitNotRunning;
using cli::kExitPermission;
constexpr int kExitNotConfigured = 6;

const char kUsage[] =
    "Usage: twinbeat [-c CONFDIR] [--node NAME] [--run-dir DIR] COMMAND\n"
    "\n"
    "Commands:\n"
    "  check           validate ha.cf, authkeys and haresources offline; lists\n"
    "                  every problem as FILE:LINE: message (exit 6 if any error)\n"
    "  status [--json] what the running twinbeatd sees: this node, the peer,\n"
    "                  each link and its counters, each resource group and who\n"
    "                  holds it (exit 3 if twinbeatd is not running, 4 if this\n"
    "                  user may not use the control socket)\n"
    "  standby [all|local|foreign|failback] [--timeout S]\n"
    "                  hand groups held here to the peer (Heartbeat's hb_standby:\n"
    "                  local = groups this node prefers, foreign/failback = the\n"
    "                  peer's); waits until they run there, prints each and how\n"
    "                  long it took; exit 1 if one did not move (default all, 120 s)\n"
    "  takeover [all|local|foreign|failback] [--timeout S]\n"
    "                  ask the peer for groups it holds (hb_takeover); waits too\n"
    "  takeover --force\n"
    "                  take the groups of a silent peer that was never seen\n"
    "                  (wait_for_all) or could not be fenced: only when you know\n"
    "                  it is down\n"
    "  cleanup GROUP|all\n"
    "                  forget a resource group's monitor and start failures on\n"
    "                  this node and unblock it here (run it on each node that\n"
    "                  shows failures in status)\n"
    "  export pacemaker [--format crmsh|cib] [--out DIR] [--cluster-name NAME]\n"
    "                  [--haproxy-class systemd|lsb] [--address NODE=IP]...\n"
    "                  write corosync.conf, its authkey, the resources as a crmsh\n"
    "                  script (cluster.crm) or CIB XML (cib.xml) and report.txt\n"
    "                  for Corosync + Pacemaker (exit 6 if it cannot be exported)\n"
    "  metrics         Prometheus text exposition of the running daemon\n"
    "  reload          re-read ha.cf, authkeys and haresources in the running\n"
    "                  daemon (as SIGHUP); a bad file is listed and the running\n"
    "                  configuration kept (exit 6)\n"
    "  resource IPaddr|IPaddr2 SPEC start|stop|status\n"
    "                  the built-in VIP agent, by hand: SPEC is\n"
    "                  ip[/prefix[/iface[:label]][/broadcast]]; status exits 0\n"
    "                  when the address is here, 3 when it is not\n"
    "\n"
    "Options:\n"
    "  -c, --confdir DIR  configuration directory (default /etc/ha.d)\n"
    "      --node NAME    this node's name (default: uname -n)\n"
    "      --run-dir DIR  where twinbeatd's control socket is (default /run/twinbeat)\n"
    "  -h, --help         this text\n"
    "      --version      print the version\n";

struct Options {
  std::string confdir = "/etc/ha.d";
  std::string node;
  std::string run_dir = "/run/twinbeat";
  std::vector<std::string> command;
};

int parse_args(int argc, char** argv, Options& o) {
  const Option options[] = {
      {"-c", "--confdir", &o.confdir, nullptr},
      {"", "--node", &o.node, nullptr},
      {"", "--run-dir", &o.run_dir, nullptr},
  };
  int first_word = argc;
  switch (parse_options(argc, argv, options, "twinbeat", &first_word)) {
    case Args::help: std::fputs(kUsage, stdout); return 0;
    case Args::version: std::printf("twinbeat %s\n", TWINBEAT_VERSION); return 0;
    case Args::error: std::fputs(kUsage, stderr); return kExitBadArgs;
    case Args::ok: break;
  }
  for (int i = first_word; i < argc; ++i) o.command.emplace_back(argv[i]);
  if (o.command.empty()) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  return -1;
}

int check(const Options& o) {
  config::LoadOptions load;
  load.dir = o.confdir;
  load.node = o.node;
  load.interface_exists = [](const std::string& n) { return ::if_nametoindex(n.c_str()) != 0; };
  load.libvirt_agent = find_companion("fence_twinbeat_libvirt", TWINBEAT_SBINDIR);
  auto loaded = config::load_config(load);
  auto agents = resources::resolve_agents(loaded.value.haresources, resources::system_lookup(o.confdir));
  for (auto& d : agents.diagnostics) loaded.diagnostics.push_back(d);
  int errors = 0;
  for (const auto& d : loaded.diagnostics) {
    std::printf("%s\n", d.to_string().c_str());
    errors += d.severity == Severity::error ? 1 : 0;
  }
  if (errors) {
    std::printf("%s: %d error(s); twinbeatd would not start\n", o.confdir.c_str(), errors);
    return kExitNotConfigured;
  }
  const config::ConfigSet& c = loaded.value;
  std::vector<std::string> skipped;
  auto own = net::local_ipv4_addresses();
  const auto links = net::resolve_links(c.ha_cf.links, own ? *own : std::vector<in_addr>{}, &skipped);
  for (const auto& s : skipped) std::printf("%s\n", s.c_str());
  if (links.empty()) {
    std::printf("%s/ha.cf: every medium names this host; no link to the peer\n", o.confdir.c_str());
    return kExitNotConfigured;
  }
  for (const auto& d : c.fence_devices)
    std::printf("fence device: %s (%s) fences %s as '%s', action %s\n", d.type.c_str(),
                d.agent.c_str(), d.target.c_str(), d.port.c_str(), d.action.c_str());
  std::printf("%s: ok: node %s, peer %s, %zu link(s), %zu resource group(s), %zu fence device(s)\n",
              o.confdir.c_str(), c.node.c_str(), c.peer.c_str(), links.size(),
              c.haresources.groups.size(), c.fence_devices.size());
  return 0;
}

int status(const Options& o) {
  const bool json = o.command.size() == 2 && o.command[1] == "--json";
  if (o.command.size() > 2 || (o.command.size() == 2 && !json)) {
    std::fprintf(stderr, "twinbeat: usage: twinbeat status [--json]\n");
    return kExitBadArgs;
  }
  auto reply = cli::control_request(o.run_dir + "/control", json ? "status json" : "status",
                                    Millis{5000});
  if (!reply) return cli::unreachable(reply.error().message, reply.error().code);
  if (reply->rfind("error:", 0) == 0) {
    std::fprintf(stderr, "twinbeat: %s", reply->c_str());
    return reply->find("permission denied") != std::string::npos ? kExitPermission : 1;
  }
  std::fputs(reply->c_str(), stdout);
  return 0;
}

int metrics(const Options& o) {
  auto reply = cli::control_request(o.run_dir + "/control", "metrics", Millis{5000});
  if (!reply) return cli::unreachable(reply.error().message, reply.error().code);
  std::fputs(reply->c_str(), stdout);
  return reply->rfind("error:", 0) == 0 ? 1 : 0;
}

// Prints what was cleaned: "GROUP: N failure(s) forgotten[, unblocked]".
int cleanup(const Options& o) {
  if (o.command.size() != 2) {
    std::fprintf(stderr, "twinbeat: usage: twinbeat cleanup GROUP|all\n");
    return kExitBadArgs;
  }
  auto reply = cli::control_request(o.run_dir + "/control", "cleanup " + o.command[1], Millis{10000});
  if (!reply) return cli::unreachable(reply.error().message, reply.error().code);
  if (reply->rfind("error:", 0) == 0) {
    std::fprintf(stderr, "twinbeat: %s", reply->c_str() + 7);
    if (reply->back() != '\n') std::fputc('\n', stderr);
    return 1;
  }
  int cleaned = 0;
  for (size_t pos = reply->find('\n') + 1; pos < reply->size();) {
    size_t end = reply->find('\n', pos);
    if (end == std::string::npos) end = reply->size();
    const std::string line = reply->substr(pos, end - pos);
    pos = end + 1;
    const size_t t1 = line.find('\t'), t2 = line.rfind('\t');
    if (t1 == std::string::npos || t2 == t1) continue;
    std::printf("%s: %s failure(s) forgotten%s\n", line.substr(0, t1).c_str(),
                line.substr(t1 + 1, t2 - t1 - 1).c_str(), line.substr(t2 + 1) == "1" ? ", unblocked" : "");
    ++cleaned;
  }
  if (cleaned == 0) std::printf("nothing to clean up\n");
  return 0;
}

int reload(const Options& o) {
  auto reply = cli::control_request(o.run_dir + "/control", "reload", Millis{30000});
  if (!reply) return cli::unreachable(reply.error().message, reply.error().code);
  const bool refused = reply->rfind("error:", 0) == 0;
  std::fputs(reply->c_str(), refused ? stderr : stdout);
  return refused ? kExitNotConfigured : 0;
}

// The built-in VIP agent by hand, as resource.d/IPaddr2 calls it. Prints
// Heartbeat's words (resource.d status rule: "Running OK" / "stopped").
int resource(const Options& o) {
  const auto& c = o.command;
  if (c.size() != 4 || (c[1] != "IPaddr" && c[1] != "IPaddr2") ||
      (c[3] != "start" && c[3] != "stop" && c[3] != "status")) {
    std::fprintf(stderr, "twinbeat: usage: twinbeat resource IPaddr|IPaddr2 SPEC start|stop|status\n");
    return kExitBadArgs;
  }
  auto spec = net::parse_vip(c[2]);
  if (!spec) {
    std::fprintf(stderr, "%s: %s\n", c[1].c_str(), spec.error().message.c_str());
    return kExitBadArgs;
  }
  auto vips = net::VipManager::open(net::AnnounceConfig{});
  if (!vips) {
    std::fprintf(stderr, "%s: %s\n", c[1].c_str(), vips.error().message.c_str());
    return 1;
  }
  auto vip = vips->resolve(*spec);
  if (!vip) {
    if (c[3] == "start") {
      std::fprintf(stderr, "%s: %s\n", c[1].c_str(), vip.error().message.c_str());
      return 1;
    }
    std::printf("INFO: %s Resource is stopped\n", c[1].c_str());
    return c[3] == "status" ? 3 : 0;
  }
  MonotonicClock clock;
  if (c[3] == "status") {
    auto here = vips->present(*vip);
    if (!here) {
      std::fprintf(stderr, "%s: %s\n", c[1].c_str(), here.error().message.c_str());
      return 1;
    }
    std::printf(*here ? "INFO: %s Running OK\n" : "INFO: %s Resource is stopped\n", c[1].c_str());
    return *here ? 0 : 3;
  }
  auto r = c[3] == "start" ? vips->add(*vip, clock.now()) : vips->remove(*vip);
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", c[1].c_str(), r.error().message.c_str());
    return 1;
  }
  // Stay for the gratuitous ARP / NA burst (bounded: it has a fixed length).
  for (int i = 0; i < 1000; ++i) {
    auto next = vips->next_deadline();
    if (!next) break;
    const Millis wait = *next - clock.now();
    if (wait > Millis{0}) ::usleep(static_cast<useconds_t>(wait.count() * 1000));
    vips->on_timer(clock.now());
  }
  std::printf("INFO: %s Success\n", c[1].c_str());
  return 0;
}

std::string host_name() {
  utsname u{};
  ::uname(&u);
  return u.nodename;
}

// Heartbeat's commands as links to this binary: hb_standby and hb_takeover
// take the same arguments as standby/takeover; cl_status its own.
int compat(const std::string& name, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* run_dir = std::getenv("TWINBEAT_RUN_DIR");  // as scripts get it from the daemon
  const std::string socket = std::string(run_dir ? run_dir : "/run/twinbeat") + "/control";
  if (name == "cl_status") return cli::cl_status(socket, args);
  return cli::move_command(socket, name == "hb_standby" ? "standby" : "takeover", args);
}

int run(int argc, char** argv) {
  const std::string self = argv[0];
  const std::string name = self.substr(self.rfind('/') + 1);
  if (name == "hb_standby" || name == "hb_takeover" || name == "cl_status")
    return compat(name, argc, argv);
  Options o;
  if (int rc = parse_args(argc, argv, o); rc >= 0) return rc;
  if (o.node.empty()) o.node = host_name();
  const std::string& cmd = o.command[0];
  if (cmd == "check") return check(o);
  if (cmd == "status") return status(o);
  if (cmd == "resource") return resource(o);
  if (cmd == "reload") return reload(o);
  if (cmd == "metrics") return metrics(o);
  if (cmd == "export")
    return exporter::export_command(o.confdir, o.node,
                                    std::vector<std::string>(o.command.begin() + 1, o.command.end()));
  if (cmd == "cleanup") return cleanup(o);
  if (cmd == "standby" || cmd == "takeover")
    return cli::move_command(o.run_dir + "/control", cmd,
                             std::vector<std::string>(o.command.begin() + 1, o.command.end()));
  std::fprintf(stderr, "twinbeat: unknown command '%s'\n%s", cmd.c_str(), kUsage);
  return kExitBadArgs;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "twinbeat: fatal: %s\n", e.what());
    return 1;
  }
}
