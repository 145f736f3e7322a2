// ha.cf: Heartbeat's main configuration file, read with Heartbeat's rules.
//
// - `#` starts a comment anywhere on a line; blank lines are ignored.
// - A line is a directive name (case-sensitive) and arguments split on
//   whitespace and commas.
// - Times: "2" (seconds), "1.5", "500ms", "250000us", "2s" (see parse_time).
// - Booleans: on/off, yes/no, true/false, y/n, 1/0.
// - Scalar directives may repeat; the last one wins (warned). `node`, the media
//   and the kept-for-later directives accumulate.
// - Directives twinbeat does not implement but Heartbeat knows are accepted
//   with a warning naming the line; unknown words are errors.
//
// Defaults are Heartbeat's: keepalive 1s, deadtime 30s, warntime deadtime/2,
// initdead from deadtime (deadtime if > 10s, 12s if < 6s, else 2 x deadtime),
// udpport 694, auto_failback legacy, realtime on, rtprio 1. twinbeat's own:
// resource_start_timeout 60s, resource_stop_timeout 60s,
// resource_status_timeout 10s, arp_count 5, arp_interval 200ms.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/diagnostic.h"
#include "twinbeat/time.h"

namespace twinbeat::config {

enum class LinkKind { ucast, mcast, bcast };
const char* to_string(LinkKind k);

// One heartbeat medium. A `bcast eth0 eth1` line gives two of these.
struct LinkSpec {
  LinkKind kind = LinkKind::ucast;
  std::string interface;
  std::string peer;   // ucast: the peer address as written (IPv4 literal)
  std::string group;  // mcast: IPv4 multicast group
  uint16_t port = 0;  // ucast/bcast: udpport; mcast: its own PORT argument
  int ttl = 1;        // mcast
  bool loop = false;  // mcast
  SourceLoc where;
};

enum class AutoFailback { on, off, legacy };
const char* to_string(AutoFailback a);

// A directive kept verbatim for a later stage (fencing, ping nodes, respawn).
struct RawDirective {
  std::vector<std::string> args;  // tokens after the directive name
  SourceLoc where;
};

struct HaCf {
  std::string file;  // the path it was read from

  Millis keepalive{1000};
  Millis deadtime{30000};
  Millis warntime{15000};
  Millis initdead{30000};
  uint16_t udpport = 694;

  std::vector<LinkSpec> links;
  std::vector<std::string> nodes;  // lower case, in file order
  AutoFailback auto_failback = AutoFailback::legacy;

  std::optional<int> logfacility;  // LOG_LOCAL0 etc.; nullopt = none
  std::string logfile;
  std::string debugfile;
  bool realtime = true;
  int rtprio = 1;

  // Resource operations (twinbeat's own directives): each start, stop and
  // status runs with this deadline; past it the script's process group is
  // killed and the operation has failed.
  Millis resource_start_timeout{60000};
  Millis resource_stop_timeout{60000};
  Millis resource_status_timeout{10000};
  // Gratuitous ARP / unsolicited NA after adding a VIP: arp_count packets,
  // the first at once, then every arp_interval (Heartbeat's send_arp: 5, 200ms).
  int arp_count = 5;
  Millis arp_interval{200};

  // Fencing (twinbeat's own directives). The node holding no group waits
  // fence_delay before shooting, so the holder wins a fence race; a failed
  // shot is retried up to fence_attempts times. wait_for_all (default on
  // when fencing is configured): a peer never seen since start is neither
  // shot nor taken over from.
  Millis fence_delay{5000};
  int fence_attempts = 5;
  std::optional<bool> wait_for_all;
  // vip_lease: the lifetime of a held VIP, renewed while the daemon is
  // healthy; `off` for permanent addresses. Unset: derived from deadtime
  // (effective_vip_lease).
  std::optional<Millis> vip_lease;
  bool vip_lease_off = false;

  // metrics_file: where to write 'twinbeat metrics' every metrics_interval
  // (15s), for node_exporter's textfile collector. Empty: not written.
  std::string metrics_file;
  Millis metrics_interval{15000};

  // Parsed and kept for later stages.
  std::vector<RawDirective> stonith;
  std::vector<RawDirective> stonith_host;
  std::vector<RawDirective> ping;
  std::vector<RawDirective> ping_group;
  std::vector<RawDirective> respawn;
  std::optional<Millis> deadping;
  std::optional<std::string> watchdog;

  // Where each scalar was last set (line 0 = default), for later messages.
  SourceLoc keepalive_where, deadtime_where, warntime_where, initdead_where;
  SourceLoc node_where;  // the first `node` line
};

// Parses ha.cf text. `file_name` appears in every diagnostic. Besides syntax,
// checks what needs only the file: deadtime >= 2 x keepalive (error; warning
// below 4 x), warntime < deadtime, initdead >= deadtime, exactly two nodes,
// at least one medium, `crm` off.
Parsed<HaCf> parse_ha_cf(std::string_view text, const std::string& file_name);

// What parse_ha_cf cannot know alone. Appends diagnostics for: `node_name`
// not among the nodes; a medium naming an interface for which
// `interface_exists` is false. Never reports the same problem twice.
void validate_ha_cf_for_host(const HaCf& cf, const std::string& node_name,
                             const std::function<bool(const std::string&)>& interface_exists,
                             std::vector<Diagnostic>& out);

// Display names for links, as Heartbeat's logs use them (`Link nodeb:eth1
// dead.`): the interface name, or "eth1/ucast", "eth1/bcast", "eth1/mcast"
// when links of different kinds share an interface, and a numeric suffix
// ("eth1/ucast#2") when even that repeats. One label per element of `links`.
std::vector<std::string> link_labels(const std::vector<LinkSpec>& links);

// The VIP lease in force: vip_lease if set, nothing if `off`, else
// deadtime - 1.5 s in whole seconds, at least 2 s. Then a daemon that dies
// loses its VIPs before (or, with deadtime under 3.5 s, soon after) its peer
// may take them.
std::optional<Millis> effective_vip_lease(const HaCf& cf);

// The peer's name: the node that is not `self`. Valid after validation.
std::string peer_of(const HaCf& cf, const std::string& self);

}  // namespace twinbeat::config
