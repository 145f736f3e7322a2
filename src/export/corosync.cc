// corosync.conf from ha.cf: the two nodes with one knet link per twinbeat
// link (each node's address on it), two_node quorum, the token from
// deadtime, crypto on; and corosync's key, derived from authkeys.
#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <syslog.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::exporter {

namespace {

constexpr size_t kMaxKnetLinks = 8;
constexpr size_t kKeyBytes = 256;  // corosync-keygen's default

// One knet link: the twinbeat links on one interface (a ucast pair is one).
struct Ring {
  std::string interface;
  std::vector<const config::LinkSpec*> specs;
  std::string addr[2];  // by node index
};

std::string spec_text(const config::LinkSpec& l) {
  std::string s = std::string(config::to_string(l.kind)) + " " + l.interface;
  if (l.kind == config::LinkKind::ucast) s += " " + l.peer;
  if (l.kind == config::LinkKind::mcast) s += " " + l.group;
  return s;
}

bool same_subnet(const std::string& a, const std::string& b, int prefix) {
  in_addr x{}, y{};
  if (::inet_pton(AF_INET, a.c_str(), &x) != 1 || ::inet_pton(AF_INET, b.c_str(), &y) != 1)
    return false;
  const uint32_t mask = prefix <= 0 ? 0 : htonl(~uint32_t{0} << (32 - std::min(prefix, 32)));
  return (x.s_addr & mask) == (y.s_addr & mask);
}

const LocalAddress* local_on(const Options& o, const std::string& iface) {
  for (const auto& l : o.local)
    if (l.interface == iface) return &l;
  return nullptr;
}

bool is_local(const Options& o, const std::string& addr) {
  for (const auto& l : o.local)
    if (l.address == addr) return true;
  return false;
}

int given_owner(const Options& o, const std::vector<std::string>& nodes, const std::string& addr) {
  for (int i = 0; i < 2; ++i) {
    auto it = o.node_addresses.find(nodes[i]);
    if (it == o.node_addresses.end()) continue;
    for (const auto& a : it->second)
      if (a == addr) return i;
  }
  return -1;
}

// Fills ring.addr; reports what it cannot tell at the ring's first line.
void resolve_ring(Ring& ring, const std::vector<std::string>& nodes, int self, const Options& o,
                  std::set<std::string>& used, Findings& f) {
  const SourceLoc where = ring.specs[0]->where;
  std::vector<std::string> unknown;
  for (const auto* l : ring.specs) {
    if (l->kind != config::LinkKind::ucast) continue;
    int owner = given_owner(o, nodes, l->peer);
    if (owner < 0 && self >= 0 && is_local(o, l->peer)) owner = self;
    if (owner < 0) unknown.push_back(l->peer);
    else ring.addr[owner] = l->peer;
  }
  // On a node, a ucast address that is not ours is the peer's, as
  // twinbeatd reads it.
  if (self >= 0 && unknown.size() == 1 && ring.addr[1 - self].empty()) {
    ring.addr[1 - self] = unknown[0];
    unknown.clear();
  }
  // Addresses given with --address, then this host's own on the interface.
  const LocalAddress* mine = self >= 0 ? local_on(o, ring.interface) : nullptr;
  const int prefix = mine ? mine->prefix : 24;
  for (int i = 0; i < 2; ++i) {
    if (!ring.addr[i].empty()) continue;
    auto it = o.node_addresses.find(nodes[i]);
    if (it == o.node_addresses.end()) continue;
    const std::string& other = ring.addr[1 - i];
    const std::string& near = !other.empty() ? other : mine ? mine->address : std::string();
    std::vector<std::string> free;  // not on another link already
    for (const auto& a : it->second)
      if (!used.count(a)) free.push_back(a);
    for (const auto& a : free) {
      if ((near.empty() && free.size() == 1) || (!near.empty() && same_subnet(a, near, prefix))) {
        ring.addr[i] = a;
        break;
      }
    }
  }
  if (self >= 0 && ring.addr[self].empty() && mine) ring.addr[self] = mine->address;
  for (const auto& a : ring.addr) used.insert(a);
  for (const auto& a : unknown)
    if (a != ring.addr[0] && a != ring.addr[1])
      f.error(where, spec_text(*ring.specs[0]) + ": cannot tell whether " + a + " is " + nodes[0] +
                         "'s or " + nodes[1] +
                         "'s (it is not an address of this host); run the export on a node, or "
                         "give --address NODE=" + a);
  for (int i = 0; i < 2; ++i)
    if (ring.addr[i].empty())
      f.error(where, spec_text(*ring.specs[0]) + ": corosync needs " + nodes[i] +
                         "'s address on " + ring.interface + "; give --address " + nodes[i] +
                         "=IP" + (self < 0 ? " (or run the export on a node)" : ""));
  if (!ring.addr[0].empty() && ring.addr[0] == ring.addr[1])
    f.error(where, spec_text(*ring.specs[0]) + ": both nodes would have " + ring.addr[0]);
}

std::vector<Ring> rings_of(const config::HaCf& cf, Findings& f) {
  std::vector<Ring> rings;
  for (const auto& l : cf.links) {
    Ring* found = nullptr;
    for (auto& r : rings)
      if (r.interface == l.interface) found = &r;
    if (!found) {
      rings.push_back({l.interface, {}, {}});
      found = &rings.back();
    } else if (found->specs[0]->kind != l.kind) {
      f.warn(Mapping::changed, l.where, spec_text(l),
             "shares " + l.interface + " with " + spec_text(*found->specs[0]) + " (line " +
                 std::to_string(found->specs[0]->where.line) +
                 "): corosync gets one knet link for both");
    }
    found->specs.push_back(&l);
  }
  return rings;
}

void timer_rows(const config::HaCf& cf, const Options& o, Findings& f) {
  const std::string dt = config::format_time(cf.deadtime);
  f.row(Mapping::changed, cf.deadtime_where, "deadtime " + dt,
        "totem token: " + std::to_string(cf.deadtime.count()) +
            " ms; corosync declares a node lost after the token and then waits for consensus "
            "(1.2 x token) before the new membership, so detection takes about 2.2 x deadtime");
  f.row(Mapping::none, cf.keepalive_where, "keepalive " + config::format_time(cf.keepalive),
        "none: the token circulates continuously, and knet pings each link by itself");
  f.row(Mapping::none, cf.warntime_where, "warntime " + config::format_time(cf.warntime),
        "none: corosync logs retransmits, not late heartbeats");
  f.row(Mapping::none, cf.initdead_where, "initdead " + config::format_time(cf.initdead),
        "none: two_node's wait_for_all makes the first start wait for both nodes instead");
  f.row(Mapping::none, ha_cf_loc(cf, o, "udpport"), "udpport " + std::to_string(cf.udpport),
        "none on purpose: corosync keeps its own port (5405), so twinbeat and corosync can run "
        "side by side during the switch");
  if (cf.logfacility)
    f.row(Mapping::same, ha_cf_loc(cf, o, "logfacility"), "logfacility",
          "corosync logging syslog_facility (Pacemaker logs through syslog too)");
  if (!cf.logfile.empty() || !cf.debugfile.empty())
    f.row(Mapping::none, ha_cf_loc(cf, o, cf.logfile.empty() ? "debugfile" : "logfile"),
          "logfile/debugfile", "none: corosync and Pacemaker keep their own log files");
  f.row(Mapping::same, ha_cf_loc(cf, o, "realtime"), "realtime",
        "corosync runs at realtime priority unless started with -p");
}

const char* facility_name(int value) {
  static const std::pair<int, const char*> kNames[] = {
      {LOG_DAEMON, "daemon"}, {LOG_LOCAL0, "local0"}, {LOG_LOCAL1, "local1"},
      {LOG_LOCAL2, "local2"}, {LOG_LOCAL3, "local3"}, {LOG_LOCAL4, "local4"},
      {LOG_LOCAL5, "local5"}, {LOG_LOCAL6, "local6"}, {LOG_LOCAL7, "local7"},
      {LOG_USER, "user"},     {LOG_AUTH, "auth"},     {LOG_AUTHPRIV, "authpriv"},
  };
  for (const auto& [v, n] : kNames)
    if (v == value) return n;
  return "daemon";
}

}  // namespace

std::string corosync_conf(const config::ConfigSet& cfg, const Options& o, bool fencing,
                          Findings& f) {
  const config::HaCf& cf = cfg.ha_cf;
  if (cf.nodes.size() != 2) return "";
  int self = -1;
  for (int i = 0; i < 2; ++i)
    if (cf.nodes[i] == cfg.node) self = i;
  std::vector<Ring> rings = rings_of(cf, f);
  if (rings.size() > kMaxKnetLinks)
    f.error(rings[kMaxKnetLinks].specs[0]->where,
            "corosync's knet carries at most 8 links; this is link " +
                std::to_string(kMaxKnetLinks + 1));
  // Links that name addresses (ucast) first: what they use is not a
  // candidate for the others.
  std::set<std::string> used;
  for (int pass = 0; pass < 2; ++pass)
    for (auto& r : rings) {
      bool named = false;
      for (const auto* l : r.specs) named = named || l->kind == config::LinkKind::ucast;
      if (named == (pass == 0)) resolve_ring(r, cf.nodes, self, o, used, f);
    }
  timer_rows(cf, o, f);

  std::string s;
  s += "# corosync.conf for the twinbeat pair " + cf.nodes[0] + " and " + cf.nodes[1] +
       ", from " + cf.file + "\n# by twinbeat export pacemaker: see report.txt\n";
  s += "totem {\n\tversion: 2\n\tcluster_name: " + o.cluster_name + "\n\ttransport: knet\n";
  s += "\t# deadtime " + config::format_time(cf.deadtime) + "\n";
  s += "\ttoken: " + std::to_string(cf.deadtime.count()) + "\n";
  s += "\tcrypto_cipher: aes256\n\tcrypto_hash: sha256\n\tkeyfile: /etc/corosync/authkey\n";
  for (size_t i = 0; i < rings.size() && i < kMaxKnetLinks; ++i) {
    s += "\tinterface {\n\t\t# ";
    for (size_t k = 0; k < rings[i].specs.size(); ++k)
      s += (k ? "; " : "") + cf.file + ":" + std::to_string(rings[i].specs[k]->where.line) + " " +
           spec_text(*rings[i].specs[k]);
    s += "\n\t\tlinknumber: " + std::to_string(i) + "\n\t}\n";
    for (const auto* l : rings[i].specs)
      f.row(l->kind == config::LinkKind::ucast ? Mapping::same : Mapping::changed, l->where,
            spec_text(*l),
            "knet link " + std::to_string(i) + " (" + cf.nodes[0] + " " + rings[i].addr[0] + ", " +
                cf.nodes[1] + " " + rings[i].addr[1] + ")" +
                (l->kind == config::LinkKind::ucast ? "" : ", unicast between the two"));
  }
  s += "}\n\nnodelist {\n";
  for (int n = 0; n < 2; ++n) {
    s += "\tnode {\n\t\tname: " + cf.nodes[n] + "\n\t\tnodeid: " + std::to_string(n + 1) + "\n";
    for (size_t i = 0; i < rings.size() && i < kMaxKnetLinks; ++i)
      s += "\t\tring" + std::to_string(i) + "_addr: " + rings[i].addr[n] + "\n";
    s += "\t}\n";
  }
  s += "}\n\nquorum {\n\tprovider: corosync_votequorum\n\ttwo_node: 1\n";
  const bool wait_for_all = cf.wait_for_all.value_or(fencing);
  if (!wait_for_all) s += "\twait_for_all: 0\n";
  f.row(Mapping::same, ha_cf_loc(cf, o, "wait_for_all"),
        std::string("wait_for_all ") + (wait_for_all ? "on" : "off"),
        std::string("corosync two_node: 1 with wait_for_all: ") + (wait_for_all ? "1" : "0"));
  s += "}\n\nlogging {\n\tto_syslog: yes\n";
  if (cf.logfacility) s += std::string("\tsyslog_facility: ") + facility_name(*cf.logfacility) + "\n";
  s += "\tto_logfile: yes\n\tlogfile: /var/log/corosync/corosync.log\n\ttimestamp: hires\n}\n";
  f.row(Mapping::same, cf.node_where, "node " + cf.nodes[0] + " " + cf.nodes[1],
        "nodelist: " + cf.nodes[0] + " nodeid 1, " + cf.nodes[1] +
            " nodeid 2; quorum two_node: 1 (either node alone keeps quorum)");
  return s;
}

std::string derive_corosync_key(const std::string& secret, const std::string& cluster_name) {
  struct KdfFree {
    void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
    void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
  };
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return "";
  std::unique_ptr<EVP_KDF_CTX, KdfFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return "";
  std::string salt = "twinbeat corosync authkey";
  std::string info = cluster_name;
  std::string ikm = secret;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  std::string key(kKeyBytes, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(key.data()), key.size(),
                     params) != 1)
    return "";
  return key;
}

}  // namespace twinbeat::exporter
