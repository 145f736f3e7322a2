// Membership: is the peer alive? A pure state machine over heartbeat
// arrivals and the passing of time, for one peer seen over several links.
//
// - Until the first heartbeat, the peer is `init` and is declared dead after
//   `initdead` of silence from the start.
// - After that, it is dead when every link has been silent for its deadtime,
//   and up again on the next heartbeat.
// - The peer is judged by the timers it advertises in its heartbeats (as
//   Heartbeat judges by the sender's `dt`), so a node that slows its own
//   timers on reload is never declared dead by the other; ours apply until
//   the first heartbeat.
// - A heartbeat that arrives after a gap longer than warntime is reported
//   late. One that arrives after more than deadtime while the peer was not
//   yet declared dead (our own loop stalled) is reported late and does NOT
//   make the peer dead: Heartbeat marks it dead on arrival, which starts a
//   takeover of resources that are in fact alive. The shell must feed every
//   pending heartbeat before calling on_tick, so a stall never judges a peer
//   whose packets are waiting in a socket.
//
// Reads no clock: every entry point takes `now`. Touches no socket or timer:
// it returns events, and says when it next needs to be ticked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "twinbeat/time.h"

namespace twinbeat::core {

using LinkId = size_t;

struct Timers {
  Millis keepalive{1000};
  Millis warntime{15000};
  Millis deadtime{30000};
  Millis initdead{30000};
};

enum class PeerState { init, up, dead };
enum class LinkState { init, up, dead };
const char* to_string(PeerState s);
const char* to_string(LinkState s);

// One authentic, non-replayed heartbeat, as the shell hands it over.
struct Heartbeat {
  uint64_t generation = 0;
  uint64_t sequence = 0;
  Millis warntime{0};  // the sender's advertised timers
  Millis deadtime{0};
};

// Events: what changed. The shell logs them in Heartbeat's words and, later,
// hands them to the resource machine.
struct PeerUp {
  enum class Why { first_contact, returned, restarted } why;
  uint64_t generation;
  std::optional<Millis> silent_for;  // for `returned`: how long it was gone
};
struct PeerDead {
  Millis silent_for;
  bool never_heard;  // declared dead after initdead without a single packet
};
struct PeerRestarted {  // a new generation while it was up: it restarted
  uint64_t old_generation;
  uint64_t new_generation;
};
struct LinkUp {
  LinkId link;
};
struct LinkDead {
  LinkId link;
  Millis silent_for;
};
struct LateHeartbeat {
  Millis gap;
  bool past_deadtime;  // arrived after deadtime: our loop stalled, not the peer
};
using Event = std::variant<PeerUp, PeerDead, PeerRestarted, LinkUp, LinkDead, LateHeartbeat>;
using Events = std::vector<Event>;

struct LinkView {
  LinkState state = LinkState::init;
  Instant since;  // when the link was configured: `init` expires at since + initdead
  std::optional<Instant> last_heard;
  uint64_t late = 0;  // gaps on this link longer than warntime
};

class Membership {
 public:
  Membership(const Timers& ours, size_t links, Instant start);

  // Feeds one heartbeat that arrived on `link` at `now`. Duplicates of a
  // packet already seen on another link refresh only `link`.
  Events on_heartbeat(LinkId link, const Heartbeat& hb, Instant now);

  // Judges silence up to `now`.
  Events on_tick(Instant now);

  // When on_tick must next run; nullopt when nothing can expire.
  std::optional<Instant> next_deadline() const;

  // Applies a reload: new local timers, and a new list of links where
  // `carried[i]` names the old link that new link i continues (same medium),
  // or nullopt for a link that starts now in `init`.
  void reconfigure(const Timers& ours, const std::vector<std::optional<LinkId>>& carried,
                   Instant now);

  PeerState peer_state() const { return peer_; }
  std::optional<Instant> last_heard() const { return last_heard_; }
  uint64_t peer_generation() const { return newest_generation_; }
  uint64_t late_count() const { return late_; }
  // The longest interval between two fresh heartbeats while the peer was up
  // (gaps that ended a declared death are not counted); 0 before the second.
  Millis longest_gap() const { return longest_gap_; }
  // The deadtime the peer is judged by now.
  Millis judged_deadtime() const;
  Millis judged_warntime() const;
  size_t link_count() const { return links_.size(); }
  const LinkView& link(LinkId id) const { return links_.at(id); }

 private:
  bool newer_than_seen(const Heartbeat& hb) const;
  void note_link(LinkId link, Instant now, Events& out);
  Instant link_deadline(const LinkView& l) const;
  Instant peer_deadline() const;

  Timers ours_;
  Instant start_;
  PeerState peer_ = PeerState::init;
  std::optional<Instant> last_heard_;
  std::optional<Timers> advertised_;  // from the last fresh heartbeat
  uint64_t newest_generation_ = 0;
  uint64_t newest_sequence_ = 0;
  uint64_t late_ = 0;
  Millis longest_gap_{0};
  std::vector<LinkView> links_;
};

}  // namespace twinbeat::core
