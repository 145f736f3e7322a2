// The twinbeat wire format: one authenticated UDP datagram per message.
//
// Version 1. Integers are big-endian. A datagram is exactly one packet:
//
//   offset size  field
//   0      4     magic "TWNB" (0x54 0x57 0x4e 0x42)
//   4      1     version, 1
//   5      1     type (MessageType)
//   6      1     key id, 0..15: the authkeys key that signed the packet
//   7      1     that key's method (config::AuthMethod); must match ours
//   8      2     total length in bytes, MAC included; must equal the datagram
//   10     2     flags, 0 (reserved; ignored on receive)
//   12     8     generation of the sender: +1 at every start, persisted
//   20     8     sequence: 1 for the first packet of a generation, +1 for
//                each packet sent (one packet goes out on every link)
//   28     ...   body: TLVs, each tag u8, length u16, value
//   len-M  M     MAC over bytes [0, len-M): HMAC with the key's digest
//                (M = 32 sha256, 64 sha512, 20 sha1, 16 md5), or CRC-32
//                (M = 4) for `crc`, which authenticates nothing
//
// TLVs of version 1:
//   1 sender  the sending node's name, 1..64 bytes
//   2 timers  keepalive, warntime, deadtime: three u32, milliseconds
//   3 status  u8 NodeStatus
//   4 mode    u8 NodeMode (absent: running)
//   5 digest  u64: digest of the sender's haresources (absent: 0, none)
//   6 groups  per group 10 bytes: u64 group id (group_id() of its name),
//             u8 GroupState, u8 flags (bit 0: offered; bit 1: found
//             running at the sender's start-up, not yet confirmed; bit 2:
//             wanted, the sender asks for it; bit 3: blocked, it failed
//             there too often and runs there no more until a cleanup); at
//             most kMaxGroups
//   7 uplink  what the sender's ping nodes tell: u8 Reach (its score against
//             the receiver's, held), u8 flags (bit 0: score known), u16
//             score (ping nodes up; 0 when unknown), then per ping node 9
//             bytes: u64 id (ping_node_id() of its name), u8 PingState; at
//             most kMaxPingNodes, and a known score is at most their number.
//             Absent (an older sender, or one without ping nodes): the
//             sender's score is unknown, which moves nothing.
//
// Receiving, in this order: length >= header + MAC of the smallest method,
// magic, version, the key id names a key we hold with the same method, the
// length field equals the datagram size, then the MAC (compared in constant
// time). Only an authentic packet has its body read. Unknown TLV tags are
// skipped so a newer peer can add fields; a known tag twice, a TLV that runs
// into the MAC, or a missing sender, timers or status makes it malformed.
// So do a type other than heartbeat, a sender outside 1..64 of [a-z0-9._-]
// (ha.cf names are lower-cased), a timer of 0 or of more than 1 hour, a
// status, mode or group state out of range, a groups TLV that is not a whole
// number of entries or lists more than kMaxGroups, an uplink TLV whose
// entries, reach, states or score break the rules above, and a known tag of the
// wrong length.
// Nothing in a packet is trusted before its MAC is checked; decode never
// throws, aborts or reads outside the datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "twinbeat/time.h"

namespace twinbeat::wire {

class Keyring;

inline constexpr uint8_t kMagic[4] = {'T', 'W', 'N', 'B'};
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 28;
inline constexpr size_t kMaxPacketSize = 1400;  // one datagram, no fragments
inline constexpr size_t kMaxNodeNameSize = 64;
inline constexpr size_t kMaxGroups = 64;
inline constexpr size_t kMaxPingNodes = 32;

enum class MessageType : uint8_t { heartbeat = 1 };
const char* to_string(MessageType t);

// What a node says of itself (Heartbeat's `st`).
enum class NodeStatus : uint8_t {
  up = 1,      // running, has not heard its peer yet
  active = 2,  // running and has heard its peer, or declared it dead
};
const char* to_string(NodeStatus s);

// What a node is doing as a whole.
enum class NodeMode : uint8_t {
  running = 0,
  leaving = 1,  // stopping gracefully: releasing every group
  left = 2,     // released every group; about to exit
};
const char* to_string(NodeMode m);

// What a node says of one resource group.
enum class GroupState : uint8_t {
  none = 0,      // not running on that node (verified)
  probing = 1,   // start-up: not yet known whether it runs there
  starting = 2,  // start in progress
  held = 3,      // running there, entirely or partly
  stopping = 4,  // stop in progress
  failed = 5,    // a stop failed: it may still run there
};
const char* to_string(GroupState s);

struct GroupReport {
  uint64_t id = 0;  // group_id(name)
  GroupState state = GroupState::none;
  bool offered = false;  // its start failed there: the other node may take it
  bool found = false;    // held since start-up, not yet confirmed against the peer
  bool wanted = false;   // the sender asks the receiver to hand it over
  bool blocked = false;  // failed at the sender too often: it will not run it
};

// A stable 64-bit id for a group name (FNV-1a), the same on both nodes.
uint64_t group_id(std::string_view name);

struct Timers {
  Millis keepalive{0};
  Millis warntime{0};
  Millis deadtime{0};
};

// A ping node as the sender sees it (Heartbeat's ping node status).
enum class PingState : uint8_t {
  init = 0,  // not answered yet, and deadping not over since the sender started
  up = 1,    // answered within deadping
  dead = 2,  // silent for deadping
};
const char* to_string(PingState s);

// The sender's ping node score against the receiver's, once the comparison
// has held for deadping.
enum class Reach : uint8_t {
  same = 0,   // as many, or either score unknown
  fewer = 1,  // the sender reaches fewer: it hands its groups over
  more = 2,   // the sender reaches more
};
const char* to_string(Reach r);

struct PingReport {
  uint64_t id = 0;  // ping_node_id(name)
  PingState state = PingState::init;
};

struct UplinkReport {
  Reach reach = Reach::same;
  bool score_known = false;
  uint16_t score = 0;       // ping nodes up, when known
  size_t node_count = 0;    // nodes[0, node_count) are valid
  std::array<PingReport, kMaxPingNodes> nodes{};
};

// A stable 64-bit id for a ping node's name (FNV-1a), the same on both nodes.
uint64_t ping_node_id(std::string_view name);

struct Message {
  MessageType type = MessageType::heartbeat;
  uint8_t key_id = 0;  // set by decode; encode signs with the active key
  uint64_t generation = 0;
  uint64_t sequence = 0;
  std::string sender;
  Timers timers;
  NodeStatus status = NodeStatus::up;
  NodeMode mode = NodeMode::running;
  uint64_t resources_digest = 0;
  size_t group_count = 0;  // groups[0, group_count) are valid
  std::array<GroupReport, kMaxGroups> groups{};
  bool has_uplink = false;  // false: no uplink TLV, the sender's score is unknown
  UplinkReport uplink;
};

// Why a datagram was dropped. Each has a counter per link.
enum class DropReason {
  too_short,        // shorter than a header and the smallest MAC (or its key's MAC)
  bad_magic,        // not a twinbeat packet
  bad_version,      // a version we do not speak
  bad_length,       // length field differs from the datagram size
  unknown_key,      // key id not in our authkeys
  method_mismatch,  // key id known, but signed with another method
  bad_mac,          // MAC does not verify: forged, corrupted or wrong key
  malformed,        // authentic, but the body breaks the format
  unknown_sender,   // authentic, but from a node not in ha.cf
  replayed,         // an old sequence number of the current generation
  old_generation,   // a generation older than the newest seen from that node
};
const char* to_string(DropReason r);

// Status groups drop reasons: bad (format), auth (authentication), replay.
enum class DropClass { bad, auth, replay };
DropClass classify(DropReason r);

// Encodes and signs `msg` with the keyring's active key into `out`.
// Returns the packet size, or 0 if it does not fit in `out` or the sender
// name is empty or longer than kMaxNodeNameSize. Never writes what decode
// would call malformed: also 0 for a sender outside [a-z0-9._-], a timer not
// in (0, 1 h), or an unknown type or status.
size_t encode(const Message& msg, const Keyring& keys, std::span<uint8_t> out);

// Checks and decodes one datagram. Never trusts a byte before the MAC verifies.
std::variant<Message, DropReason> decode(std::span<const uint8_t> datagram, const Keyring& keys);

}  // namespace twinbeat::wire
