// Keyring: one pre-keyed OpenSSL HMAC context per authkeys key, re-initialised
// (not re-keyed) per packet, and Heartbeat's CRC-32 for the `crc` method.
#include "twinbeat/wire/keyring.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>
#include <utility>

namespace twinbeat::wire {

namespace {

struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using MacPtr = std::unique_ptr<EVP_MAC, MacFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

Result<MacCtxPtr> keyed_hmac(int id, const config::AuthKey& key);
uint32_t crc32_posix(std::span<const uint8_t> data);

}  // namespace

struct Keyring::Slot {
  config::AuthKey key;
  size_t mac_size = 0;
  MacCtxPtr ctx;  // null for crc
};

Keyring::Keyring() = default;
Keyring::Keyring(Keyring&&) noexcept = default;
Keyring& Keyring::operator=(Keyring&&) noexcept = default;
Keyring::~Keyring() = default;

Result<Keyring> Keyring::create(const config::AuthKeys& keys) {
  Keyring ring;
  for (int id = 0; id < config::kMaxAuthKeys; ++id) {
    const auto& key = keys.keys[id];
    if (!key) continue;
    auto slot = std::make_unique<Slot>();
    slot->key = *key;
    slot->mac_size = config::mac_size(key->method);
    if (key->method != config::AuthMethod::crc) {
      auto ctx = keyed_hmac(id, slot->key);
      if (!ctx) return ctx.error();
      slot->ctx = std::move(ctx.value());
    }
    ring.slots_[id] = std::move(slot);
  }
  if (keys.active_id < 0 || keys.active_id >= config::kMaxAuthKeys || !ring.slots_[keys.active_id])
    return Error{
        0, "authkeys: active key " + std::to_string(keys.active_id) + " is not listed", {}};
  ring.active_id_ = keys.active_id;
  return ring;
}

const config::AuthKey* Keyring::key(int id) const {
  if (id < 0 || id >= config::kMaxAuthKeys || !slots_[id]) return nullptr;
  return &slots_[id]->key;
}

size_t Keyring::mac(int id, std::span<const uint8_t> data,
                    std::span<uint8_t, kMaxMacSize> out) const {
  if (id < 0 || id >= config::kMaxAuthKeys || !slots_[id]) return 0;
  const Slot& slot = *slots_[id];
  if (!slot.ctx) {
    const uint32_t crc = crc32_posix(data);
    for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
    return 4;
  }
  // A NULL key re-initialises the context with the key it already holds, so
  // no key schedule is computed per packet.
  size_t written = 0;
  if (EVP_MAC_init(slot.ctx.get(), nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(slot.ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(slot.ctx.get(), out.data(), &written, out.size()) != 1 ||
      written != slot.mac_size) {
    ERR_clear_error();  // nothing to report per packet: the MAC just fails
    return 0;
  }
  return written;
}

bool Keyring::verify(int id, std::span<const uint8_t> data, std::span<const uint8_t> mac) const {
  const config::AuthKey* k = key(id);
  if (k == nullptr || mac.size() != config::mac_size(k->method)) return false;
  uint8_t expected[kMaxMacSize];
  const size_t n = this->mac(id, data, std::span<uint8_t, kMaxMacSize>(expected));
  return n == mac.size() && CRYPTO_memcmp(expected, mac.data(), n) == 0;
}

namespace {

// The first queued OpenSSL error, with context; empties the queue.
Error openssl_error(const std::string& context) {
  const unsigned long code = ERR_get_error();
  char text[256] = "unknown OpenSSL error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return Error{0, context + ": " + text, {}};
}

const char* digest_name(config::AuthMethod m) {
  switch (m) {
    case config::AuthMethod::sha256:
      return "SHA256";
    case config::AuthMethod::sha512:
      return "SHA512";
    case config::AuthMethod::sha1:
      return "SHA1";
    case config::AuthMethod::md5:
      return "MD5";
    case config::AuthMethod::crc:
      break;
  }
  return nullptr;
}

Result<MacCtxPtr> keyed_hmac(int id, const config::AuthKey& key) {
  const std::string which = "authkeys key " + std::to_string(id);
  const char* digest = digest_name(key.method);
  if (digest == nullptr)
    return Error{0,
                 which + ": method " + std::to_string(static_cast<int>(key.method)) +
                     " is not an HMAC method",
                 {}};
  const std::string what = which + " (HMAC-" + digest + ")";
  MacPtr hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!hmac) return openssl_error(what + ": fetch HMAC");
  MacCtxPtr ctx(EVP_MAC_CTX_new(hmac.get()));  // holds its own reference to hmac
  if (!ctx) return openssl_error(what + ": new HMAC context");
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end(),
  };
  const auto* secret = reinterpret_cast<const unsigned char*>(key.secret.data());
  if (EVP_MAC_init(ctx.get(), secret, key.secret.size(), params) != 1)
    return openssl_error(what + ": key setup");
  return ctx;
}

// CRC-32/POSIX without the length, as Heartbeat's crc plugin computes it
// (hb:lib/plugins/HBauth/crc.c): polynomial 0x04C11DB7, MSB first, init 0,
// final complement, no reflection.
constexpr auto kCrcTable = [] {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i << 24;
    for (int bit = 0; bit < 8; ++bit) c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
    table[i] = c;
  }
  return table;
}();

uint32_t crc32_posix(std::span<const uint8_t> data) {
  uint32_t crc = 0;
  for (uint8_t byte : data) crc = (crc << 8) ^ kCrcTable[((crc >> 24) ^ byte) & 0xFF];
  return ~crc;
}

}  // namespace

}  // namespace twinbeat::wire
