// Loading the configuration directory for the daemon: start and reload.
#include "configuration.h"

#include <net/if.h>

#include <cstdlib>

#include "twinbeat/companion.h"

namespace twinbeat::daemon {

Parsed<Configuration> load_configuration(const Options& options) {
  config::LoadOptions load;
  load.dir = options.confdir;
  load.node = options.node;
  load.interface_exists = [](const std::string& n) { return ::if_nametoindex(n.c_str()) != 0; };
  load.libvirt_agent = find_companion("fence_twinbeat_libvirt", TWINBEAT_SBINDIR);
  auto loaded = config::load_config(load);
  auto agents =
      resources::resolve_agents(loaded.value.haresources, resources::system_lookup(options.confdir));
  Parsed<Configuration> out;
  out.diagnostics = std::move(loaded.diagnostics);
  for (auto& d : agents.diagnostics) out.diagnostics.push_back(std::move(d));
  out.value.set = std::move(loaded.value);
  out.value.agents = std::move(agents.value);
  return out;
}

LogConfig log_config(const config::HaCf& cf, const Options& options) {
  LogConfig lc;
  lc.facility = cf.logfacility.value_or(-1);
  lc.logfile = cf.logfile;
  lc.debugfile = cf.debugfile;
  // Under systemd with syslog configured, the journal has every line already.
  lc.to_stderr = options.foreground && !(std::getenv("NOTIFY_SOCKET") && cf.logfacility);
  lc.debug = options.debug;
  return lc;
}

}  // namespace twinbeat::daemon
