// `twinbeat export pacemaker`: reads the configuration directory the way
// an export needs it (from any host: fence agents and interfaces need not
// be here), exports it, prints every diagnostic, writes the files.
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "twinbeat/config/tokens.h"
#include "twinbeat/export/pacemaker.h"

namespace twinbeat::exporter {

namespace {

constexpr int kExitBadArgs = 2;
constexpr int kExitNotConfigured = 6;

const char kUsage[] =
    "usage: twinbeat [-c CONFDIR] [--node NAME] export pacemaker [--format crmsh|cib]\n"
    "           [--out DIR] [--cluster-name NAME] [--haproxy-class systemd|lsb]\n"
    "           [--address NODE=IP]...\n";

struct Args {
  Format format = Format::crmsh;
  std::string out = ".";
  Options options;
};

bool read_text(const std::string& path, std::string& text, int& err) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  err = n < 0 ? errno : 0;
  ::close(fd);
  return n == 0;
}

bool parse_args(const std::vector<std::string>& args, Args& a) {
  if (args.empty() || args[0] != "pacemaker") return false;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string key = args[i], value;
    const size_t eq = key.find('=');
    if (key.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return false;
    }
    if (key == "--format" && (value == "crmsh" || value == "cib")) {
      a.format = value == "cib" ? Format::cib : Format::crmsh;
    } else if (key == "--out" && !value.empty()) {
      a.out = value;
    } else if (key == "--cluster-name" && !value.empty() && value.size() <= 64) {
      a.options.cluster_name = value;
    } else if (key == "--haproxy-class" && (value == "systemd" || value == "lsb")) {
      a.options.haproxy = value == "lsb" ? ServiceClass::lsb : ServiceClass::systemd;
    } else if (key == "--address" && value.find('=') != std::string::npos) {
      const size_t at = value.find('=');
      in_addr probe{};
      const std::string ip = value.substr(at + 1);
      if (::inet_pton(AF_INET, ip.c_str(), &probe) != 1) return false;
      a.options.node_addresses[config::to_lower(value.substr(0, at))].push_back(ip);
    } else {
      return false;
    }
  }
  return true;
}

std::vector<LocalAddress> local_addresses() {
  std::vector<LocalAddress> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask) continue;
    char buf[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf, sizeof buf);
    const uint32_t mask = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr);
    out.push_back({i->ifa_name, buf, __builtin_popcount(mask)});
  }
  ::freeifaddrs(list);
  return out;
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::getrandom(out.data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return "";
    got += static_cast<size_t>(r);
  }
  return out;
}

// Everything export reads, with every diagnostic. Unlike load_config, a
// fence agent missing on this host is not an error (the export may run off
// the nodes), and this host need not be a node.
Parsed<config::ConfigSet> load(const std::string& dir, const std::string& node,
                               std::vector<config::FenceDevice>& devices, std::string& ha_cf_text) {
  Parsed<config::ConfigSet> r;
  config::ConfigSet& c = r.value;
  auto keep_errors = [&r](std::vector<Diagnostic>& from) {
    for (auto& d : from)
      if (d.severity == Severity::error) r.diagnostics.push_back(std::move(d));
  };
  int err = 0;
  const std::string ha_cf = dir + "/ha.cf";
  if (!read_text(ha_cf, ha_cf_text, err)) {
    r.diagnostics.push_back({Severity::error, {ha_cf, 0}, std::string("cannot read: ") + std::strerror(err)});
    return r;
  }
  auto cf = config::parse_ha_cf(ha_cf_text, ha_cf);
  keep_errors(cf.diagnostics);
  c.ha_cf = std::move(cf.value);
  for (const auto& n : c.ha_cf.nodes)
    if (n == config::to_lower(node)) c.node = n;
  if (!c.node.empty()) c.peer = config::peer_of(c.ha_cf, c.node);

  const std::string keys = dir + "/authkeys";
  struct stat st{};
  if (::stat(keys.c_str(), &st) == 0) {
    if (auto bad = config::check_authkeys_mode(st.st_uid, st.st_mode, keys))
      r.diagnostics.push_back(std::move(*bad));
  }
  std::string text;
  if (!read_text(keys, text, err)) {
    r.diagnostics.push_back({Severity::error, {keys, 0}, std::string("cannot read: ") + std::strerror(err)});
  } else {
    auto k = config::parse_authkeys(text, keys);
    keep_errors(k.diagnostics);
    c.authkeys = std::move(k.value);
  }

  const std::string res = dir + "/haresources";
  text.clear();
  if (read_text(res, text, err)) {
    auto h = config::parse_haresources(text, res);
    keep_errors(h.diagnostics);
    c.haresources = std::move(h.value);
    config::validate_haresources_nodes(c.haresources, c.ha_cf.nodes, r.diagnostics);
  } else if (err != ENOENT) {
    r.diagnostics.push_back({Severity::error, {res, 0}, std::string("cannot read: ") + std::strerror(err)});
  }

  config::FenceLookup lookup;
  lookup.find_agent = [](const std::string& name) {
    const std::string found = config::find_fence_agent(name);
    return found.empty() ? "/usr/sbin/" + name : found;
  };
  lookup.libvirt_agent = "/usr/sbin/fence_twinbeat_libvirt";
  lookup.read_file = [](const std::string& path, std::string& out) {
    int e = 0;
    return read_text(path, out, e);
  };
  if (r.ok()) {
    auto d = devices_for_both_nodes(c.ha_cf, lookup);
    keep_errors(d.diagnostics);
    devices = std::move(d.value);
  }
  return r;
}

bool write_file(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    std::fprintf(stderr, "twinbeat: %s: %s\n", tmp.c_str(), std::strerror(errno));
    return false;
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool ok = done == data.size() && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "twinbeat: %s: %s\n", path.c_str(), std::strerror(ok ? errno : saved));
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

// The directory as an absolute path without "." or "..": script paths in
// the export are written from it.
std::string absolute(const std::string& dir) {
  char buf[PATH_MAX];
  if (::realpath(dir.c_str(), buf)) return buf;
  return dir;
}

}  // namespace

int export_command(const std::string& confdir, const std::string& node,
                   const std::vector<std::string>& args) {
  Args a;
  if (!parse_args(args, a)) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  a.options.confdir = absolute(confdir);
  std::vector<config::FenceDevice> devices;
  std::string ha_cf_text;
  auto loaded = load(a.options.confdir, node, devices, ha_cf_text);
  auto agents = resources::resolve_agents(loaded.value.haresources,
                                          resources::system_lookup(a.options.confdir));
  for (auto& d : agents.diagnostics) loaded.diagnostics.push_back(d);
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    std::fprintf(stderr, "twinbeat: %s: nothing exported\n", confdir.c_str());
    return kExitNotConfigured;
  }
  a.options.ha_cf_lines = scan_directive_lines(ha_cf_text);
  a.options.local = local_addresses();
  a.options.random_bytes = random_bytes;
  auto exported = export_pacemaker(loaded.value, agents.value, devices, a.options);
  for (const auto& d : exported.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  if (!exported.ok()) {
    std::fprintf(stderr, "twinbeat: %s: nothing exported\n", confdir.c_str());
    return kExitNotConfigured;
  }
  if (::mkdir(a.out.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "twinbeat: %s: %s\n", a.out.c_str(), std::strerror(errno));
    return 1;
  }
  const Exported& e = exported.value;
  const std::string dir = a.out + "/";
  const std::string resources_file = a.format == Format::crmsh ? "cluster.crm" : "cib.xml";
  bool ok = write_file(dir + "corosync.conf", e.corosync_conf, 0644) &&
            write_file(dir + "authkey", e.authkey, 0400) &&
            write_file(dir + resources_file, a.format == Format::crmsh ? e.crmsh : e.cib_xml, 0644) &&
            write_file(dir + "report.txt", e.report, 0644);
  if (ok && !e.ocf_agent.empty()) ok = write_file(dir + "haresource", e.ocf_agent, 0755);
  if (!ok) return 1;
  int counts[3] = {0, 0, 0};
  for (const auto& r : e.rows) ++counts[static_cast<int>(r.mapping)];
  std::printf("%scorosync.conf, %sauthkey (%s), %s%s, %sreport.txt%s\n", dir.c_str(), dir.c_str(),
              e.authkey_derived ? "derived from authkeys" : "random: copy it to the other node",
              dir.c_str(), resources_file.c_str(), dir.c_str(),
              e.ocf_agent.empty() ? "" : (", " + dir + "haresource (ocf:twinbeat:haresource)").c_str());
  std::printf("%d map one to one, %d change meaning, %d have no equivalent: see %sreport.txt\n",
              counts[0], counts[1], counts[2], dir.c_str());
  return 0;
}

}  // namespace twinbeat::exporter
