// libFuzzer target: authkeys text from memory through the parser. Traps if a
// successful parse breaks a promise of authkeys.h.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "twinbeat/config/authkeys.h"

using namespace twinbeat;
using namespace twinbeat::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Parsed<AuthKeys> parsed = parse_authkeys(text, "authkeys");
  for (const Diagnostic& d : parsed.diagnostics) (void)d.to_string();
  if (!parsed.ok()) return 0;

  const AuthKeys& keys = parsed.value;
  if (keys.find(keys.active_id) == nullptr) __builtin_trap();
  for (int id = -1; id <= kMaxAuthKeys; ++id) {
    const AuthKey* key = keys.find(id);
    if (key == nullptr) continue;
    if (key->id != id || mac_size(key->method) == 0) __builtin_trap();
    if ((key->method == AuthMethod::crc) != key->secret.empty()) __builtin_trap();
    if (key->secret.find_first_of(" \t\r\n") != std::string::npos) __builtin_trap();
  }
  return 0;
}
