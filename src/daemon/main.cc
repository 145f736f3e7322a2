// twinbeatd: command line, configuration, start-up order, and the one catch.
#include <net/if.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "configuration.h"
#include "daemon.h"
#include "system.h"
#include "twinbeat/args.h"
#include "twinbeat/companion.h"
#include "twinbeat/config/load.h"
#include "twinbeat/durable_file.h"
#include "twinbeat/log.h"
#include "twinbeat/notify.h"
#include "twinbeat/resources/agents.h"

using namespace twinbeat;

namespace {

constexpr int kExitBadArgs = 2;
constexpr int kExitNotConfigured = 6;  // LSB "program is not configured"

const char kUsage[] =
    "Usage: twinbeatd [-f] [-d] [-c CONFDIR] [--node NAME] [--state-dir DIR] [--run-dir DIR]\n"
    "\n"
    "Two-node failover daemon. Reads CONFDIR/ha.cf, CONFDIR/authkeys and\n"
    "CONFDIR/haresources, exchanges authenticated heartbeats with the peer\n"
    "named in ha.cf, and reports its view through the control socket\n"
    "(see `twinbeat status`).\n"
    "\n"
    "  -f, --foreground   stay in the foreground and also log to stderr\n"
    "  -d, --debug        log debug lines too\n"
    "  -c, --confdir DIR  configuration directory (default /etc/ha.d)\n"
    "      --node NAME    this node's name (default: uname -n)\n"
    "      --state-dir DIR  generation files (default /var/lib/twinbeat)\n"
    "      --run-dir DIR  pid file and control socket (default /run/twinbeat)\n"
    "  -h, --help         this text\n"
    "      --version      print the version\n"
    "\n"
    "Exit status: 0 stopped cleanly; 1 failure; 2 bad arguments; 6 bad or missing\n"
    "configuration (every problem is listed as FILE:LINE: message).\n";

// Parses argv into `o`; returns an exit code to stop with, or -1 to go on.
int parse_args(int argc, char** argv, daemon::Options& o) {
  const Option options[] = {
      {"-f", "--foreground", nullptr, &o.foreground}, {"-d", "--debug", nullptr, &o.debug},
      {"-c", "--confdir", &o.confdir, nullptr},       {"", "--node", &o.node, nullptr},
      {"", "--state-dir", &o.state_dir, nullptr},     {"", "--run-dir", &o.run_dir, nullptr},
  };
  int first_word = argc;
  switch (parse_options(argc, argv, options, "twinbeatd", &first_word)) {
    case Args::help: std::fputs(kUsage, stdout); return 0;
    case Args::version: std::printf("twinbeatd %s\n", TWINBEAT_VERSION); return 0;
    case Args::error: std::fputs(kUsage, stderr); return kExitBadArgs;
    case Args::ok: break;
  }
  if (first_word < argc) {
    std::fprintf(stderr, "twinbeatd: unexpected argument '%s'\n%s", argv[first_word], kUsage);
    return kExitBadArgs;
  }
  return -1;
}

std::string host_name() {
  utsname u{};
  ::uname(&u);
  return u.nodename;
}

int run(int argc, char** argv) {
  daemon::Options options;
  if (int rc = parse_args(argc, argv, options); rc >= 0) return rc;
  if (options.node.empty()) options.node = host_name();

  auto loaded = daemon::load_configuration(options);
  for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  if (!loaded.ok()) {
    std::fprintf(stderr, "twinbeatd: configuration error, not started.\n");
    return kExitNotConfigured;
  }
  const config::HaCf& cf = loaded.value.set.ha_cf;
  const LogConfig lc = daemon::log_config(cf, options);

  std::optional<daemon::Detach> detach;
  if (!options.foreground) {
    auto d = daemon::Detach::start();
    if (!d) {
      std::fprintf(stderr, "twinbeatd: %s\n", d.error().message.c_str());
      return 1;
    }
    detach.emplace(std::move(*d));
  }
  log_open(lc);
  for (const auto& d : loaded.diagnostics) log(Level::warn, "%s", d.to_string().c_str());

  auto fail = [](const Error& e) {
    log(Level::error, "%s", e.to_string().c_str());
    std::fprintf(stderr, "twinbeatd: %s\n", e.to_string().c_str());
    return 1;
  };
  if (auto r = make_directory(options.run_dir, 0750); !r) return fail(r.error());
  auto pid_lock = daemon::lock_pid_file(options.run_dir + "/twinbeatd.pid");
  if (!pid_lock) return fail(pid_lock.error());

  auto devices = loaded.value.set.fence_devices;
  auto d = daemon::Daemon::create(options, std::move(loaded.value.set),
                                  std::move(loaded.value.agents), std::move(devices));
  if (!d) return fail(d.error());

  if (auto r = daemon::drop_capabilities(); !r)
    log(Level::warn, "cannot drop capabilities: %s", r.error().message.c_str());
  if (cf.realtime) {
    if (auto r = daemon::go_realtime(cf.rtprio); !r)
      log(Level::warn, "realtime: %s; running at normal priority", r.error().message.c_str());
    if (auto r = daemon::lock_memory(); !r)
      log(Level::warn, "realtime: %s; memory not locked", r.error().message.c_str());
  }
  if (detach) detach->ready();
  notify_service_manager("READY=1");  // config loaded, links open (Type=notify)
  const int rc = (*d)->run();
  d->reset();
  // A clean stop leaves no pid file: LSB status then says "not running" (3),
  // not "dead with a pid file" (1). Removed while the lock is still held.
  ::unlink((options.run_dir + "/twinbeatd.pid").c_str());
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    log(Level::crit, "fatal: %s", e.what());
    std::fprintf(stderr, "twinbeatd: fatal: %s\n", e.what());
    return 1;
  }
}
