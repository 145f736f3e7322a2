// twinbeat: the administrator's command (check, status).
#include <net/if.h>
#include <sys/utsname.h>

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "control_client.h"
#include "twinbeat/config/load.h"
#include "twinbeat/net/links.h"

using namespace twinbeat;

namespace {

constexpr int kExitBadArgs = 2;
constexpr int kExitNotRunning = 3;
constexpr int kExitNotConfigured = 6;

const char kUsage[] =
    "Usage: twinbeat [-c CONFDIR] [--node NAME] [--run-dir DIR] COMMAND\n"
    "\n"
    "Commands:\n"
    "  check           validate ha.cf, authkeys and haresources offline; lists\n"
    "                  every problem as FILE:LINE: message (exit 6 if any error)\n"
    "  status [--json] what the running twinbeatd sees: this node, the peer,\n"
    "                  each link and its counters (exit 3 if twinbeatd is not running)\n"
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
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "twinbeat: %s needs a value\n", argv[i]);
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (!o.command.empty()) {
      o.command.emplace_back(a);
    } else if (a == "-c" || a == "--confdir") {
      if (!value(o.confdir)) return kExitBadArgs;
    } else if (a == "--node") {
      if (!value(o.node)) return kExitBadArgs;
    } else if (a == "--run-dir") {
      if (!value(o.run_dir)) return kExitBadArgs;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--version") {
      std::printf("twinbeat %s\n", TWINBEAT_VERSION);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "twinbeat: unknown option '%s'\n%s", argv[i], kUsage);
      return kExitBadArgs;
    } else {
      o.command.emplace_back(a);
    }
  }
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
  auto loaded = config::load_config(load);
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
  std::printf("%s: ok: node %s, peer %s, %zu link(s), %zu resource group(s)\n", o.confdir.c_str(),
              c.node.c_str(), c.peer.c_str(), links.size(), c.haresources.groups.size());
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
  if (!reply) {
    std::fprintf(stderr, "twinbeat: %s (is twinbeatd running?)\n", reply.error().message.c_str());
    return kExitNotRunning;
  }
  if (reply->rfind("error:", 0) == 0) {
    std::fprintf(stderr, "twinbeat: %s", reply->c_str());
    return 1;
  }
  std::fputs(reply->c_str(), stdout);
  return 0;
}

std::string host_name() {
  utsname u{};
  ::uname(&u);
  return u.nodename;
}

int run(int argc, char** argv) {
  Options o;
  if (int rc = parse_args(argc, argv, o); rc >= 0) return rc;
  if (o.node.empty()) o.node = host_name();
  const std::string& cmd = o.command[0];
  if (cmd == "check") return check(o);
  if (cmd == "status") return status(o);
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
