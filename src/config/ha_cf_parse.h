// The ha.cf parser's shared state, split across ha_cf.cc (lines and scalar
// directives), ha_cf_media.cc (links) and ha_cf_checks.cc (defaults and cross
// checks). Internal to the config module.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "twinbeat/config/ha_cf.h"
#include "twinbeat/diagnostic.h"

namespace twinbeat::config::detail {

// Everything one parse of one file knows besides the HaCf it builds.
struct HaCfParse {
  explicit HaCfParse(const std::string& file_name) : sink(file_name) { cf.file = file_name; }

  HaCf cf;
  DiagnosticSink sink;
  // Scalar directive -> line of the value in force (absent: default).
  std::map<std::string, int, std::less<>> set_on_line;
  // Directives that had an error: the cross checks leave them alone, so one
  // mistake gives one message.
  std::set<std::string, std::less<>> failed;
  std::map<std::string, int, std::less<>> node_line;  // node -> line it was listed on
  bool media_failed = false;
  bool node_failed = false;

  int line_of(std::string_view directive) const {
    auto it = set_on_line.find(directive);
    return it == set_on_line.end() ? 0 : it->second;
  }
  bool has_failed(std::string_view directive) const { return failed.count(directive) != 0; }
};

// True if `name` is ucast, bcast, udp or mcast; then the line has been parsed
// into links of p.cf (ports of ucast/bcast are filled in by finish_ha_cf).
bool parse_media_directive(HaCfParse& p, std::string_view name, std::string_view rest, int line);

// True if `name` is ping, ping6 or ping_group; then the line has been parsed
// into p.cf.ping_nodes (ha_cf_ping.cc).
bool parse_ping_directive(HaCfParse& p, std::string_view name, std::string_view rest, int line);

// After the last line: ping node names against node names, deadping without
// ping nodes.
void check_ping_nodes(HaCfParse& p);

// True if ucast/bcast links exist: udpport, read later, still applies to them.
bool has_udpport_links(const HaCf& cf);

// After the last line: derived defaults, ports, and the checks that need the
// whole file (timing relations, two nodes, some medium).
void finish_ha_cf(HaCfParse& p);

}  // namespace twinbeat::config::detail
