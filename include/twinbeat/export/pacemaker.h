// `twinbeat export pacemaker`: a twinbeat configuration (ha.cf, haresources,
// authkeys, fence devices) rewritten for Corosync + Pacemaker, the stack that
// took Heartbeat's place: corosync.conf and its key, the resources as a
// crmsh script or CIB XML, and a report of what maps one to one, what
// changes meaning and what has no equivalent, each with its FILE:LINE.
//
// The namespace is `exporter`: `export` is a C++ keyword.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/config/load.h"
#include "twinbeat/diagnostic.h"
#include "twinbeat/resources/agents.h"

namespace twinbeat::exporter {

enum class Format { crmsh, cib };

// How the haproxy resource runs under Pacemaker: systemd:haproxy (the
// default, what the tutorials use) or lsb:haproxy (Debian's init script:
// for hosts whose PID 1 is not systemd, where Pacemaker has no systemd class).
enum class ServiceClass { systemd, lsb };

// An IPv4 address of this host: which interface, which subnet.
struct LocalAddress {
  std::string interface;
  std::string address;  // dotted quad
  int prefix = 32;
};

struct Options {
  std::string confdir = "/etc/ha.d";  // absolute: script paths are written from it
  std::string cluster_name = "twinbeat";
  ServiceClass haproxy = ServiceClass::systemd;
  // This host's addresses: a ucast address found here is this node's
  // (`node`), as twinbeatd itself reads its ucast lines.
  std::vector<LocalAddress> local;
  // --address NODE=IP: addresses the administrator gives for a node, for
  // links whose addresses cannot be told from this host (bcast and mcast
  // links name no address; an export run off the nodes).
  std::map<std::string, std::vector<std::string>> node_addresses;
  // ha.cf directive -> the line it was last set on (scan_directive_lines).
  std::map<std::string, int> ha_cf_lines;
  // `n` random bytes: only for the corosync key when authkeys holds no
  // secret to derive it from (crc).
  std::function<std::string(size_t n)> random_bytes;
};

// What one exported item became, for the report.
enum class Mapping { same, changed, none };
const char* to_string(Mapping m);

struct ReportRow {
  Mapping mapping = Mapping::same;
  SourceLoc where;
  std::string twinbeat;   // "deadtime 2s"
  std::string pacemaker;  // "corosync token: 2000 ms; ..."
};

struct Exported {
  std::string corosync_conf;
  std::string authkey;            // corosync's key: 256 bytes
  bool authkey_derived = false;   // from the authkeys secret (else random)
  std::string crmsh;              // crmsh script (crm configure load update FILE)
  std::string cib_xml;            // CIB XML (cibadmin --replace --xml-file FILE)
  std::string ocf_agent;          // ocf:twinbeat:haresource, when a resource needs it
  std::vector<ReportRow> rows;
  std::string report;             // the rows, as text
};

// Exports a loaded configuration. `fence_devices` holds the devices of both
// nodes (each FenceDevice names its target: see devices_for_both_nodes).
// Diagnostics: errors for what cannot be exported at all (a link whose
// addresses cannot be told, more than 8 links, ...), warnings for what
// changes meaning; each names the file and line it came from. The value is
// usable only if ok().
Parsed<Exported> export_pacemaker(const config::ConfigSet& cfg,
                                  const resources::GroupAgents& agents,
                                  const std::vector<config::FenceDevice>& fence_devices,
                                  const Options& options);

// The fence devices of both nodes: what each node would use against the
// other (config::fence_devices for each direction), in node order.
Parsed<std::vector<config::FenceDevice>> devices_for_both_nodes(const config::HaCf& cf,
                                                                const config::FenceLookup& lookup);

// The line each ha.cf directive was last given on (comments and blank lines
// skipped, as ha.cf's parser does), for the report's FILE:LINE.
std::map<std::string, int> scan_directive_lines(std::string_view ha_cf_text);

// corosync's key from the active authkeys secret: HKDF-SHA256 over the
// secret, salted with a fixed label and the cluster name, 256 bytes. The
// same files give the same key on both nodes. Empty if OpenSSL fails.
std::string derive_corosync_key(const std::string& secret, const std::string& cluster_name);

// A Pacemaker id from any text: runs of characters other than letters,
// digits, '.', '_' and '-' become one '-'; '_' goes first unless it starts
// with a letter (XML's ID type). Group ids are "g-" + to_id(group name).
std::string to_id(std::string_view text);

// The OCF agent that runs a Heartbeat resource.d script (or an init.d script
// with arguments) under Pacemaker, with twinbeat's status rule.
std::string_view haresource_ocf_agent();

// The command: twinbeat -c CONFDIR export pacemaker [--format crmsh|cib]
// [--out DIR] [--cluster-name NAME] [--haproxy-class systemd|lsb]
// [--address NODE=IP]... Writes the files into DIR (default: the current
// directory), prints every diagnostic, returns the exit code (0, 2 bad
// arguments, 6 configuration that cannot be exported, 1 a file not written).
int export_command(const std::string& confdir, const std::string& node,
                   const std::vector<std::string>& args);

}  // namespace twinbeat::exporter
