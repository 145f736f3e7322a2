// haresources: resource groups, one per logical line (Heartbeat's grammar).
//
//   node1 IPaddr2::10.0.0.100/24/eth0 haproxy
//   node2 10.0.0.101 Filesystem::/dev/sdb1::/data::ext4 nfs-kernel-server
//
// - `#` starts a comment anywhere on a line; a `\` ending a line (blanks
//   after it allowed) continues it on the next.
// - The first field is the preferred node (lower-cased); the rest are
//   resources, `Agent::arg1::arg2`. A bare IPv4 address means `IPaddr::IP`.
// - A group is named by its first resource as written. Names must be unique,
//   and a resource (as written) may appear in one group only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/diagnostic.h"

namespace twinbeat::config {

struct ResourceSpec {
  std::string text;   // as written: "IPaddr2::10.0.0.100/24/eth0"
  std::string agent;  // "IPaddr2"; "IPaddr" for a bare IP
  std::vector<std::string> args;
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
