// Keyring: authkeys turned into ready-to-use MAC contexts (OpenSSL libcrypto).
// Built once per (re)load, so a packet costs one MAC and no key setup on the
// heartbeat path. (Inside libcrypto, OpenSSL 3.0's HMAC still makes two small
// allocations per MAC when it copies its precomputed digest states; measured.)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "twinbeat/config/authkeys.h"
#include "twinbeat/result.h"

namespace twinbeat::wire {

inline constexpr size_t kMaxMacSize = 64;

class Keyring {
 public:
  // Fails if the active key is not listed, or OpenSSL cannot set up a digest
  // (the message says which key and why).
  static Result<Keyring> create(const config::AuthKeys& keys);

  Keyring(Keyring&&) noexcept;
  Keyring& operator=(Keyring&&) noexcept;
  ~Keyring();

  // The key that signs what we send.
  int active_id() const { return active_id_; }
  // nullptr if `id` is not a key we hold.
  const config::AuthKey* key(int id) const;

  // Writes the MAC of `data` under key `id` into `out` (mac_size(method)
  // bytes) and returns its size, or 0 if the key is unknown (or OpenSSL fails).
  // Not thread-safe: mac and verify reuse one context per key.
  size_t mac(int id, std::span<const uint8_t> data, std::span<uint8_t, kMaxMacSize> out) const;

  // True if `mac` is the MAC of `data` under key `id`, compared in constant time.
  bool verify(int id, std::span<const uint8_t> data, std::span<const uint8_t> mac) const;

 private:
  struct Slot;
  Keyring();

  int active_id_ = -1;
  std::array<std::unique_ptr<Slot>, config::kMaxAuthKeys> slots_;
};

}  // namespace twinbeat::wire
