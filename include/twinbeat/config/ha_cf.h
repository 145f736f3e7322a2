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
// resource_status_timeout 10s, arp_count 5, arp_interval 200ms, arp_refresh
// off, vip_probe on, vip_probe_wait 20ms.
#pragma once

#include <cstddef>
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

// A ping node: Heartbeat's pseudo-node that tells whether this node reaches
// the network beyond the cluster. `ping ADDR...` makes one per address, named
// by it; `ping_group NAME ADDR...` one named NAME, up while any of its
// addresses answers. Addresses are IPv4 or IPv6 literals, kept in their
// canonical form (inet_ntop), so both nodes name the same node the same way.
struct PingNode {
  std::string name;
  bool group = false;  // from ping_group
  std::vector<std::string> addresses;
  SourceLoc where;
};
inline constexpr size_t kMaxPingNodes = 32;
inline constexpr size_t kMaxPingAddresses = 64;  // all ping nodes together

// A directive kept verbatim for a later stage (fencing, respawn).
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
  // Monitoring of held resources (off when unset): each resource's status
  // every resource_monitor, with a deadline of resource_monitor_timeout
  // (default resource_status_timeout). A failed check restarts the resource
  // in place, up to resource_restarts times within resource_restart_window;
  // one more failure stops the group here and hands it to the peer.
  std::optional<Millis> resource_monitor;
  std::optional<Millis> resource_monitor_timeout;
  int resource_restarts = 3;
  Millis resource_restart_window{300000};
  // Gratuitous ARP / unsolicited NA after adding a VIP: arp_count packets,
  // the first at once, then every arp_interval (Heartbeat's send_arp: 5, 200ms).
  int arp_count = 5;
  Millis arp_interval{200};
  // arp_refresh: one more of them for every held VIP every arp_refresh, for
  // switches and firewalls that missed the burst. Unset (off): none.
  std::optional<Millis> arp_refresh;
  // vip_probe (on): before adding a VIP, an ARP probe (RFC 5227) or DAD
  // solicitation (RFC 4862) on its link, then vip_probe_wait for an answer;
  // an address another host answers for is not added (the start fails).
  bool vip_probe = true;
  Millis vip_probe_wait{20};

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

  // Ping nodes (ping, ping6, ping_group), in file order, and how long one
  // may stay silent before it is dead (deadping; unset: deadtime).
  std::vector<PingNode> ping_nodes;
  std::optional<Millis> deadping;

  // Parsed and kept for later stages.
  std::vector<RawDirective> stonith;
  std::vector<RawDirective> stonith_host;
  std::vector<RawDirective> respawn;
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

// deadping in force: deadping if set, else deadtime (as Heartbeat).
Millis effective_deadping(const HaCf& cf);

// The peer's name: the node that is not `self`. Valid after validation.
std::string peer_of(const HaCf& cf, const std::string& self);

}  // namespace twinbeat::config
