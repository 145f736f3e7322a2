// libFuzzer target: ha.cf text from memory through the parser, the checks
// against a host, and the link labels. Traps if a successful parse breaks a
// promise of ha_cf.h.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/config/ha_cf.h"
#include "twinbeat/config/tokens.h"

using namespace twinbeat;
using namespace twinbeat::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Parsed<HaCf> parsed = parse_ha_cf(text, "ha.cf");
  for (const Diagnostic& d : parsed.diagnostics) (void)d.to_string();
  if (!parsed.ok()) return 0;

  const HaCf& cf = parsed.value;
  if (cf.nodes.size() != 2 || cf.links.empty()) __builtin_trap();
  if (cf.keepalive.count() <= 0 || cf.deadtime < 2 * cf.keepalive) __builtin_trap();
  if (cf.warntime >= cf.deadtime || cf.initdead < cf.deadtime) __builtin_trap();
  for (const LinkSpec& link : cf.links)
    if (link.port == 0 || link.interface.empty()) __builtin_trap();

  const std::vector<std::string> labels = link_labels(cf.links);
  if (labels.size() != cf.links.size()) __builtin_trap();
  if (std::set<std::string>(labels.begin(), labels.end()).size() != labels.size()) __builtin_trap();

  std::vector<Diagnostic> out;
  validate_ha_cf_for_host(
      cf, cf.nodes[0], [](const std::string& n) { return n == "eth0"; }, out);
  if (peer_of(cf, cf.nodes[0]) != cf.nodes[1]) __builtin_trap();
  (void)format_time(cf.deadtime);
  return 0;
}
