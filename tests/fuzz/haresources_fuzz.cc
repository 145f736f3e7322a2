// libFuzzer target: haresources text from memory through the parser and the
// node check. Traps if a successful parse breaks a promise of haresources.h.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/config/haresources.h"

using namespace twinbeat;
using namespace twinbeat::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Parsed<HaResources> parsed = parse_haresources(text, "haresources");
  for (const Diagnostic& d : parsed.diagnostics) (void)d.to_string();
  if (!parsed.ok()) return 0;

  std::set<std::string> seen;
  for (const GroupSpec& g : parsed.value.groups) {
    if (g.resources.empty() || g.name != g.resources[0].text) __builtin_trap();
    for (const ResourceSpec& r : g.resources) {
      if (r.agent.empty() || r.agent.find('/') != std::string::npos) __builtin_trap();
      if (!seen.insert(r.text).second) __builtin_trap();
      for (const std::string& arg : r.args)
        if (arg.empty()) __builtin_trap();
    }
  }
  std::vector<Diagnostic> out;
  validate_haresources_nodes(parsed.value, {"node1", "node2"}, out);
  return 0;
}
