// authkeys: the keys that sign and check heartbeats.
//
//   auth 2            # the key that signs what we send
//   1 sha1 oldsecret  # every listed key is accepted on receive,
//   2 sha256 newsecret#   so keys rotate with no downtime
//
// Key ids are 0..15 (Heartbeat's MAXAUTH). Methods: sha256 (recommended),
// sha512, sha1, md5 (all HMAC), and crc (a checksum: authenticates nothing;
// accepted with a warning). A key is one whitespace-free word; as in
// Heartbeat, only the first word of the rest of the line is the key (warned).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "twinbeat/diagnostic.h"

namespace twinbeat::config {

enum class AuthMethod : uint8_t { sha256 = 1, sha512 = 2, sha1 = 3, md5 = 4, crc = 5 };

const char* to_string(AuthMethod m);
std::optional<AuthMethod> auth_method_from_string(std::string_view name);

// Bytes of the MAC the method appends to a packet (32, 64, 20, 16, 4).
size_t mac_size(AuthMethod m);

struct AuthKey {
  int id = 0;
  AuthMethod method = AuthMethod::sha256;
  std::string secret;  // empty for crc
  SourceLoc where;
};

inline constexpr int kMaxAuthKeys = 16;

struct AuthKeys {
  int active_id = -1;
  std::array<std::optional<AuthKey>, kMaxAuthKeys> keys;

  // nullptr when `id` is out of range or not listed.
  const AuthKey* find(int id) const;
  // The `auth N` key. Only valid on a successfully parsed file.
  const AuthKey& active() const { return *keys[active_id]; }
};

// Parses authkeys text; `file_name` is used in diagnostics.
// Errors: a missing or invalid `auth` line, an `auth N` naming an unlisted key,
// ids outside 0..15 or listed twice, unknown methods, a key on crc, no key on
// an HMAC method, any other line shape.
Parsed<AuthKeys> parse_authkeys(std::string_view text, const std::string& file_name);

// The file must be owned by root and carry no group or other permission bits
// (Heartbeat checked only the read bits). Returns the error to report, if any.
std::optional<Diagnostic> check_authkeys_mode(uid_t owner, mode_t mode,
                                              const std::string& file_name);

}  // namespace twinbeat::config
