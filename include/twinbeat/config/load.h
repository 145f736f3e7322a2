// Reads a configuration directory (ha.cf, authkeys, haresources) the way the
// daemon and `twinbeat check` both need it: every file, every diagnostic.
#pragma once

#include <functional>
#include <string>

#include "twinbeat/config/authkeys.h"
#include "twinbeat/config/fencing.h"
#include "twinbeat/config/ha_cf.h"
#include "twinbeat/config/haresources.h"
#include "twinbeat/diagnostic.h"

namespace twinbeat::config {

struct ConfigSet {
  HaCf ha_cf;
  AuthKeys authkeys;
  HaResources haresources;  // no groups when the file is absent
  std::string node;         // this node, lower case
  std::string peer;         // the other node
  std::vector<FenceDevice> fence_devices;  // how this node shoots the peer
};

struct LoadOptions {
  std::string dir = "/etc/ha.d";
  std::string node;  // this node's name (from --node or uname -n)
  std::function<bool(const std::string&)> interface_exists;
  // Our libvirt fence agent, which `external/libvirt` runs.
  std::string libvirt_agent = "/usr/sbin/fence_twinbeat_libvirt";
};

// Finds a fence agent by name in PATH, then /usr/sbin and /sbin: the absolute
// path of an executable regular file, or "".
std::string find_fence_agent(const std::string& name);

// Reads and checks DIR/ha.cf, DIR/authkeys (including its owner and mode),
// DIR/haresources (optional) and the fence devices (stonith_host lines and
// stonith files). Returns every diagnostic of every file;
// the value is usable only if ok().
Parsed<ConfigSet> load_config(const LoadOptions& options);

}  // namespace twinbeat::config
