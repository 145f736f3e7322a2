// Fence devices: how this node shoots its peer, from Heartbeat's directives.
//
//   stonith_host FROMHOST|* TYPE PARAMS...
//     FROMHOST: the node this line is for (or * for both). TYPE is a standard
//     fence agent (fence_xvm, fence_virt, fence_ipmilan, ...: found in PATH or
//     /usr/sbin, or an absolute path) with PARAMS as key=value, or Heartbeat's
//     `external/libvirt` with its positional PARAMS
//     `hostlist hypervisor_uri [reboot_method]`.
//   stonith TYPE FILE
//     FILE is an INI file with one section per node to fence:
//       [lb1]
//       agent = fence_xvm          (default: TYPE)
//       port = vm-lb1              (default: the node's name)
//       key_file = /etc/cluster/fence_xvm.key
//       uri = lxc:///system        (external/libvirt's hypervisor_uri)
//       delay = 0                  (seconds before the agent acts)
//       timeout = 20               (seconds: twinbeat kills the agent after
//                                   timeout + delay + 5 s; not passed to it)
//       action = off               (off or reboot)
//       any_other_key = value      (passed to the agent as it is)
//
// Heartbeat kept only the last device; twinbeat keeps every one in file
// order and tries them in that order until one confirms the shot.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "twinbeat/config/ha_cf.h"
#include "twinbeat/diagnostic.h"
#include "twinbeat/time.h"

namespace twinbeat::config {

struct FenceDevice {
  std::string type;  // as written: "fence_xvm", "external/libvirt", "/opt/x/fence_foo"
  std::string agent;  // the program to run, resolved to an absolute path
  std::string target;  // the node it fences
  std::string port;    // what the agent calls the target (domain, plug, ...)
  std::string action = "off";  // off or reboot
  std::vector<std::pair<std::string, std::string>> params;  // passed through, in order
  Millis timeout{20000};
  Millis delay{0};
  SourceLoc where;
};

struct FenceLookup {
  // Absolute path of an agent name (PATH, /usr/sbin), or "" if not found.
  std::function<std::string(const std::string& name)> find_agent;
  // Our own libvirt agent, which `external/libvirt` maps to.
  std::string libvirt_agent;
  // Reads an INI file named by `stonith`; false if it cannot be read.
  std::function<bool(const std::string& path, std::string& text)> read_file;
};

// The devices this node (`self`) uses against `peer`, in file order.
// Diagnostics name the ha.cf line or the INI file and line: an agent that
// cannot be found, a parameter that is not key=value, an action other than
// off or reboot, an INI section for a node not in ha.cf, an unknown
// twinbeat key's bad value, a `hostlist` without the peer, no section for
// the peer in an INI file.
Parsed<std::vector<FenceDevice>> fence_devices(const HaCf& cf, const std::string& self,
                                               const std::string& peer,
                                               const FenceLookup& lookup);

}  // namespace twinbeat::config
