// haresources: resource groups, one per logical line (Heartbeat's grammar).
//
//   node1 IPaddr2::10.0.0.100/24/eth0 haproxy
//   node2 10.0.0.101 Filesystem::/dev/sdb1::/data::ext4 nfs-kernel-server
//
// - `#` starts a comment anywhere on a line; a `\` ending a line (blanks
//   after it allowed) continues it on the next.
// - The first field is the preferred node (lower-cased); the rest are
//   resources, `Agent::arg1::arg2`. A bare IPv4 address means `IPaddr::IP`.
// - A resource may end in `[key=value,...]`: its monitoring (MonitorOptions).
// - A group is named by its first resource as written. Names must be unique,
//   and a resource (as written) may appear in one group only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/diagnostic.h"
#include "twinbeat/time.h"

namespace twinbeat::config {

// A built-in health check that replaces the status script as a resource's
// monitor (no process forked per check):
//   stats:PATH       haproxy's stats socket answers "show info" with its Pid
//   tcp:HOST:PORT    a TCP connection to HOST:PORT is accepted
struct HealthCheck {
  enum class Kind { stats, tcp } kind = Kind::tcp;
  std::string path;  // stats
  std::string host;  // tcp: an IPv4 or IPv6 address
  uint16_t port = 0;
  std::string text;  // as written: "tcp:10.0.0.100:80"
};

// Per-resource monitoring, written after the resource in brackets:
//   haproxy::/etc/haproxy/haproxy.cfg[monitor=2s,timeout=1s,check=tcp:10.0.0.100:80]
// monitor=TIME|off overrides ha.cf's resource_monitor for this resource,
// timeout=TIME its resource_monitor_timeout, check= replaces the status
// script. Files without brackets read as they always did.
struct MonitorOptions {
  std::optional<Millis> interval;  // 0: off for this resource
  std::optional<Millis> timeout;
  std::optional<HealthCheck> check;
  std::string text;  // inside the brackets, as written; empty without
};

struct ResourceSpec {
  std::string text;   // as written, without the brackets: "IPaddr2::10.0.0.100/24/eth0"
  std::string agent;  // "IPaddr2"; "IPaddr" for a bare IP
  std::vector<std::string> args;
  MonitorOptions monitor;
  SourceLoc where;
};

struct GroupSpec {
  std::string name;  // the first resource's text
  std::string preferred_node;
  std::vector<ResourceSpec> resources;
  SourceLoc where;  // the line the group starts on
};

struct HaResources {
  std::string file;
  std::vector<GroupSpec> groups;
};

// Parses haresources text. An empty file (no groups) is valid.
Parsed<HaResources> parse_haresources(std::string_view text, const std::string& file_name);

// At most this many groups (what one heartbeat can report).
inline constexpr size_t kMaxGroups = 64;

// A digest of the groups as parsed (nodes and resources, in order), the same
// for two files that differ only in comments, spacing or continuations.
uint64_t digest(const HaResources& res);

// Appends an error for every group whose preferred node is not in `nodes`.
void validate_haresources_nodes(const HaResources& res, const std::vector<std::string>& nodes,
                                std::vector<Diagnostic>& out);

}  // namespace twinbeat::config
