// authkeys: the `auth N` line, the key lines, and the file's owner and mode.
#include "twinbeat/config/authkeys.h"

#include <array>
#include <climits>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "line_order.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::config {

namespace {

// The secret in ha.d/authkeys as shipped. Accepted, so the template parses,
// but never silently: a published key authenticates nobody.
constexpr std::string_view kTemplateSecret = "CHANGE-ME-with-openssl-rand-hex-32";

constexpr std::string_view kMethodList = "(sha256, sha512, sha1, md5, crc)";

struct Reading {
  explicit Reading(const std::string& file_name) : sink(file_name) {}
  AuthKeys keys;
  DiagnosticSink sink;
  int auth_line = 0;                        // the valid `auth N` line
  bool auth_seen = false;                   // any `auth` line, valid or not
  std::array<int, kMaxAuthKeys> id_line{};  // line each id was first seen on
};

void parse_auth_line(Reading& r, const std::vector<std::string>& words, int line) {
  r.auth_seen = true;
  if (r.auth_line != 0) {
    r.sink.error(
        line, "a second 'auth' line (first on line " + std::to_string(r.auth_line) + "); keep one");
    return;
  }
  const std::optional<long> id =
      words.size() < 2 ? std::nullopt : parse_int(words[1], 0, kMaxAuthKeys - 1);
  if (!id) {
    r.sink.error(line, "'auth' needs the id of the signing key, 0..15 (e.g. auth 1)");
    return;
  }
  // Heartbeat read this line with sscanf("auth %d") and ignored the rest.
  if (words.size() > 2)
    r.sink.warning(line, "the rest of the line after 'auth " + words[1] + "' is ignored");
  r.auth_line = line;
  r.keys.active_id = static_cast<int>(*id);
}

// Checks what follows the id; true when `key` is a usable key.
bool check_method_and_secret(Reading& r, const std::vector<std::string>& words, int line,
                             AuthKey& key) {
  if (words.size() < 2) {
    r.sink.error(line, "key " + words[0] + " has no method " + std::string(kMethodList));
    return false;
  }
  const std::optional<AuthMethod> method = auth_method_from_string(words[1]);
  if (!method) {
    r.sink.error(line, "unknown method '" + words[1] + "' " + std::string(kMethodList));
    return false;
  }
  const std::string name = to_string(*method);
  if (*method == AuthMethod::crc && words.size() > 2) {
    r.sink.error(line, "crc takes no key");
    return false;
  }
  if (*method != AuthMethod::crc && words.size() < 3) {
    r.sink.error(line, name + " needs a key");
    return false;
  }
  // Heartbeat read key lines with sscanf("%d%s%s"): one word is the key.
  if (words.size() > 3)
    r.sink.warning(line,
                   "only the first word after the method is the key; the rest of the "
                   "line is ignored, as in Heartbeat");
  key.method = *method;
  if (*method != AuthMethod::crc) key.secret = words[2];
  return true;
}

void warn_weak(Reading& r, const AuthKey& key, int line) {
  if (key.method == AuthMethod::crc)
    r.sink.warning(line,
                   "crc authenticates nothing: anyone on the network can forge "
                   "heartbeats; use sha256");
  // The shipped template's key is public: refuse it rather than run a
  // cluster anyone can join.
  if (key.secret == kTemplateSecret)
    r.sink.error(line, "key " + std::to_string(key.id) +
                           " is the template's placeholder; generate a secret with "
                           "'openssl rand -hex 32'");
}

void parse_key_line(Reading& r, const std::vector<std::string>& words, int line) {
  const std::optional<long> id = parse_int(words[0], LONG_MIN, LONG_MAX);
  if (!id) {
    r.sink.error(line, "'" + words[0] +
                           "' is not a key id; lines are 'auth N' or "
                           "'N method key'");
    return;
  }
  if (*id < 0 || *id >= kMaxAuthKeys) {
    r.sink.error(line, "key id " + words[0] + " is out of range (0..15)");
    return;
  }
  const int first = r.id_line[*id];
  if (first != 0) {
    r.sink.error(
        line, "key " + words[0] + " is listed twice (first on line " + std::to_string(first) + ")");
    return;
  }
  r.id_line[*id] = line;
  AuthKey key;
  key.id = static_cast<int>(*id);
  key.where = {r.sink.file(), line};
  if (!check_method_and_secret(r, words, line, key)) return;
  warn_weak(r, key, line);
  r.keys.keys[key.id] = std::move(key);
}

}  // namespace

const char* to_string(AuthMethod m) {
  switch (m) {
    case AuthMethod::sha256:
      return "sha256";
    case AuthMethod::sha512:
      return "sha512";
    case AuthMethod::sha1:
      return "sha1";
    case AuthMethod::md5:
      return "md5";
    case AuthMethod::crc:
      return "crc";
  }
  return "?";
}

std::optional<AuthMethod> auth_method_from_string(std::string_view name) {
  const std::string lower = to_lower(name);
  for (AuthMethod m :
       {AuthMethod::sha256, AuthMethod::sha512, AuthMethod::sha1, AuthMethod::md5, AuthMethod::crc})
    if (lower == to_string(m)) return m;
  return std::nullopt;
}

size_t mac_size(AuthMethod m) {
  switch (m) {
    case AuthMethod::sha256:
      return 32;
    case AuthMethod::sha512:
      return 64;
    case AuthMethod::sha1:
      return 20;
    case AuthMethod::md5:
      return 16;
    case AuthMethod::crc:
      return 4;
  }
  return 0;
}

const AuthKey* AuthKeys::find(int id) const {
  if (id < 0 || id >= kMaxAuthKeys || !keys[id]) return nullptr;
  return &*keys[id];
}

Parsed<AuthKeys> parse_authkeys(std::string_view text, const std::string& file_name) {
  Reading r(file_name);
  int line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::vector<std::string> words = split_words(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line;
    // Heartbeat: a comment is a line whose first non-blank is '#'; elsewhere
    // a '#' may be part of a key.
    if (words.empty() || words[0][0] == '#') continue;
    if (words[0] == "auth")
      parse_auth_line(r, words, line);
    else
      parse_key_line(r, words, line);
  }
  if (!r.auth_seen)
    r.sink.error(0, "no 'auth N' line");
  else if (r.auth_line != 0 && r.id_line[r.keys.active_id] == 0)
    r.sink.error(r.auth_line,
                 "'auth " + std::to_string(r.keys.active_id) + "' names a key that is not listed");
  return {std::move(r.keys), detail::in_line_order(r.sink.take())};
}

std::optional<Diagnostic> check_authkeys_mode(uid_t owner, mode_t mode,
                                              const std::string& file_name) {
  if (owner != 0)
    return Diagnostic{Severity::error,
                      {file_name, 0},
                      "must be owned by root (owner uid " + std::to_string(owner) + ")"};
  if ((mode & 077) != 0) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & 07777));
    return Diagnostic{Severity::error,
                      {file_name, 0},
                      "mode " + std::string(octal) + " gives access to group or others; chmod 600"};
  }
  return std::nullopt;
}

}  // namespace twinbeat::config
