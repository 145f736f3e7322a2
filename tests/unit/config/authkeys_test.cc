// authkeys: every message exactly, key rotation files, and the mode check.
#include "twinbeat/config/authkeys.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "config_test_util.h"

using twinbeat::Diagnostic;
using twinbeat::Parsed;
using namespace twinbeat::config;
using namespace twinbeat::config::testing;

namespace {

std::vector<Diagnostic> authkeys_diagnostics(const std::string& text) {
  return parse_authkeys(text, "authkeys").diagnostics;
}

}  // namespace

TEST_GROUP(Authkeys){};

TEST(Authkeys, auth_line_errors) {
  const Row rows[] = {
      {"1 sha256 k\n", "authkeys: no 'auth N' line"},
      {"", "authkeys: no 'auth N' line"},
      {"# auth 1\n1 sha256 k\n", "authkeys: no 'auth N' line"},
      {"auth 3\n1 sha256 k\n", "authkeys:1: 'auth 3' names a key that is not listed"},
      {"auth\n1 sha256 k\n",
       "authkeys:1: 'auth' needs the id of the signing key, 0..15 (e.g. auth 1)"},
      {"auth x\n1 sha256 k\n",
       "authkeys:1: 'auth' needs the id of the signing key, 0..15 (e.g. auth 1)"},
      {"auth 16\n1 sha256 k\n",
       "authkeys:1: 'auth' needs the id of the signing key, 0..15 (e.g. auth 1)"},
      {"auth 1\nauth 1\n1 sha256 k\n",
       "authkeys:2: a second 'auth' line (first on line 1); keep one"},
      {"auth 1 2\n1 sha256 k\n",
       "authkeys:1: warning: the rest of the line after 'auth 1' is ignored"},
  };
  check_rows(rows, authkeys_diagnostics);
}

TEST(Authkeys, key_line_errors) {
  const Row rows[] = {
      {"auth 1\n1 sha3 x\n", "authkeys:2: unknown method 'sha3' (sha256, sha512, sha1, md5, crc)"},
      {"auth 1\n1\n", "authkeys:2: key 1 has no method (sha256, sha512, sha1, md5, crc)"},
      {"auth 1\n1 crc key\n", "authkeys:2: crc takes no key"},
      {"auth 1\n1 sha1\n", "authkeys:2: sha1 needs a key"},
      {"auth 1\n1 sha256\n", "authkeys:2: sha256 needs a key"},
      {"auth 1\n1 sha256 a\n1 sha256 b\n", "authkeys:3: key 1 is listed twice (first on line 2)"},
      {"auth 1\n1 sha256 a\n16 sha256 b\n", "authkeys:3: key id 16 is out of range (0..15)"},
      {"auth 1\n1 sha256 a\n-1 sha256 b\n", "authkeys:3: key id -1 is out of range (0..15)"},
      {"auth 1\n1 sha256 a\nfoo bar\n",
       "authkeys:3: 'foo' is not a key id; lines are 'auth N' or 'N method key'"},
      {"auth 1\n1 sha256 a\n1x sha256 b\n",
       "authkeys:3: '1x' is not a key id; lines are 'auth N' or 'N method key'"},
  };
  check_rows(rows, authkeys_diagnostics);
}

TEST(Authkeys, a_bad_active_key_gives_one_message_not_two) {
  const Row rows[] = {
      {"auth 1\n1 sha3 x\n", "authkeys:2: unknown method 'sha3' (sha256, sha512, sha1, md5, crc)"},
      {"auth x\n", "authkeys:1: 'auth' needs the id of the signing key, 0..15 (e.g. auth 1)"},
  };
  check_rows(rows, authkeys_diagnostics);
}

TEST(Authkeys, messages_come_in_line_order) {
  const Parsed<AuthKeys> parsed = parse_authkeys("auth 3\n1 sha3 x\n2 crc k\n", "authkeys");
  STRCMP_EQUAL(
      "authkeys:1: 'auth 3' names a key that is not listed\n"
      "authkeys:2: unknown method 'sha3' (sha256, sha512, sha1, md5, crc)\n"
      "authkeys:3: crc takes no key",
      messages(parsed.diagnostics).c_str());
}

TEST(Authkeys, warnings_for_keys_that_protect_little) {
  const Row rows[] = {
      {"auth 1\n1 crc\n",
       "authkeys:2: warning: crc authenticates nothing: anyone on the network can forge "
       "heartbeats; use sha256"},
      {"auth 1\n1 sha256 my secret\n",
       "authkeys:2: warning: only the first word after the method is the key; the rest of the "
       "line is ignored, as in Heartbeat"},
      {"auth 1\n1 sha256 CHANGE-ME-with-openssl-rand-hex-32\n",
       "authkeys:2: key 1 is the template's placeholder; generate a secret with "
       "'openssl rand -hex 32'"},
  };
  check_rows(rows, authkeys_diagnostics);
}

TEST(Authkeys, only_the_first_word_is_the_key) {
  const Parsed<AuthKeys> parsed = parse_authkeys("auth 1\n1 sha1 my secret\n", "authkeys");
  CHECK(parsed.ok());
  STRCMP_EQUAL("my", parsed.value.active().secret.c_str());
}

TEST(Authkeys, a_hash_inside_a_key_is_part_of_the_key) {
  const Parsed<AuthKeys> parsed =
      parse_authkeys("  # comment\nauth 1\n1 sha256 se#cret\n\t# another\n", "authkeys");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  STRCMP_EQUAL("se#cret", parsed.value.active().secret.c_str());
}

TEST(Authkeys, rotation_file_signs_with_auth_and_lists_every_key) {
  const Parsed<AuthKeys> parsed =
      parse_authkeys("auth 2\n1 sha1 old\n2 sha256 new\n", "/etc/ha.d/authkeys");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  const AuthKeys& keys = parsed.value;
  LONGS_EQUAL(2, keys.active_id);
  CHECK(keys.active().method == AuthMethod::sha256);
  STRCMP_EQUAL("new", keys.active().secret.c_str());
  LONGS_EQUAL(3, keys.active().where.line);
  STRCMP_EQUAL("/etc/ha.d/authkeys", keys.active().where.file.c_str());
  const AuthKey* old_key = keys.find(1);
  CHECK(old_key != nullptr);
  CHECK(old_key->method == AuthMethod::sha1);
  STRCMP_EQUAL("old", old_key->secret.c_str());
  LONGS_EQUAL(1, old_key->id);
}

TEST(Authkeys, find_gives_null_for_unlisted_and_out_of_range_ids) {
  const Parsed<AuthKeys> parsed = parse_authkeys("auth 0\n0 md5 a\n15 sha512 b\n", "authkeys");
  CHECK(parsed.ok());
  CHECK(parsed.value.find(0) != nullptr);
  CHECK(parsed.value.find(15) != nullptr);
  CHECK(parsed.value.find(1) == nullptr);
  CHECK(parsed.value.find(-1) == nullptr);
  CHECK(parsed.value.find(16) == nullptr);
}

TEST(Authkeys, crc_has_no_secret) {
  const Parsed<AuthKeys> parsed = parse_authkeys("auth 1\n1 crc\n", "authkeys");
  CHECK(parsed.ok());
  CHECK(parsed.value.active().method == AuthMethod::crc);
  STRCMP_EQUAL("", parsed.value.active().secret.c_str());
}

TEST(Authkeys, crlf_line_ends_are_fine) {
  const Parsed<AuthKeys> parsed = parse_authkeys("auth 1\r\n1 sha256 key\r\n", "authkeys");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  STRCMP_EQUAL("key", parsed.value.active().secret.c_str());
}

TEST(Authkeys, method_names_round_trip_and_ignore_case) {
  for (AuthMethod m :
       {AuthMethod::sha256, AuthMethod::sha512, AuthMethod::sha1, AuthMethod::md5, AuthMethod::crc})
    CHECK(auth_method_from_string(to_string(m)) == m);
  CHECK(auth_method_from_string("SHA256") == AuthMethod::sha256);
  CHECK_FALSE(auth_method_from_string("sha3").has_value());
  CHECK_FALSE(auth_method_from_string("").has_value());
}

TEST(Authkeys, mac_sizes_are_the_digest_sizes) {
  LONGS_EQUAL(32, mac_size(AuthMethod::sha256));
  LONGS_EQUAL(64, mac_size(AuthMethod::sha512));
  LONGS_EQUAL(20, mac_size(AuthMethod::sha1));
  LONGS_EQUAL(16, mac_size(AuthMethod::md5));
  LONGS_EQUAL(4, mac_size(AuthMethod::crc));
}

TEST(Authkeys, shipped_template_is_refused_until_its_placeholder_key_is_replaced) {
  const std::string text = read_repo_file("ha.d/authkeys");
  CHECK_TEXT(!text.empty(), "ha.d/authkeys not found: run the tests from the repository root");
  const Parsed<AuthKeys> parsed = parse_authkeys(text, "authkeys");
  CHECK_FALSE(parsed.ok());
  LONGS_EQUAL(1, parsed.diagnostics.size());
  CHECK(parsed.diagnostics[0].message.find("template's placeholder") != std::string::npos);
}

TEST_GROUP(AuthkeysMode){};

namespace {

std::string mode_message(uid_t owner, mode_t mode) {
  const std::optional<Diagnostic> d = check_authkeys_mode(owner, mode, "authkeys");
  return d ? d->to_string() : "";
}

}  // namespace

TEST(AuthkeysMode, root_owned_0600_and_0400_pass) {
  STRCMP_EQUAL("", mode_message(0, 0600).c_str());
  STRCMP_EQUAL("", mode_message(0, 0400).c_str());
  STRCMP_EQUAL("", mode_message(0, 0100600).c_str());  // with S_IFREG
}

TEST(AuthkeysMode, another_owner_is_refused) {
  STRCMP_EQUAL("authkeys: must be owned by root (owner uid 1000)",
               mode_message(1000, 0600).c_str());
}

// Heartbeat checked only the read bits: 0622 passed there, not here.
TEST(AuthkeysMode, any_group_or_other_bit_is_refused) {
  STRCMP_EQUAL("authkeys: mode 0644 gives access to group or others; chmod 600",
               mode_message(0, 0644).c_str());
  STRCMP_EQUAL("authkeys: mode 0622 gives access to group or others; chmod 600",
               mode_message(0, 0622).c_str());
  STRCMP_EQUAL("authkeys: mode 0601 gives access to group or others; chmod 600",
               mode_message(0, 0100601).c_str());
  const std::optional<Diagnostic> d = check_authkeys_mode(0, 0640, "authkeys");
  CHECK(d.has_value());
  CHECK(d->severity == twinbeat::Severity::error);
}
