// Reads a configuration directory (ha.cf, authkeys, haresources) the way the
// daemon and `twinbeat check` both need it: every file, every diagnostic.
#pragma once

#include <functional>
#include <string>

#include "twinbeat/config/authkeys.h"
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
};

struct LoadOptions {
  std::string dir = "/etc/ha.d";
  std::string node;  // this node's name (from --node or uname -n)
  std::function<bool(const std::string&)> interface_exists;
};

// Reads and checks DIR/ha.cf, DIR/authkeys (including its owner and mode)
// and DIR/haresources (optional). Returns every diagnostic of every file;
// the value is usable only if ok().
Parsed<ConfigSet> load_config(const LoadOptions& options);

}  // namespace twinbeat::config
