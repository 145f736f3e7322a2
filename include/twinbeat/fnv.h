// FNV-1a, 64 bits: a stable hash of names and file contents for the wire
// (group ids, the haresources digest). Not a MAC: packets are authenticated
// separately.
#pragma once

#include <cstdint>
#include <string_view>

namespace twinbeat {

inline uint64_t fnv1a64(std::string_view data, uint64_t h = 14695981039346656037ull) {
  for (char c : data) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace twinbeat
