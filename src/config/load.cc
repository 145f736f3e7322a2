// Loading a configuration directory: read each file, parse, cross-check.
#include "twinbeat/config/load.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "twinbeat/config/tokens.h"

namespace twinbeat::config {

namespace {

// Reads a whole file; on failure adds "PATH: cannot read: why" unless the
// file is optional and absent. (POSIX reads, not iostreams: the daemon then
// carries no locale machinery in its resident memory.)
bool read_file(const std::string& path, bool optional, std::string& text,
               std::vector<Diagnostic>& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ssize_t n = 0;
  if (fd >= 0) {
    char buf[8192];
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    ::close(fd);
  }
  if (fd < 0 || n < 0) {
    if (optional && errno == ENOENT) return false;
    out.push_back({Severity::error, {path, 0}, std::string("cannot read: ") + std::strerror(errno)});
    return false;
  }
  return true;
}

void append(std::vector<Diagnostic>& to, std::vector<Diagnostic>&& from) {
  for (auto& d : from) to.push_back(std::move(d));
}

bool executable_file(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_fence_agent(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) return "";
  const char* env = std::getenv("PATH");
  std::string dirs = std::string(env ? env : "") + ":/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && executable_file(dir + "/" + name)) return dir + "/" + name;
    start = end + 1;
  }
  return "";
}

Parsed<ConfigSet> load_config(const LoadOptions& options) {
  Parsed<ConfigSet> result;
  auto& diags = result.diagnostics;
  ConfigSet& set = result.value;
  set.node = to_lower(options.node);

  const std::string ha_cf_path = options.dir + "/ha.cf";
  std::string text;
  if (read_file(ha_cf_path, false, text, diags)) {
    auto parsed = parse_ha_cf(text, ha_cf_path);
    append(diags, std::move(parsed.diagnostics));
    set.ha_cf = std::move(parsed.value);
    // Against this host too, even when the file has errors: every problem
    // is reported in one pass.
    auto exists = options.interface_exists ? options.interface_exists
                                           : [](const std::string&) { return true; };
    validate_ha_cf_for_host(set.ha_cf, set.node, exists, diags);
    if (result.ok()) set.peer = peer_of(set.ha_cf, set.node);
  }

  const std::string authkeys_path = options.dir + "/authkeys";
  struct stat st{};
  if (::stat(authkeys_path.c_str(), &st) == 0) {
    if (auto bad = check_authkeys_mode(st.st_uid, st.st_mode, authkeys_path))
      diags.push_back(std::move(*bad));
  }
  text.clear();
  if (read_file(authkeys_path, false, text, diags)) {
    auto parsed = parse_authkeys(text, authkeys_path);
    append(diags, std::move(parsed.diagnostics));
    set.authkeys = std::move(parsed.value);
  }

  if (result.ok() && !set.peer.empty()) {
    FenceLookup lookup;
    lookup.find_agent = find_fence_agent;
    lookup.libvirt_agent = options.libvirt_agent;
    lookup.read_file = [](const std::string& path, std::string& out) {
      std::vector<Diagnostic> ignored;  // the caller reports "cannot read" itself
      return read_file(path, false, out, ignored);
    };
    auto devices = fence_devices(set.ha_cf, set.node, set.peer, lookup);
    append(diags, std::move(devices.diagnostics));
    set.fence_devices = std::move(devices.value);
  }

  const std::string res_path = options.dir + "/haresources";
  text.clear();
  if (read_file(res_path, true, text, diags)) {
    auto parsed = parse_haresources(text, res_path);
    append(diags, std::move(parsed.diagnostics));
    set.haresources = std::move(parsed.value);
    if (!set.ha_cf.nodes.empty()) validate_haresources_nodes(set.haresources, set.ha_cf.nodes, diags);
  }
  return result;
}

}  // namespace twinbeat::config
