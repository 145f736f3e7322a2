// libFuzzer target for wire::decode. The first byte picks a mode:
//   even: the rest is a datagram, decoded as received;
//   odd:  byte 1 picks a key, the rest is a body that gets a valid header and
//         MAC, so the fuzzer reaches the TLV parser behind the MAC.
// Whatever decodes must re-encode and decode to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "twinbeat/config/authkeys.h"
#include "twinbeat/wire/keyring.h"
#include "twinbeat/wire/packet.h"

namespace {

using namespace twinbeat;
using config::AuthMethod;

constexpr int kKeys = 5;  // ids 1..5, one per method

// Rings holding the same keys; ring i signs with key i.
const wire::Keyring& ring(int active) {
  static const std::vector<wire::Keyring> rings = [] {
    const AuthMethod methods[kKeys] = {AuthMethod::sha256, AuthMethod::sha512, AuthMethod::sha1,
                                       AuthMethod::md5, AuthMethod::crc};
    config::AuthKeys keys;
    for (int id = 1; id <= kKeys; ++id) {
      const AuthMethod m = methods[id - 1];
      keys.keys[id] = config::AuthKey{id, m, m == AuthMethod::crc ? "" : "fuzz-secret", {}};
    }
    std::vector<wire::Keyring> all;
    for (int id = 0; id <= kKeys; ++id) {
      keys.active_id = id == 0 ? 1 : id;
      auto r = wire::Keyring::create(keys);
      if (!r) std::abort();
      all.push_back(std::move(r.value()));
    }
    return all;
  }();
  return rings[static_cast<size_t>(active)];
}

// The header of packet.h with a valid MAC from key `id` around `body`.
std::vector<uint8_t> authentic(int id, std::span<const uint8_t> body) {
  const config::AuthKey& key = *ring(id).key(id);
  const size_t mac_size = config::mac_size(key.method);
  const size_t total = wire::kHeaderSize + body.size() + mac_size;
  if (total > 0xffff) return {};
  std::vector<uint8_t> p = {'T',
                            'W',
                            'N',
                            'B',
                            1,
                            1,
                            static_cast<uint8_t>(id),
                            static_cast<uint8_t>(key.method),
                            static_cast<uint8_t>(total >> 8),
                            static_cast<uint8_t>(total),
                            0,
                            0};
  p.resize(wire::kHeaderSize, 0);
  p[19] = 1;  // generation 1
  p[27] = 1;  // sequence 1
  p.insert(p.end(), body.begin(), body.end());
  uint8_t mac[wire::kMaxMacSize];
  if (ring(id).mac(id, p, mac) != mac_size) std::abort();
  p.insert(p.end(), mac, mac + mac_size);
  return p;
}

bool same_uplink(const wire::Message& a, const wire::Message& b) {
  if (a.has_uplink != b.has_uplink) return false;
  const wire::UplinkReport &x = a.uplink, &y = b.uplink;
  if (!a.has_uplink) return true;
  if (x.reach != y.reach || x.score_known != y.score_known || x.score != y.score ||
      x.node_count != y.node_count)
    return false;
  for (size_t i = 0; i < x.node_count; ++i)
    if (x.nodes[i].id != y.nodes[i].id || x.nodes[i].state != y.nodes[i].state) return false;
  return true;
}

bool same(const wire::Message& a, const wire::Message& b) {
  return a.type == b.type && a.key_id == b.key_id && a.generation == b.generation &&
         a.sequence == b.sequence && a.sender == b.sender &&
         a.timers.keepalive == b.timers.keepalive && a.timers.warntime == b.timers.warntime &&
         a.timers.deadtime == b.timers.deadtime && a.status == b.status && same_uplink(a, b);
}

// What decode accepts, encode must accept, and decode must read back as is.
void check_round_trip(const wire::Message& m) {
  if (m.key_id < 1 || m.key_id > kKeys) std::abort();
  std::vector<uint8_t> out(wire::kMaxPacketSize);
  const size_t n = wire::encode(m, ring(m.key_id), out);
  if (n == 0) std::abort();
  out.resize(n);
  auto again = wire::decode(out, ring(0));
  if (!std::holds_alternative<wire::Message>(again) || !same(m, std::get<wire::Message>(again)))
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  std::vector<uint8_t> datagram;
  if (data[0] % 2 == 0) {
    datagram.assign(rest.begin(), rest.end());  // exact size: ASan sees overreads
  } else {
    if (rest.empty()) return 0;
    datagram = authentic(1 + rest[0] % kKeys, rest.subspan(1));
    if (datagram.empty()) return 0;
  }
  auto result = wire::decode(datagram, ring(0));
  if (auto* m = std::get_if<wire::Message>(&result)) check_round_trip(*m);
  return 0;
}
