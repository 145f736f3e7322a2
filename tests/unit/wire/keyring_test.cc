// Keyring: known-answer HMAC vectors (RFC 4231, RFC 2202), Heartbeat's CRC
// check value, and what verify refuses.
#include "twinbeat/wire/keyring.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "CppUTest/TestHarness.h"

using twinbeat::config::AuthKey;
using twinbeat::config::AuthKeys;
using twinbeat::config::AuthMethod;
using twinbeat::wire::Keyring;
using twinbeat::wire::kMaxMacSize;

namespace {

AuthKeys one_key(AuthMethod method, std::string secret, int id = 1) {
  AuthKeys keys;
  keys.active_id = id;
  keys.keys[id] = AuthKey{id, method, std::move(secret), {}};
  return keys;
}

Keyring ring_of(const AuthKeys& keys) {
  auto ring = Keyring::create(keys);
  if (!ring) FAIL(ring.error().to_string().c_str());
  return std::move(ring.value());
}

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string hex(std::span<const uint8_t> b) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t c : b) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// The MAC of `data` under key 1 of `ring`, as lower-case hex.
std::string mac_hex(const Keyring& ring, std::string_view data) {
  uint8_t out[kMaxMacSize];
  const size_t n = ring.mac(1, bytes(data), out);
  return hex({out, n});
}

struct Vector {
  AuthMethod method;
  std::string key;
  std::string data;
  std::string mac;
};

const std::string kHiThere = "Hi There";
const std::string kJefeData = "what do ya want for nothing?";
const std::string kLargeKeyData = "Test Using Larger Than Block-Size Key - Hash Key First";

// RFC 4231 test cases 1, 2, 6 and RFC 2202 test cases 1, 2, 6.
std::vector<Vector> known_answers() {
  return {
      {AuthMethod::sha256, std::string(20, '\x0b'), kHiThere,
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {AuthMethod::sha256, "Jefe", kJefeData,
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {AuthMethod::sha256, std::string(131, '\xaa'), kLargeKeyData,
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {AuthMethod::sha512, std::string(20, '\x0b'), kHiThere,
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
       "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
      {AuthMethod::sha512, "Jefe", kJefeData,
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
       "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      {AuthMethod::sha512, std::string(131, '\xaa'), kLargeKeyData,
       "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
       "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
      {AuthMethod::sha1, std::string(20, '\x0b'), kHiThere,
       "b617318655057264e28bc0b6fb378c8ef146be00"},
      {AuthMethod::sha1, "Jefe", kJefeData, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {AuthMethod::sha1, std::string(80, '\xaa'), kLargeKeyData,
       "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
      {AuthMethod::md5, std::string(16, '\x0b'), kHiThere, "9294727a3638bb1c13f48ef8158bfc9d"},
      {AuthMethod::md5, "Jefe", kJefeData, "750c783e6ab0b503eaa86e310a5db738"},
      {AuthMethod::md5, std::string(80, '\xaa'), kLargeKeyData, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
  };
}

}  // namespace

TEST_GROUP(Keyring){};

TEST(Keyring, every_hmac_method_matches_its_rfc_known_answers) {
  for (const Vector& v : known_answers()) {
    const Keyring ring = ring_of(one_key(v.method, v.key));
    STRCMP_EQUAL_TEXT(v.mac.c_str(), mac_hex(ring, v.data).c_str(),
                      twinbeat::config::to_string(v.method));
  }
}

TEST(Keyring, a_reused_context_gives_the_same_mac_every_time) {
  // Given one keyring whose contexts are re-initialised per call
  const Keyring ring = ring_of(one_key(AuthMethod::sha256, "Jefe"));
  // When it MACs another message in between, then the same message twice
  const std::string first = mac_hex(ring, kJefeData);
  const std::string other = mac_hex(ring, kHiThere);
  const std::string again = mac_hex(ring, kJefeData);
  // Then the key was kept and no state leaked from one message to the next
  STRCMP_EQUAL("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", first.c_str());
  STRCMP_EQUAL(first.c_str(), again.c_str());
  CHECK(other != first);
}

TEST(Keyring, each_key_of_a_ring_macs_with_its_own_secret_and_method) {
  AuthKeys keys;
  keys.active_id = 2;
  keys.keys[1] = AuthKey{1, AuthMethod::sha1, "Jefe", {}};
  keys.keys[2] = AuthKey{2, AuthMethod::md5, "Jefe", {}};
  const Keyring ring = ring_of(keys);
  uint8_t out[kMaxMacSize];
  const size_t n1 = ring.mac(1, bytes(kJefeData), out);
  STRCMP_EQUAL("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", hex({out, n1}).c_str());
  const size_t n2 = ring.mac(2, bytes(kJefeData), out);
  STRCMP_EQUAL("750c783e6ab0b503eaa86e310a5db738", hex({out, n2}).c_str());
  LONGS_EQUAL(2, ring.active_id());
}

TEST(Keyring, crc_is_heartbeats_crc32_posix_without_length) {
  const Keyring ring = ring_of(one_key(AuthMethod::crc, ""));
  // The CRC-32/POSIX check value, big-endian, as 4 MAC bytes.
  STRCMP_EQUAL("765e7680", mac_hex(ring, "123456789").c_str());
  // No length is appended: the empty message is just the final complement.
  STRCMP_EQUAL("ffffffff", mac_hex(ring, "").c_str());
}

TEST(Keyring, macs_have_the_size_of_their_method) {
  const std::pair<AuthMethod, size_t> sizes[] = {{AuthMethod::sha256, 32},
                                                 {AuthMethod::sha512, 64},
                                                 {AuthMethod::sha1, 20},
                                                 {AuthMethod::md5, 16},
                                                 {AuthMethod::crc, 4}};
  for (const auto& [method, size] : sizes) {
    const Keyring ring = ring_of(one_key(method, method == AuthMethod::crc ? "" : "secret"));
    uint8_t out[kMaxMacSize];
    LONGS_EQUAL_TEXT(size, ring.mac(1, bytes("x"), out), twinbeat::config::to_string(method));
  }
}

TEST(Keyring, verify_accepts_the_mac_and_refuses_any_other) {
  const Keyring ring = ring_of(one_key(AuthMethod::sha256, "secret"));
  uint8_t mac[kMaxMacSize];
  const size_t n = ring.mac(1, bytes("payload"), mac);
  const std::span<const uint8_t> good(mac, n);
  CHECK_TRUE(ring.verify(1, bytes("payload"), good));
  CHECK_FALSE(ring.verify(1, bytes("payloaD"), good));               // other data
  CHECK_FALSE(ring.verify(1, bytes("payload"), good.first(n - 1)));  // short MAC
  CHECK_FALSE(ring.verify(1, bytes("payload"), std::span<const uint8_t>(mac, n + 1)));
  CHECK_FALSE(ring.verify(2, bytes("payload"), good));  // key not held
  for (size_t i = 0; i < n; ++i) {
    mac[i] ^= 0x80;
    CHECK_FALSE_TEXT(ring.verify(1, bytes("payload"), good), "flipped MAC byte");
    mac[i] ^= 0x80;
  }
  CHECK_TRUE(ring.verify(1, bytes("payload"), good));
}

TEST(Keyring, a_truncated_hmac_is_refused_even_if_its_prefix_is_right) {
  // A 4-byte prefix of an HMAC is the size of a crc MAC: still refused.
  const Keyring ring = ring_of(one_key(AuthMethod::sha256, "secret"));
  uint8_t mac[kMaxMacSize];
  ring.mac(1, bytes("payload"), mac);
  CHECK_FALSE(ring.verify(1, bytes("payload"), std::span<const uint8_t>(mac, 4)));
}

TEST(Keyring, keys_not_held_have_no_mac) {
  const Keyring ring = ring_of(one_key(AuthMethod::sha256, "secret", 3));
  uint8_t out[kMaxMacSize];
  LONGS_EQUAL(0, ring.mac(2, bytes("x"), out));
  LONGS_EQUAL(0, ring.mac(-1, bytes("x"), out));
  LONGS_EQUAL(0, ring.mac(16, bytes("x"), out));
  POINTERS_EQUAL(nullptr, ring.key(2));
  POINTERS_EQUAL(nullptr, ring.key(16));
  CHECK(ring.key(3) != nullptr);
  LONGS_EQUAL(3, ring.key(3)->id);
  LONGS_EQUAL(3, ring.active_id());
}

TEST(Keyring, create_refuses_an_active_key_that_is_not_listed) {
  AuthKeys keys = one_key(AuthMethod::sha256, "secret", 1);
  keys.active_id = 4;
  auto ring = Keyring::create(keys);
  CHECK_FALSE(ring.ok());
  STRCMP_EQUAL("authkeys: active key 4 is not listed", ring.error().to_string().c_str());
}

TEST(Keyring, create_refuses_a_method_it_cannot_mac_and_says_which_key) {
  AuthKeys keys = one_key(AuthMethod::sha256, "secret", 1);
  keys.keys[5] = AuthKey{5, static_cast<AuthMethod>(9), "secret", {}};
  auto ring = Keyring::create(keys);
  CHECK_FALSE(ring.ok());
  STRCMP_EQUAL("authkeys key 5: method 9 is not an HMAC method", ring.error().to_string().c_str());
}

TEST(Keyring, a_moved_keyring_still_macs) {
  Keyring first = ring_of(one_key(AuthMethod::sha1, "Jefe"));
  Keyring second = std::move(first);
  STRCMP_EQUAL("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", mac_hex(second, kJefeData).c_str());
}
