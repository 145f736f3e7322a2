// Everything the daemon reads from its configuration directory, loaded the
// same way at start and on reload.
#pragma once

#include <string>
#include <vector>

#include "daemon.h"
#include "twinbeat/config/load.h"
#include "twinbeat/diagnostic.h"
#include "twinbeat/log.h"
#include "twinbeat/resources/agents.h"

namespace twinbeat::daemon {

struct Configuration {
  config::ConfigSet set;
  resources::GroupAgents agents;
};

// ha.cf, authkeys, haresources, fence devices and resource agents for this
// host. Every diagnostic of every file; usable only if ok().
Parsed<Configuration> load_configuration(const Options& options);

// Where the log goes for this ha.cf.
LogConfig log_config(const config::HaCf& cf, const Options& options);

}  // namespace twinbeat::daemon
