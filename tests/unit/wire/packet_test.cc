// Packet encode/decode: round trips, and every drop reason produced by one
// named broken byte, truncation or validly-MACed bad body (leveldb log_test).
#include "twinbeat/wire/packet.h"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "twinbeat/wire/keyring.h"
// After every std header: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using twinbeat::Millis;
using twinbeat::config::AuthKey;
using twinbeat::config::AuthKeys;
using twinbeat::config::AuthMethod;
using namespace twinbeat::wire;

namespace {

using Bytes = std::vector<uint8_t>;

// Offsets named by the table in packet.h.
constexpr size_t kMagicAt = 0, kVersionAt = 4, kTypeAt = 5, kKeyIdAt = 6, kMethodAt = 7,
                 kLengthAt = 8, kFlagsAt = 10, kGenerationAt = 12, kSequenceAt = 20, kBodyAt = 28;

Keyring ring_of(const AuthKeys& keys) {
  auto ring = Keyring::create(keys);
  if (!ring) FAIL(ring.error().to_string().c_str());
  return std::move(ring.value());
}

Keyring one_key_ring(AuthMethod method, int id = 1) {
  AuthKeys keys;
  keys.active_id = id;
  keys.keys[id] = AuthKey{id, method, method == AuthMethod::crc ? "" : "s3cret", {}};
  return ring_of(keys);
}

Message heartbeat() {
  Message m;
  m.generation = 0x0102030405060708;
  m.sequence = 42;
  m.sender = "node-1.example_a";
  m.timers = {Millis{1000}, Millis{5000}, Millis{10000}};
  m.status = NodeStatus::active;
  m.mode = NodeMode::leaving;
  m.resources_digest = 0x1122334455667788;
  m.group_count = 2;
  m.groups[0] = GroupReport{0xa1a2a3a4a5a6a7a8, GroupState::held, false};
  m.groups[1] = GroupReport{0xb1b2b3b4b5b6b7b8, GroupState::held, true, true, true, true};
  return m;
}

Bytes encoded(const Message& m, const Keyring& ring) {
  Bytes out(kMaxPacketSize);
  const size_t n = encode(m, ring, out);
  CHECK_TEXT(n > 0, "encode refused a valid message");
  out.resize(n);
  return out;
}

// The drop reason of `datagram`; fails the test if it decodes.
DropReason dropped(const Bytes& datagram, const Keyring& ring) {
  auto result = decode(datagram, ring);
  if (!std::holds_alternative<DropReason>(result)) FAIL("decoded a packet that must be dropped");
  return std::get<DropReason>(result);
}

#define CHECK_DROP(expected, actual) STRCMP_EQUAL(to_string(expected), to_string(actual))

// TLV bytes.
Bytes tlv(uint8_t tag, const Bytes& value) {
  Bytes t = {tag, static_cast<uint8_t>(value.size() >> 8), static_cast<uint8_t>(value.size())};
  t.insert(t.end(), value.begin(), value.end());
  return t;
}
Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes timers(uint32_t k, uint32_t w, uint32_t d) {
  Bytes v;
  for (uint32_t t : {k, w, d})
    for (int shift = 24; shift >= 0; shift -= 8) v.push_back(static_cast<uint8_t>(t >> shift));
  return v;
}
Bytes first_bytes(const Bytes& b, size_t n) {
  return Bytes(b.begin(), b.begin() + static_cast<long>(n));
}
Bytes sender_tlv(const std::string& s) { return tlv(1, text(s)); }
Bytes timers_tlv() { return tlv(2, timers(1000, 5000, 10000)); }
Bytes status_tlv(uint8_t s = 2) { return tlv(3, {s}); }
Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const Bytes& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}
Bytes mode_tlv(uint8_t m = 1) { return tlv(4, {m}); }
Bytes digest_tlv() { return tlv(5, {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}); }
Bytes group_entry(uint8_t first, uint8_t state, uint8_t flags) {
  Bytes e;
  for (uint8_t i = 0; i < 8; ++i) e.push_back(static_cast<uint8_t>(first + i));
  e.push_back(state);
  e.push_back(flags);
  return e;
}
Bytes groups_tlv() { return tlv(6, concat({group_entry(0xa1, 3, 0), group_entry(0xb1, 3, 15)})); }
Bytes good_body() {
  return concat({sender_tlv("node-1.example_a"), timers_tlv(), status_tlv(), mode_tlv(),
                 digest_tlv(), groups_tlv()});
}

// A packet built by hand, independently of encode: the header of packet.h,
// `body`, and a valid MAC from the ring's active key over all of it.
Bytes signed_packet(const Bytes& body, const Keyring& ring) {
  const AuthKey& key = *ring.key(ring.active_id());
  const size_t mac_size = twinbeat::config::mac_size(key.method);
  const size_t total = kHeaderSize + body.size() + mac_size;
  Bytes p = {'T',
             'W',
             'N',
             'B',
             1,
             1,
             static_cast<uint8_t>(key.id),
             static_cast<uint8_t>(key.method),
             static_cast<uint8_t>(total >> 8),
             static_cast<uint8_t>(total),
             0,
             0};
  for (int i = 0; i < 8; ++i) p.push_back(static_cast<uint8_t>(i + 1));  // generation
  for (int i = 0; i < 7; ++i) p.push_back(0);                            // sequence
  p.push_back(42);
  p.insert(p.end(), body.begin(), body.end());
  uint8_t mac[kMaxMacSize];
  const size_t n = ring.mac(key.id, p, mac);
  LONGS_EQUAL(mac_size, n);
  p.insert(p.end(), mac, mac + n);
  return p;
}

void check_same(const Message& want, const Message& got) {
  CHECK(want.type == got.type);
  LONGS_EQUAL(want.generation, got.generation);
  LONGS_EQUAL(want.sequence, got.sequence);
  STRCMP_EQUAL(want.sender.c_str(), got.sender.c_str());
  LONGS_EQUAL(want.timers.keepalive.count(), got.timers.keepalive.count());
  LONGS_EQUAL(want.timers.warntime.count(), got.timers.warntime.count());
  LONGS_EQUAL(want.timers.deadtime.count(), got.timers.deadtime.count());
  STRCMP_EQUAL(to_string(want.status), to_string(got.status));
  STRCMP_EQUAL(to_string(want.mode), to_string(got.mode));
  CHECK(want.resources_digest == got.resources_digest);
  LONGS_EQUAL(want.group_count, got.group_count);
  for (size_t i = 0; i < want.group_count && i < got.group_count; ++i) {
    CHECK(want.groups[i].id == got.groups[i].id);
    STRCMP_EQUAL(to_string(want.groups[i].state), to_string(got.groups[i].state));
    CHECK_EQUAL(want.groups[i].offered, got.groups[i].offered);
    CHECK_EQUAL(want.groups[i].found, got.groups[i].found);
    CHECK_EQUAL(want.groups[i].wanted, got.groups[i].wanted);
    CHECK_EQUAL(want.groups[i].blocked, got.groups[i].blocked);
  }
}

const AuthMethod kMethods[] = {AuthMethod::sha256, AuthMethod::sha512, AuthMethod::sha1,
                               AuthMethod::md5, AuthMethod::crc};

}  // namespace

TEST_GROUP(Packet){};

TEST(Packet, every_method_round_trips_a_heartbeat) {
  for (AuthMethod method : kMethods) {
    const Keyring ring = one_key_ring(method, 7);
    const Bytes p = encoded(heartbeat(), ring);
    LONGS_EQUAL(kHeaderSize + good_body().size() + twinbeat::config::mac_size(method), p.size());
    auto result = decode(p, ring);
    CHECK_TEXT(std::holds_alternative<Message>(result), twinbeat::config::to_string(method));
    const Message& m = std::get<Message>(result);
    check_same(heartbeat(), m);
    LONGS_EQUAL(7, m.key_id);
  }
}

TEST(Packet, encode_writes_exactly_the_documented_layout) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  const Bytes by_hand = signed_packet(good_body(), ring);
  const Bytes by_encode = encoded(heartbeat(), ring);
  CHECK(by_hand == by_encode);
  LONGS_EQUAL(0, by_encode[kFlagsAt]);
  LONGS_EQUAL(0, by_encode[kFlagsAt + 1]);
}

TEST(Packet, both_statuses_and_the_largest_timers_round_trip) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  for (NodeStatus status : {NodeStatus::up, NodeStatus::active}) {
    Message m = heartbeat();
    m.status = status;
    m.timers = {Millis{1}, Millis{3'599'999}, Millis{3'599'999}};
    m.sender = std::string(kMaxNodeNameSize, 'z');
    auto result = decode(encoded(m, ring), ring);
    CHECK(std::holds_alternative<Message>(result));
    check_same(m, std::get<Message>(result));
  }
}

// One named byte broken: header checks, in the order packet.h gives.

TEST(Packet, too_short_below_a_header_and_the_smallest_mac) {
  const Keyring ring = one_key_ring(AuthMethod::crc);
  Bytes p = encoded(heartbeat(), ring);
  p.resize(kHeaderSize + 3);
  CHECK_DROP(DropReason::too_short, dropped(p, ring));
  p.resize(0);
  CHECK_DROP(DropReason::too_short, dropped(p, ring));
}

TEST(Packet, too_short_for_its_keys_mac_even_with_a_matching_length_field) {
  // Header + 31 bytes claims sha256 (M = 32) and states its own size.
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes p = encoded(heartbeat(), ring);
  p.resize(kHeaderSize + 31);
  p[kLengthAt] = 0;
  p[kLengthAt + 1] = static_cast<uint8_t>(p.size());
  CHECK_DROP(DropReason::too_short, dropped(p, ring));
}

TEST(Packet, any_byte_of_the_magic_changed_is_bad_magic) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  for (size_t i = kMagicAt; i < kMagicAt + 4; ++i) {
    Bytes p = encoded(heartbeat(), ring);
    p[i] ^= 0x20;
    CHECK_DROP(DropReason::bad_magic, dropped(p, ring));
  }
}

TEST(Packet, version_2_is_bad_version) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes p = encoded(heartbeat(), ring);
  p[kVersionAt] = 2;
  CHECK_DROP(DropReason::bad_version, dropped(p, ring));
}

TEST(Packet, a_key_id_we_do_not_hold_is_unknown_key) {
  const Keyring ring = one_key_ring(AuthMethod::sha256, 1);
  for (uint8_t id : {0, 2, 15, 16, 255}) {
    Bytes p = encoded(heartbeat(), ring);
    p[kKeyIdAt] = id;
    CHECK_DROP(DropReason::unknown_key, dropped(p, ring));
  }
}

TEST(Packet, another_method_for_our_key_id_is_method_mismatch) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  for (uint8_t method : {0, 2, 3, 4, 5, 6, 255}) {
    Bytes p = encoded(heartbeat(), ring);
    p[kMethodAt] = method;
    CHECK_DROP(DropReason::method_mismatch, dropped(p, ring));
  }
}

TEST(Packet, a_length_field_off_by_one_either_way_is_bad_length) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  for (int delta : {-1, +1}) {
    Bytes p = encoded(heartbeat(), ring);
    p[kLengthAt + 1] = static_cast<uint8_t>(p[kLengthAt + 1] + delta);
    CHECK_DROP(DropReason::bad_length, dropped(p, ring));
  }
  Bytes p = encoded(heartbeat(), ring);
  p[kLengthAt] = 1;  // + 256
  CHECK_DROP(DropReason::bad_length, dropped(p, ring));
}

TEST(Packet, a_trailing_extra_byte_is_bad_length) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes p = encoded(heartbeat(), ring);
  p.push_back(0);
  CHECK_DROP(DropReason::bad_length, dropped(p, ring));
}

// The MAC covers every byte before it.

TEST(Packet, flipping_a_body_byte_drops_as_bad_mac) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes p = encoded(heartbeat(), ring);
  p[kBodyAt + 3] ^= 0x01;  // first letter of the sender name
  CHECK_DROP(DropReason::bad_mac, dropped(p, ring));
}

TEST(Packet, flipping_any_byte_of_the_mac_drops_as_bad_mac) {
  for (AuthMethod method : kMethods) {
    const Keyring ring = one_key_ring(method);
    const Bytes good = encoded(heartbeat(), ring);
    const size_t mac_at = good.size() - twinbeat::config::mac_size(method);
    for (size_t i = mac_at; i < good.size(); ++i) {
      Bytes p = good;
      p[i] ^= 0x01;
      CHECK_DROP(DropReason::bad_mac, dropped(p, ring));
    }
  }
}

TEST(Packet, header_fields_after_the_checks_are_covered_by_the_mac) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  for (size_t at : {kTypeAt, kFlagsAt, kFlagsAt + 1, kGenerationAt, kGenerationAt + 7, kSequenceAt,
                    kSequenceAt + 7}) {
    Bytes p = encoded(heartbeat(), ring);
    p[at] ^= 0x04;
    CHECK_DROP(DropReason::bad_mac, dropped(p, ring));
  }
}

TEST(Packet, a_packet_signed_with_another_secret_is_bad_mac) {
  const Keyring ours = one_key_ring(AuthMethod::sha256);
  AuthKeys theirs;
  theirs.active_id = 1;
  theirs.keys[1] = AuthKey{1, AuthMethod::sha256, "guessed", {}};
  CHECK_DROP(DropReason::bad_mac, dropped(encoded(heartbeat(), ring_of(theirs)), ours));
}

TEST(Packet, flipping_any_bit_of_a_packet_never_decodes) {
  for (AuthMethod method : {AuthMethod::sha256, AuthMethod::crc}) {
    const Keyring ring = one_key_ring(method);
    const Bytes good = encoded(heartbeat(), ring);
    for (size_t i = 0; i < good.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes p = good;
        p[i] ^= static_cast<uint8_t>(1 << bit);
        CHECK_TRUE(std::holds_alternative<DropReason>(decode(p, ring)));
      }
    }
  }
}

TEST(Packet, truncation_at_every_length_never_crashes_and_never_decodes) {
  for (AuthMethod method : kMethods) {
    const Keyring ring = one_key_ring(method);
    const Bytes good = encoded(heartbeat(), ring);
    for (size_t n = 0; n < good.size(); ++n) {
      // Exactly n bytes on the heap, so ASan sees any read past them.
      const Bytes p(good.begin(), good.begin() + static_cast<long>(n));
      const DropReason r = dropped(p, ring);
      CHECK(r == DropReason::too_short || r == DropReason::bad_length);
    }
  }
}

TEST(Packet, truncation_with_a_fixed_length_field_is_too_short_or_bad_mac) {
  // A truncation that also rewrites the length field reaches the MAC check.
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  const Bytes good = encoded(heartbeat(), ring);
  for (size_t n = 0; n < good.size(); ++n) {
    Bytes p(good.begin(), good.begin() + static_cast<long>(n));
    if (n > kLengthAt + 1) {
      p[kLengthAt] = static_cast<uint8_t>(n >> 8);
      p[kLengthAt + 1] = static_cast<uint8_t>(n);
    }
    const DropReason r = dropped(p, ring);
    CHECK(r == (n < kHeaderSize + 32 ? DropReason::too_short : DropReason::bad_mac));
  }
}

// Authentic packets whose body breaks the format: built with Keyring::mac.

TEST(Packet, the_hand_built_packet_of_a_good_body_decodes) {
  // So that each malformed case below differs from a good packet only by its body.
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  auto result = decode(signed_packet(good_body(), ring), ring);
  CHECK(std::holds_alternative<Message>(result));
  check_same(heartbeat(), std::get<Message>(result));
}

TEST(Packet, authentic_bodies_that_break_the_format_are_malformed) {
  struct Case {
    const char* what;
    Bytes body;
  };
  const Bytes sender = sender_tlv("node1");
  const Bytes good_timers = timers(1000, 5000, 10000);
  const Case cases[] = {
      {"sender twice", concat({sender, sender, timers_tlv(), status_tlv()})},
      {"timers twice", concat({sender, timers_tlv(), timers_tlv(), status_tlv()})},
      {"status twice", concat({sender, timers_tlv(), status_tlv(), status_tlv()})},
      {"TLV running into the MAC", concat({sender, timers_tlv(), Bytes{3, 0, 2, 2}})},
      {"TLV header cut by the MAC", concat({sender, timers_tlv(), status_tlv(), Bytes{9, 0}})},
      {"unknown TLV running into the MAC", concat({good_body(), Bytes{200, 0, 1}})},
      {"zero-length sender", concat({sender_tlv(""), timers_tlv(), status_tlv()})},
      {"upper case in sender", concat({sender_tlv("Node1"), timers_tlv(), status_tlv()})},
      {"space in sender", concat({sender_tlv("node 1"), timers_tlv(), status_tlv()})},
      {"NUL in sender", concat({tlv(1, {'n', 0, '1'}), timers_tlv(), status_tlv()})},
      {"slash in sender", concat({sender_tlv("../x"), timers_tlv(), status_tlv()})},
      {"65-byte sender", concat({sender_tlv(std::string(65, 'a')), timers_tlv(), status_tlv()})},
      {"zero keepalive", concat({sender, tlv(2, timers(0, 5000, 10000)), status_tlv()})},
      {"zero warntime", concat({sender, tlv(2, timers(1000, 0, 10000)), status_tlv()})},
      {"zero deadtime", concat({sender, tlv(2, timers(1000, 5000, 0)), status_tlv()})},
      {"deadtime over 1 hour", concat({sender, tlv(2, timers(1000, 5000, 3'600'001)), status_tlv()})},
      {"mode 3", concat({sender, timers_tlv(), status_tlv(), mode_tlv(3)})},
      {"mode twice", concat({sender, timers_tlv(), status_tlv(), mode_tlv(), mode_tlv()})},
      {"digest of 7 bytes", concat({sender, timers_tlv(), status_tlv(), tlv(5, Bytes(7, 1))})},
      {"group state 6", concat({sender, timers_tlv(), status_tlv(), tlv(6, group_entry(1, 6, 0))})},
      {"groups of 11 bytes",
       concat({sender, timers_tlv(), status_tlv(), tlv(6, concat({group_entry(1, 0, 0), {0}}))})},
      {"65 groups", concat({sender, timers_tlv(), status_tlv(), tlv(6, Bytes(650, 0))})},
      {"groups twice", concat({sender, timers_tlv(), status_tlv(), groups_tlv(), groups_tlv()})},
      {"keepalive of 2^32-1 ms", concat({sender, tlv(2, timers(~0u, 5000, 10000)), status_tlv()})},
      {"timers of 11 bytes", concat({sender, tlv(2, first_bytes(good_timers, 11)), status_tlv()})},
      {"timers of 13 bytes", concat({sender, tlv(2, concat({good_timers, {0}})), status_tlv()})},
      {"status 0", concat({sender, timers_tlv(), status_tlv(0)})},
      {"status 3", concat({sender, timers_tlv(), status_tlv(3)})},
      {"status of 2 bytes", concat({sender, timers_tlv(), tlv(3, {2, 2})})},
      {"status of 0 bytes", concat({sender, timers_tlv(), tlv(3, {})})},
      {"missing sender", concat({timers_tlv(), status_tlv()})},
      {"missing timers", concat({sender, status_tlv()})},
      {"missing status", concat({sender, timers_tlv()})},
      {"empty body", Bytes{}},
  };
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  for (const Case& c : cases) {
    auto result = decode(signed_packet(c.body, ring), ring);
    CHECK_TEXT(std::holds_alternative<DropReason>(result), c.what);
    STRCMP_EQUAL_TEXT("malformed", to_string(std::get<DropReason>(result)), c.what);
  }
}

TEST(Packet, an_authentic_packet_of_an_unknown_type_is_malformed) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes p = signed_packet(good_body(), ring);
  p[kTypeAt] = 2;
  p.resize(p.size() - 32);
  uint8_t mac[kMaxMacSize];
  ring.mac(1, p, mac);
  p.insert(p.end(), mac, mac + 32);
  CHECK_DROP(DropReason::malformed, dropped(p, ring));
}

TEST(Packet, unknown_tlv_tags_are_skipped_and_the_packet_still_decodes) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  const Bytes body = concat({tlv(9, text("future")), sender_tlv("node-1.example_a"), tlv(0, {}),
                             timers_tlv(), tlv(255, Bytes(300, 0xee)), status_tlv(), mode_tlv(),
                             tlv(100, {1}), digest_tlv(), groups_tlv()});
  auto result = decode(signed_packet(body, ring), ring);
  CHECK(std::holds_alternative<Message>(result));
  check_same(heartbeat(), std::get<Message>(result));
}

TEST(Packet, nonzero_flags_are_ignored_on_receive) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes p = signed_packet(good_body(), ring);
  p.resize(p.size() - 32);
  p[kFlagsAt] = 0x80;
  p[kFlagsAt + 1] = 0x01;
  uint8_t mac[kMaxMacSize];
  ring.mac(1, p, mac);
  p.insert(p.end(), mac, mac + 32);
  CHECK(std::holds_alternative<Message>(decode(p, ring)));
}

// Uplink (TLV 7): the sender's ping nodes.

namespace {

// Reach fewer, score 1 of 2: node 0x10.. up, node 0x20.. dead.
UplinkReport two_ping_nodes() {
  UplinkReport u;
  u.reach = Reach::fewer;
  u.score_known = true;
  u.score = 1;
  u.node_count = 2;
  u.nodes[0] = PingReport{0x1011121314151617, PingState::up};
  u.nodes[1] = PingReport{0x2021222324252627, PingState::dead};
  return u;
}

Bytes ping_entry(uint8_t first, uint8_t state) {
  Bytes e;
  for (uint8_t i = 0; i < 8; ++i) e.push_back(static_cast<uint8_t>(first + i));
  e.push_back(state);
  return e;
}

Bytes uplink_tlv(Bytes head, std::initializer_list<Bytes> entries) {
  for (const Bytes& e : entries) head.insert(head.end(), e.begin(), e.end());
  return tlv(7, head);
}

void check_same_uplink(const UplinkReport& want, const UplinkReport& got) {
  STRCMP_EQUAL(to_string(want.reach), to_string(got.reach));
  CHECK_EQUAL(want.score_known, got.score_known);
  LONGS_EQUAL(want.score, got.score);
  LONGS_EQUAL(want.node_count, got.node_count);
  for (size_t i = 0; i < want.node_count && i < got.node_count; ++i) {
    CHECK(want.nodes[i].id == got.nodes[i].id);
    STRCMP_EQUAL(to_string(want.nodes[i].state), to_string(got.nodes[i].state));
  }
}

}  // namespace

TEST(Packet, a_heartbeat_without_an_uplink_tlv_has_an_unknown_score) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  auto result = decode(signed_packet(good_body(), ring), ring);
  CHECK(std::holds_alternative<Message>(result));
  CHECK_FALSE(std::get<Message>(result).has_uplink);
  CHECK_FALSE(std::get<Message>(result).uplink.score_known);
}

TEST(Packet, the_uplink_tlv_is_written_as_documented_and_round_trips) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Message m = heartbeat();
  m.has_uplink = true;
  m.uplink = two_ping_nodes();
  const Bytes body =
      concat({good_body(), uplink_tlv({1, 1, 0, 1}, {ping_entry(0x10, 1), ping_entry(0x20, 2)})});
  CHECK(signed_packet(body, ring) == encoded(m, ring));
  auto result = decode(encoded(m, ring), ring);
  CHECK(std::holds_alternative<Message>(result));
  CHECK(std::get<Message>(result).has_uplink);
  check_same_uplink(m.uplink, std::get<Message>(result).uplink);
  check_same(m, std::get<Message>(result));
}

TEST(Packet, every_reach_and_an_unknown_score_round_trip) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  for (Reach reach : {Reach::same, Reach::fewer, Reach::more}) {
    Message m = heartbeat();
    m.has_uplink = true;
    m.uplink = two_ping_nodes();
    m.uplink.reach = reach;
    m.uplink.score_known = reach != Reach::same;
    m.uplink.score = m.uplink.score_known ? 2 : 0;
    m.uplink.nodes[1].state = PingState::init;
    auto result = decode(encoded(m, ring), ring);
    CHECK(std::holds_alternative<Message>(result));
    check_same_uplink(m.uplink, std::get<Message>(result).uplink);
  }
}

TEST(Packet, authentic_uplink_tlvs_that_break_the_format_are_malformed) {
  struct Case {
    const char* what;
    Bytes uplink;
  };
  const Bytes up = ping_entry(0x10, 1);
  const Case cases[] = {
      {"reach 3", uplink_tlv({3, 1, 0, 1}, {up})},
      {"flags 2", uplink_tlv({0, 2, 0, 1}, {up})},
      {"score above the node count", uplink_tlv({0, 1, 0, 2}, {up})},
      {"a score while unknown", uplink_tlv({0, 0, 0, 1}, {up})},
      {"ping state 3", uplink_tlv({0, 1, 0, 1}, {ping_entry(0x10, 3)})},
      {"head of 3 bytes", tlv(7, {0, 1, 0})},
      {"entry of 8 bytes", tlv(7, concat({{0, 1, 0, 0}, first_bytes(up, 8)}))},
      {"33 ping nodes", tlv(7, concat({{0, 0, 0, 0}, Bytes(33 * 9, 0)}))},
      {"uplink twice", concat({uplink_tlv({0, 1, 0, 1}, {up}), uplink_tlv({0, 1, 0, 1}, {up})})},
  };
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  for (const Case& c : cases) {
    auto result = decode(signed_packet(concat({good_body(), c.uplink}), ring), ring);
    CHECK_TEXT(std::holds_alternative<DropReason>(result), c.what);
    STRCMP_EQUAL_TEXT("malformed", to_string(std::get<DropReason>(result)), c.what);
  }
  // The largest valid one decodes: 32 nodes, all up.
  auto most = decode(signed_packet(concat({good_body(), tlv(7, concat({{2, 1, 0, 32},
                                                                       Bytes(32 * 9, 1)}))}),
                                   ring),
                     ring);
  CHECK(std::holds_alternative<Message>(most));
}

TEST(Packet, encode_refuses_an_uplink_decode_would_call_malformed) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes out(kMaxPacketSize);
  Message m = heartbeat();
  m.has_uplink = true;
  m.uplink = two_ping_nodes();
  m.uplink.score = 3;
  LONGS_EQUAL(0, encode(m, ring, out));
  m.uplink = two_ping_nodes();
  m.uplink.node_count = kMaxPingNodes + 1;
  LONGS_EQUAL(0, encode(m, ring, out));
  m.uplink = two_ping_nodes();
  m.uplink.nodes[0].state = static_cast<PingState>(3);
  LONGS_EQUAL(0, encode(m, ring, out));
  m.uplink = two_ping_nodes();
  m.uplink.score_known = false;
  LONGS_EQUAL(0, encode(m, ring, out));  // an unknown score is 0
}

TEST(Packet, the_most_groups_and_ping_nodes_fit_in_one_datagram) {
  const Keyring ring = one_key_ring(AuthMethod::sha512);
  Message m = heartbeat();
  m.sender = std::string(kMaxNodeNameSize, 'n');
  m.group_count = kMaxGroups;
  m.has_uplink = true;
  m.uplink.node_count = kMaxPingNodes;
  Bytes out(kMaxPacketSize);
  CHECK(encode(m, ring, out) > 0);
}

TEST(Packet, ping_node_id_is_fnv1a_of_the_name) {
  CHECK(ping_node_id("a") == 0xaf63dc4c8601ec8cull);
  CHECK(ping_node_id("10.0.0.254") != ping_node_id("10.0.0.253"));
}

// Keys.

TEST(Packet, a_packet_signed_with_the_old_key_decodes_after_rotation) {
  // Given the peer still signs with key 1 (sha1)
  AuthKeys old_keys;
  old_keys.active_id = 1;
  old_keys.keys[1] = AuthKey{1, AuthMethod::sha1, "oldsecret", {}};
  const Bytes p = encoded(heartbeat(), ring_of(old_keys));
  // When we hold keys 1 and 2 and sign with 2
  AuthKeys both = old_keys;
  both.active_id = 2;
  both.keys[2] = AuthKey{2, AuthMethod::sha256, "newsecret", {}};
  const Keyring ring = ring_of(both);
  // Then its packet decodes, and says which key signed it
  auto result = decode(p, ring);
  CHECK(std::holds_alternative<Message>(result));
  LONGS_EQUAL(1, std::get<Message>(result).key_id);
  // And what we send is signed with key 2
  const Bytes ours = encoded(heartbeat(), ring);
  LONGS_EQUAL(2, ours[kKeyIdAt]);
  LONGS_EQUAL(static_cast<int>(AuthMethod::sha256), ours[kMethodAt]);
  CHECK_DROP(DropReason::unknown_key, dropped(ours, ring_of(old_keys)));
}

// Encode refusals.

TEST(Packet, encode_refuses_an_empty_or_oversized_sender) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes out(kMaxPacketSize);
  Message m = heartbeat();
  m.sender = "";
  LONGS_EQUAL(0, encode(m, ring, out));
  m.sender = std::string(kMaxNodeNameSize + 1, 'a');
  LONGS_EQUAL(0, encode(m, ring, out));
  m.sender = std::string(kMaxNodeNameSize, 'a');
  CHECK(encode(m, ring, out) > 0);
}

TEST(Packet, encode_refuses_what_decode_would_call_malformed) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  Bytes out(kMaxPacketSize);
  Message m = heartbeat();
  m.sender = "Node1";
  LONGS_EQUAL(0, encode(m, ring, out));
  m = heartbeat();
  m.timers.deadtime = Millis{0};
  LONGS_EQUAL(0, encode(m, ring, out));
  m = heartbeat();
  m.timers.keepalive = std::chrono::hours(1) + Millis{1};
  LONGS_EQUAL(0, encode(m, ring, out));
  m = heartbeat();
  m.groups[1].state = static_cast<GroupState>(9);
  LONGS_EQUAL(0, encode(m, ring, out));
  m = heartbeat();
  m.group_count = kMaxGroups + 1;
  LONGS_EQUAL(0, encode(m, ring, out));
  m = heartbeat();
  m.status = static_cast<NodeStatus>(7);
  LONGS_EQUAL(0, encode(m, ring, out));
}

TEST(Packet, a_body_without_mode_digest_or_groups_decodes_as_running_with_none) {
  const Keyring ring = one_key_ring(AuthMethod::sha256);
  auto result =
      decode(signed_packet(concat({sender_tlv("a"), timers_tlv(), status_tlv()}), ring), ring);
  CHECK(std::holds_alternative<Message>(result));
  const Message& m = std::get<Message>(result);
  STRCMP_EQUAL("running", to_string(m.mode));
  CHECK(m.resources_digest == 0);
  LONGS_EQUAL(0, m.group_count);
}

TEST(Packet, the_most_groups_a_packet_carries_fit_in_one_datagram) {
  const Keyring ring = one_key_ring(AuthMethod::sha512);
  Message m = heartbeat();
  m.sender = std::string(kMaxNodeNameSize, 'n');
  m.group_count = kMaxGroups;
  Bytes out(kMaxPacketSize);
  CHECK(encode(m, ring, out) > 0);
}

TEST(Packet, group_id_is_fnv1a_of_the_name) {
  CHECK(group_id("") == 14695981039346656037ull);
  CHECK(group_id("a") == 0xaf63dc4c8601ec8cull);
  CHECK(group_id("IPaddr2::10.0.0.1") != group_id("IPaddr2::10.0.0.2"));
}

TEST(Packet, encode_refuses_a_buffer_one_byte_too_small) {
  const Keyring ring = one_key_ring(AuthMethod::sha512);
  const size_t size = encoded(heartbeat(), ring).size();
  Bytes out(size - 1, 0xa5);
  LONGS_EQUAL(0, encode(heartbeat(), ring, out));
  CHECK(out == Bytes(size - 1, 0xa5));  // and writes nothing
  out.resize(size);
  LONGS_EQUAL(size, encode(heartbeat(), ring, out));
}

// Names for logs and status.

TEST(Packet, every_drop_reason_has_a_name_and_a_class) {
  struct Row {
    DropReason reason;
    const char* name;
    DropClass cls;
  };
  const Row rows[] = {
      {DropReason::too_short, "too_short", DropClass::bad},
      {DropReason::bad_magic, "bad_magic", DropClass::bad},
      {DropReason::bad_version, "bad_version", DropClass::bad},
      {DropReason::bad_length, "bad_length", DropClass::bad},
      {DropReason::unknown_key, "unknown_key", DropClass::auth},
      {DropReason::method_mismatch, "method_mismatch", DropClass::auth},
      {DropReason::bad_mac, "bad_mac", DropClass::auth},
      {DropReason::malformed, "malformed", DropClass::bad},
      {DropReason::unknown_sender, "unknown_sender", DropClass::auth},
      {DropReason::replayed, "replayed", DropClass::replay},
      {DropReason::old_generation, "old_generation", DropClass::replay},
  };
  for (const Row& r : rows) {
    STRCMP_EQUAL(r.name, to_string(r.reason));
    CHECK_TEXT(classify(r.reason) == r.cls, r.name);
  }
  STRCMP_EQUAL("heartbeat", to_string(MessageType::heartbeat));
  STRCMP_EQUAL("up", to_string(NodeStatus::up));
  STRCMP_EQUAL("active", to_string(NodeStatus::active));
}
