// ReplayGuard: replays of real earlier (generation, sequence) pairs, both sides
// of the window edge, generations, and a seeded random sequence against a model.
#include "twinbeat/wire/replay_window.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

// After every std header: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using twinbeat::wire::ReplayGuard;
using Verdict = ReplayGuard::Verdict;

namespace {

const char* name(Verdict v) {
  switch (v) {
    case Verdict::admitted:
      return "admitted";
    case Verdict::new_generation:
      return "new_generation";
    case Verdict::replayed:
      return "replayed";
    case Verdict::old_generation:
      return "old_generation";
  }
  return "?";
}

#define CHECK_VERDICT(expected, actual) STRCMP_EQUAL(name(expected), name(actual))

// Feeds sequences [from, to] of `generation` on `link`, checking each is new.
void feed(ReplayGuard& guard, size_t link, uint64_t generation, uint64_t from, uint64_t to) {
  for (uint64_t seq = from; seq <= to; ++seq)
    CHECK_VERDICT(Verdict::admitted, guard.admit(link, generation, seq));
}

}  // namespace

TEST_GROUP(ReplayGuard){};

TEST(ReplayGuard, a_packet_replayed_on_its_link_is_refused) {
  ReplayGuard guard(3, 1);
  feed(guard, 0, 3, 1, 10);
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 5));
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 10));
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 11));
}

TEST(ReplayGuard, the_oldest_sequence_in_the_window_is_admitted_once_if_unseen) {
  // Given highest 100 seen, and nothing below it
  ReplayGuard guard(3, 1);
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 100));
  // Then highest-63 is inside the window: admitted once, then replayed
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 37));
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 37));
  // And highest-64 is outside it: replayed though never seen
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 36));
}

TEST(ReplayGuard, a_jump_of_63_keeps_the_oldest_bit_and_a_jump_of_64_drops_it) {
  ReplayGuard guard(3, 2);
  // Link 0: 10 seen, then 73 (10 is now highest-63, still remembered)
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 10));
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 73));
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 10));
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 11));
  // Link 1: 10 seen, then 74 (10 is highest-64: out of the window)
  CHECK_VERDICT(Verdict::admitted, guard.admit(1, 3, 10));
  CHECK_VERDICT(Verdict::admitted, guard.admit(1, 3, 74));
  CHECK_VERDICT(Verdict::replayed, guard.admit(1, 3, 10));
  CHECK_VERDICT(Verdict::admitted, guard.admit(1, 3, 11));
  CHECK_VERDICT(Verdict::replayed, guard.admit(1, 3, 74));
}

TEST(ReplayGuard, after_a_jump_of_64_only_the_new_highest_is_seen) {
  // Given 9 and 10 seen
  ReplayGuard guard(3, 1);
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 9));
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 10));
  // When 74 arrives, the whole old window slides out
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 74));
  // Then nothing of it is mistaken for 73 or 72
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 73));
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 72));
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 10));
}

TEST(ReplayGuard, reordering_within_the_window_admits_every_packet_once) {
  ReplayGuard guard(3, 1);
  for (uint64_t seq : {5, 3, 4, 1, 2, 9, 6, 8, 7})
    CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, seq));
  for (uint64_t seq = 1; seq <= 9; ++seq) CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, seq));
}

TEST(ReplayGuard, the_same_packet_is_admitted_once_on_each_link) {
  ReplayGuard guard(3, 2);
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 7));
  CHECK_VERDICT(Verdict::admitted, guard.admit(1, 3, 7));
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 7));
  CHECK_VERDICT(Verdict::replayed, guard.admit(1, 3, 7));
}

TEST(ReplayGuard, a_new_generation_resets_every_window) {
  // Given generation 5 up to 100 on both links
  ReplayGuard guard(5, 2);
  feed(guard, 0, 5, 1, 100);
  feed(guard, 1, 5, 1, 100);
  // When the sender restarts: generation 6 from 1, first seen on link 1
  CHECK_VERDICT(Verdict::new_generation, guard.admit(1, 6, 1));
  LONGS_EQUAL(6, guard.generation());
  // Then both links take generation 6 from its start, once each
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 6, 1));
  CHECK_VERDICT(Verdict::replayed, guard.admit(1, 6, 1));
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 6, 1));
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 6, 2));
  // And replays of generation 5 are refused on either link
  CHECK_VERDICT(Verdict::old_generation, guard.admit(0, 5, 101));
  CHECK_VERDICT(Verdict::old_generation, guard.admit(1, 5, 50));
}

TEST(ReplayGuard, the_persisted_generation_is_a_floor_across_restarts) {
  // Given packets recorded from generation 3, then the sender restarted as 4
  ReplayGuard before(2, 1);
  CHECK_VERDICT(Verdict::new_generation, before.admit(0, 3, 1));
  CHECK_VERDICT(Verdict::admitted, before.admit(0, 3, 2));
  CHECK_VERDICT(Verdict::new_generation, before.admit(0, 4, 1));
  // When the receiver restarts with generation 4 persisted
  ReplayGuard after(before.generation(), 1);
  // Then the recorded generation-3 packets are refused, generation 4 is not
  CHECK_VERDICT(Verdict::old_generation, after.admit(0, 3, 1));
  CHECK_VERDICT(Verdict::old_generation, after.admit(0, 3, 2));
  CHECK_VERDICT(Verdict::admitted, after.admit(0, 4, 2));
  CHECK_VERDICT(Verdict::new_generation, after.admit(0, 5, 1));
}

TEST(ReplayGuard, with_nothing_persisted_the_first_generation_is_new) {
  ReplayGuard guard(0, 1);
  CHECK_VERDICT(Verdict::new_generation, guard.admit(0, 1, 1));
  LONGS_EQUAL(1, guard.generation());
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 1, 2));
}

TEST(ReplayGuard, generation_zero_sequence_zero_and_unknown_links_admit_nothing) {
  ReplayGuard guard(0, 2);
  CHECK_VERDICT(Verdict::old_generation, guard.admit(0, 0, 1));
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 9, 0));
  CHECK_VERDICT(Verdict::replayed, guard.admit(2, 9, 1));
  LONGS_EQUAL(0, guard.generation());  // none of them moved the generation
  CHECK_VERDICT(Verdict::new_generation, guard.admit(0, 9, 1));
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 9, 0));
}

TEST(ReplayGuard, resize_keeps_the_windows_of_remaining_links) {
  ReplayGuard guard(3, 2);
  CHECK_VERDICT(Verdict::admitted, guard.admit(0, 3, 5));
  CHECK_VERDICT(Verdict::admitted, guard.admit(1, 3, 5));
  guard.resize(3);
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 5));
  CHECK_VERDICT(Verdict::replayed, guard.admit(1, 3, 5));
  CHECK_VERDICT(Verdict::admitted, guard.admit(2, 3, 5));  // a new link starts empty
  guard.resize(1);
  CHECK_VERDICT(Verdict::replayed, guard.admit(0, 3, 5));
  CHECK_VERDICT(Verdict::replayed, guard.admit(1, 3, 6));  // gone
  LONGS_EQUAL(3, guard.generation());
}

// A seeded random run: a sender that restarts, links that drop and reorder,
// an attacker replaying recorded packets, a receiver that restarts with its
// generation persisted. Every verdict is checked against a plain model (sets,
// not bits), and the invariants after every step.

namespace {

struct Packet {
  uint64_t generation;
  uint64_t sequence;
};

// The contract of ReplayGuard, written with a set per link.
class Model {
 public:
  Model(uint64_t floor, size_t links) : generation_(floor), seen_(links), highest_(links, 0) {}

  Verdict admit(size_t link, uint64_t gen, uint64_t seq) {
    if (gen == 0 || gen < generation_) return Verdict::old_generation;
    if (seq == 0) return Verdict::replayed;
    if (gen > generation_) {
      generation_ = gen;
      for (auto& s : seen_) s.clear();
      for (auto& h : highest_) h = 0;
      seen_[link].insert(seq);
      highest_[link] = seq;
      return Verdict::new_generation;
    }
    if (seq + 64 <= highest_[link] || !seen_[link].insert(seq).second) return Verdict::replayed;
    if (seq > highest_[link]) highest_[link] = seq;
    return Verdict::admitted;
  }

 private:
  uint64_t generation_;
  std::vector<std::set<uint64_t>> seen_;
  std::vector<uint64_t> highest_;
};

uint64_t seed_from_env_or_random() {
  if (const char* s = std::getenv("TWINBEAT_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

}  // namespace

TEST(ReplayGuard, a_seeded_random_run_never_admits_a_packet_twice_or_below_the_floor) {
  const uint64_t seed = seed_from_env_or_random();
  std::fprintf(stderr, "\nReplayGuard random run: TWINBEAT_SEED=%llu\n",
               static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  auto chance = [&rng](int percent) { return static_cast<int>(rng() % 100) < percent; };
  const size_t kLinks = 3;

  uint64_t sender_gen = 1, sender_seq = 0;
  std::vector<Packet> sent;                          // what an attacker recorded
  std::vector<std::pair<size_t, Packet>> in_flight;  // delayed: reordered
  uint64_t floor = 0;
  auto guard = std::make_unique<ReplayGuard>(floor, kLinks);
  auto model = std::make_unique<Model>(floor, kLinks);
  std::set<std::tuple<size_t, uint64_t, uint64_t>> admitted;  // since the receiver's start
  size_t admissions = 0;

  auto deliver = [&](size_t link, Packet p) {
    const uint64_t before = guard->generation();
    const Verdict v = guard->admit(link, p.generation, p.sequence);
    CHECK_VERDICT(model->admit(link, p.generation, p.sequence), v);
    const bool in = v == Verdict::admitted || v == Verdict::new_generation;
    if (in) {
      ++admissions;
      CHECK_TEXT(admitted.insert({link, p.generation, p.sequence}).second, "admitted twice");
      CHECK_TEXT(p.generation >= floor && p.generation >= before, "admitted below the floor");
    }
    CHECK_TEXT(guard->generation() >= before, "generation went back");
    CHECK((v == Verdict::new_generation) == (guard->generation() > before));
  };

  for (int step = 0; step < 50'000; ++step) {
    const int what = static_cast<int>(rng() % 100);
    if (what < 60) {    // the sender sends one packet on every link
      if (chance(1)) {  // the sender restarts, sometimes twice unheard
        sender_gen += 1 + rng() % 2;
        sender_seq = 0;
      }
      const Packet p{sender_gen, ++sender_seq};
      sent.push_back(p);
      for (size_t link = 0; link < kLinks; ++link) {
        if (chance(10)) continue;  // lost
        if (chance(10))
          in_flight.push_back({link, p});
        else
          deliver(link, p);
      }
    } else if (what < 75 && !in_flight.empty()) {  // a late packet arrives
      const size_t i = rng() % in_flight.size();
      deliver(in_flight[i].first, in_flight[i].second);
      in_flight.erase(in_flight.begin() + static_cast<long>(i));
    } else if (what < 98 && !sent.empty()) {  // an attacker replays a recorded packet
      const size_t back = rng() % std::min<size_t>(sent.size(), chance(50) ? 80 : sent.size());
      deliver(rng() % kLinks, sent[sent.size() - 1 - back]);
    } else if (what < 99) {  // the receiver restarts with its generation persisted
      floor = guard->generation();
      guard = std::make_unique<ReplayGuard>(floor, kLinks);
      model = std::make_unique<Model>(floor, kLinks);
      admitted.clear();
    }
  }
  CHECK_TEXT(admissions > 10'000, "the run admitted almost nothing");
}
