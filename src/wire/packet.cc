// The version 1 wire format of include/twinbeat/wire/packet.h: encoding a
// heartbeat, and checking then decoding one datagram, in the documented order.
#include "twinbeat/wire/packet.h"

#include <optional>
#include <string_view>

#include "twinbeat/config/authkeys.h"
#include "twinbeat/fnv.h"
#include "twinbeat/wire/keyring.h"

namespace twinbeat::wire {

namespace {

enum Tag : uint8_t {
  kSender = 1, kTimers = 2, kStatus = 3, kMode = 4, kDigest = 5, kGroups = 6, kUplink = 7
};
constexpr size_t kUplinkHeadSize = 4;  // reach u8, flags u8, score u16
constexpr size_t kPingEntrySize = 9;   // id u64, state u8
constexpr size_t kGroupEntrySize = 10;  // id u64, state u8, flags u8
constexpr size_t kTlvHeaderSize = 3;    // tag u8, length u16
constexpr size_t kTimersSize = 12;      // keepalive, warntime, deadtime: u32 ms
constexpr size_t kSmallestMacSize = 4;  // crc
constexpr Millis kTimerLimit = std::chrono::hours(1);

// Offsets of the header fields.
constexpr size_t kOffVersion = 4, kOffType = 5, kOffKeyId = 6, kOffMethod = 7, kOffLength = 8,
                 kOffFlags = 10, kOffGeneration = 12, kOffSequence = 20;

bool valid_sender(std::string_view name);
bool valid_timer(Millis t) { return t > Millis{0} && t <= kTimerLimit; }
bool valid_mode(uint8_t m) { return m <= static_cast<uint8_t>(NodeMode::left); }
bool valid_group_state(uint8_t s) { return s <= static_cast<uint8_t>(GroupState::failed); }
bool valid_status(uint8_t s);
bool valid_message(const Message& msg);
uint64_t get_be(const uint8_t* p, size_t n);
void put_be(uint8_t* p, size_t n, uint64_t v);
void put_header(uint8_t* p, const Message& msg, uint8_t key_id, config::AuthMethod method,
                size_t total);
void put_body(uint8_t* p, const Message& msg);
std::optional<DropReason> check_header(std::span<const uint8_t> d, const Keyring& keys);
bool parse_body(std::span<const uint8_t> body, Message& msg);
bool parse_groups(const uint8_t* v, size_t len, Message& msg);
bool valid_uplink(const UplinkReport& u);
size_t uplink_size(const Message& msg);
uint8_t* put_uplink(uint8_t* p, const UplinkReport& u);
bool parse_uplink(const uint8_t* v, size_t len, Message& msg);

}  // namespace

const char* to_string(MessageType t) {
  switch (t) {
    case MessageType::heartbeat:
      return "heartbeat";
  }
  return "unknown";
}

const char* to_string(NodeStatus s) {
  switch (s) {
    case NodeStatus::up:
      return "up";
    case NodeStatus::active:
      return "active";
  }
  return "unknown";
}

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::too_short:
      return "too_short";
    case DropReason::bad_magic:
      return "bad_magic";
    case DropReason::bad_version:
      return "bad_version";
    case DropReason::bad_length:
      return "bad_length";
    case DropReason::unknown_key:
      return "unknown_key";
    case DropReason::method_mismatch:
      return "method_mismatch";
    case DropReason::bad_mac:
      return "bad_mac";
    case DropReason::malformed:
      return "malformed";
    case DropReason::unknown_sender:
      return "unknown_sender";
    case DropReason::replayed:
      return "replayed";
    case DropReason::old_generation:
      return "old_generation";
  }
  return "unknown";
}

const char* to_string(NodeMode m) {
  switch (m) {
    case NodeMode::running: return "running";
    case NodeMode::leaving: return "leaving";
    case NodeMode::left: return "left";
  }
  return "unknown";
}

const char* to_string(GroupState s) {
  switch (s) {
    case GroupState::none: return "none";
    case GroupState::probing: return "probing";
    case GroupState::starting: return "starting";
    case GroupState::held: return "held";
    case GroupState::stopping: return "stopping";
    case GroupState::failed: return "failed";
  }
  return "unknown";
}

uint64_t group_id(std::string_view name) { return fnv1a64(name); }

uint64_t ping_node_id(std::string_view name) { return fnv1a64(name); }

const char* to_string(PingState s) {
  switch (s) {
    case PingState::init: return "init";
    case PingState::up: return "up";
    case PingState::dead: return "dead";
  }
  return "unknown";
}

const char* to_string(Reach r) {
  switch (r) {
    case Reach::same: return "same";
    case Reach::fewer: return "fewer";
    case Reach::more: return "more";
  }
  return "unknown";
}

DropClass classify(DropReason r) {
  switch (r) {
    case DropReason::too_short:
    case DropReason::bad_magic:
    case DropReason::bad_version:
    case DropReason::bad_length:
    case DropReason::malformed:
      return DropClass::bad;
    case DropReason::unknown_key:
    case DropReason::method_mismatch:
    case DropReason::bad_mac:
    case DropReason::unknown_sender:
      return DropClass::auth;
    case DropReason::replayed:
    case DropReason::old_generation:
      return DropClass::replay;
  }
  return DropClass::bad;
}

size_t encode(const Message& msg, const Keyring& keys, std::span<uint8_t> out) {
  const config::AuthKey* key = keys.key(keys.active_id());
  if (key == nullptr || !valid_message(msg)) return 0;
  const size_t body_size = kTlvHeaderSize + msg.sender.size() + kTlvHeaderSize + kTimersSize +
                           3 * kTlvHeaderSize + 1 + 1 + 8 + kTlvHeaderSize +
                           msg.group_count * kGroupEntrySize + uplink_size(msg);
  const size_t mac_size = config::mac_size(key->method);
  const size_t total = kHeaderSize + body_size + mac_size;
  if (total > out.size() || total > kMaxPacketSize) return 0;

  put_header(out.data(), msg, static_cast<uint8_t>(keys.active_id()), key->method, total);
  put_body(out.data() + kHeaderSize, msg);
  uint8_t mac[kMaxMacSize];
  const size_t signed_size = total - mac_size;
  if (keys.mac(keys.active_id(), out.first(signed_size), mac) != mac_size) return 0;
  for (size_t i = 0; i < mac_size; ++i) out[signed_size + i] = mac[i];
  return total;
}

std::variant<Message, DropReason> decode(std::span<const uint8_t> datagram, const Keyring& keys) {
  if (auto reason = check_header(datagram, keys)) return *reason;
  // check_header has vouched for: a known key, and room for header and MAC.
  const int id = datagram[kOffKeyId];
  const size_t mac_size = config::mac_size(keys.key(id)->method);
  const size_t signed_size = datagram.size() - mac_size;
  if (!keys.verify(id, datagram.first(signed_size), datagram.subspan(signed_size)))
    return DropReason::bad_mac;

  // Authentic from here on.
  Message msg;
  msg.key_id = static_cast<uint8_t>(id);
  if (datagram[kOffType] != static_cast<uint8_t>(MessageType::heartbeat))
    return DropReason::malformed;  // version 1 has no other type
  msg.type = MessageType::heartbeat;
  msg.generation = get_be(&datagram[kOffGeneration], 8);
  msg.sequence = get_be(&datagram[kOffSequence], 8);
  if (!parse_body(datagram.subspan(kHeaderSize, signed_size - kHeaderSize), msg))
    return DropReason::malformed;
  return msg;
}

namespace {

// Node names are lower-cased from ha.cf (as Heartbeat does), so a peer never
// sends an upper-case letter; anything outside the set is not a node name.
bool valid_sender(std::string_view name) {
  if (name.empty() || name.size() > kMaxNodeNameSize) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_status(uint8_t s) {
  return s == static_cast<uint8_t>(NodeStatus::up) || s == static_cast<uint8_t>(NodeStatus::active);
}

// True if decode would accept what encode writes of `msg`.
bool valid_message(const Message& msg) {
  if (msg.group_count > kMaxGroups) return false;
  for (size_t i = 0; i < msg.group_count; ++i)
    if (!valid_group_state(static_cast<uint8_t>(msg.groups[i].state))) return false;
  if (msg.has_uplink && !valid_uplink(msg.uplink)) return false;
  return msg.type == MessageType::heartbeat && valid_sender(msg.sender) &&
         valid_timer(msg.timers.keepalive) && valid_timer(msg.timers.warntime) &&
         valid_timer(msg.timers.deadtime) && valid_status(static_cast<uint8_t>(msg.status)) &&
         valid_mode(static_cast<uint8_t>(msg.mode));
}

uint64_t get_be(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void put_be(uint8_t* p, size_t n, uint64_t v) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

Millis millis_at(const uint8_t* p) { return Millis{static_cast<Millis::rep>(get_be(p, 4))}; }

void put_header(uint8_t* p, const Message& msg, uint8_t key_id, config::AuthMethod method,
                size_t total) {
  for (size_t i = 0; i < sizeof kMagic; ++i) p[i] = kMagic[i];
  p[kOffVersion] = kVersion;
  p[kOffType] = static_cast<uint8_t>(msg.type);
  p[kOffKeyId] = key_id;
  p[kOffMethod] = static_cast<uint8_t>(method);
  put_be(p + kOffLength, 2, total);
  put_be(p + kOffFlags, 2, 0);
  put_be(p + kOffGeneration, 8, msg.generation);
  put_be(p + kOffSequence, 8, msg.sequence);
}

// The TLVs of a heartbeat, in tag order; `p` has room (encode checked).
void put_body(uint8_t* p, const Message& msg) {
  auto tlv = [&p](Tag tag, size_t len) {
    p[0] = tag;
    put_be(p + 1, 2, len);
    p += kTlvHeaderSize;
  };
  tlv(kSender, msg.sender.size());
  for (char c : msg.sender) *p++ = static_cast<uint8_t>(c);
  tlv(kTimers, kTimersSize);
  for (Millis t : {msg.timers.keepalive, msg.timers.warntime, msg.timers.deadtime}) {
    put_be(p, 4, static_cast<uint64_t>(t.count()));
    p += 4;
  }
  tlv(kStatus, 1);
  *p++ = static_cast<uint8_t>(msg.status);
  tlv(kMode, 1);
  *p++ = static_cast<uint8_t>(msg.mode);
  tlv(kDigest, 8);
  put_be(p, 8, msg.resources_digest);
  p += 8;
  tlv(kGroups, msg.group_count * kGroupEntrySize);
  for (size_t i = 0; i < msg.group_count; ++i) {
    const GroupReport& g = msg.groups[i];
    put_be(p, 8, g.id);
    p[8] = static_cast<uint8_t>(g.state);
    p[9] = static_cast<uint8_t>((g.offered ? 1 : 0) | (g.found ? 2 : 0) | (g.wanted ? 4 : 0) |
                                (g.blocked ? 8 : 0));
    p += kGroupEntrySize;
  }
  if (msg.has_uplink) {
    tlv(kUplink, uplink_size(msg) - kTlvHeaderSize);
    p = put_uplink(p, msg.uplink);
  }
}

bool valid_uplink(const UplinkReport& u) {
  if (u.node_count > kMaxPingNodes || static_cast<uint8_t>(u.reach) > 2) return false;
  if (u.score_known ? u.score > u.node_count : u.score != 0) return false;
  for (size_t i = 0; i < u.node_count; ++i)
    if (static_cast<uint8_t>(u.nodes[i].state) > 2) return false;
  return true;
}

size_t uplink_size(const Message& msg) {
  if (!msg.has_uplink) return 0;
  return kTlvHeaderSize + kUplinkHeadSize + msg.uplink.node_count * kPingEntrySize;
}

uint8_t* put_uplink(uint8_t* p, const UplinkReport& u) {
  p[0] = static_cast<uint8_t>(u.reach);
  p[1] = u.score_known ? 1 : 0;
  put_be(p + 2, 2, u.score);
  p += kUplinkHeadSize;
  for (size_t i = 0; i < u.node_count; ++i, p += kPingEntrySize) {
    put_be(p, 8, u.nodes[i].id);
    p[8] = static_cast<uint8_t>(u.nodes[i].state);
  }
  return p;
}

bool parse_uplink(const uint8_t* v, size_t len, Message& msg) {
  if (len < kUplinkHeadSize || (len - kUplinkHeadSize) % kPingEntrySize != 0) return false;
  UplinkReport& u = msg.uplink;
  u.node_count = (len - kUplinkHeadSize) / kPingEntrySize;
  if (u.node_count > kMaxPingNodes || v[0] > 2 || v[1] > 1) return false;
  u.reach = static_cast<Reach>(v[0]);
  u.score_known = v[1] == 1;
  u.score = static_cast<uint16_t>(get_be(v + 2, 2));
  for (size_t i = 0; i < u.node_count; ++i) {
    const uint8_t* e = v + kUplinkHeadSize + i * kPingEntrySize;
    if (e[8] > 2) return false;
    u.nodes[i] = PingReport{get_be(e, 8), static_cast<PingState>(e[8])};
  }
  msg.has_uplink = true;
  return valid_uplink(u);
}

bool parse_groups(const uint8_t* v, size_t len, Message& msg) {
  if (len % kGroupEntrySize != 0 || len / kGroupEntrySize > kMaxGroups) return false;
  msg.group_count = len / kGroupEntrySize;
  for (size_t i = 0; i < msg.group_count; ++i, v += kGroupEntrySize) {
    if (!valid_group_state(v[8])) return false;
    msg.groups[i] = GroupReport{get_be(v, 8), static_cast<GroupState>(v[8]), (v[9] & 1) != 0,
                                (v[9] & 2) != 0, (v[9] & 4) != 0, (v[9] & 8) != 0};
  }
  return true;
}

// Everything decided before the MAC, in the order packet.h promises.
std::optional<DropReason> check_header(std::span<const uint8_t> d, const Keyring& keys) {
  if (d.size() < kHeaderSize + kSmallestMacSize) return DropReason::too_short;
  for (size_t i = 0; i < sizeof kMagic; ++i)
    if (d[i] != kMagic[i]) return DropReason::bad_magic;
  if (d[kOffVersion] != kVersion) return DropReason::bad_version;
  const config::AuthKey* key = keys.key(d[kOffKeyId]);
  if (key == nullptr) return DropReason::unknown_key;
  if (d[kOffMethod] != static_cast<uint8_t>(key->method)) return DropReason::method_mismatch;
  if (get_be(&d[kOffLength], 2) != d.size()) return DropReason::bad_length;
  // Room for the smallest MAC is not room for this key's MAC.
  if (d.size() < kHeaderSize + config::mac_size(key->method)) return DropReason::too_short;
  return std::nullopt;
}

// Reads the TLVs of an authentic body into `msg`. False if malformed.
bool parse_body(std::span<const uint8_t> body, Message& msg) {
  std::string_view sender;
  bool have_sender = false, have_timers = false, have_status = false;
  bool have_mode = false, have_digest = false, have_groups = false, have_uplink = false;
  size_t pos = 0;
  while (pos < body.size()) {
    if (body.size() - pos < kTlvHeaderSize) return false;
    const uint8_t tag = body[pos];
    const size_t len = get_be(&body[pos + 1], 2);
    pos += kTlvHeaderSize;
    if (len > body.size() - pos) return false;  // runs into the MAC
    const uint8_t* v = body.data() + pos;
    pos += len;
    switch (tag) {
      case kSender:
        if (have_sender) return false;
        have_sender = true;
        sender = std::string_view(reinterpret_cast<const char*>(v), len);
        if (!valid_sender(sender)) return false;
        break;
      case kTimers:
        if (have_timers || len != kTimersSize) return false;
        have_timers = true;
        msg.timers.keepalive = millis_at(v);
        msg.timers.warntime = millis_at(v + 4);
        msg.timers.deadtime = millis_at(v + 8);
        if (!valid_timer(msg.timers.keepalive) || !valid_timer(msg.timers.warntime) ||
            !valid_timer(msg.timers.deadtime))
          return false;
        break;
      case kStatus:
        if (have_status || len != 1 || !valid_status(v[0])) return false;
        have_status = true;
        msg.status = static_cast<NodeStatus>(v[0]);
        break;
      case kMode:
        if (have_mode || len != 1 || !valid_mode(v[0])) return false;
        have_mode = true;
        msg.mode = static_cast<NodeMode>(v[0]);
        break;
      case kDigest:
        if (have_digest || len != 8) return false;
        have_digest = true;
        msg.resources_digest = get_be(v, 8);
        break;
      case kGroups:
        if (have_groups || !parse_groups(v, len, msg)) return false;
        have_groups = true;
        break;
      case kUplink:
        if (have_uplink || !parse_uplink(v, len, msg)) return false;
        have_uplink = true;
        break;
      default:
        break;  // a newer peer's field: skipped
    }
  }
  if (!have_sender || !have_timers || !have_status) return false;
  msg.sender.assign(sender);
  return true;
}

}  // namespace

}  // namespace twinbeat::wire
