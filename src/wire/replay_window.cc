// ReplayGuard: the generation floor and the per-link 64-packet sliding windows
// that admit each authentic packet at most once per link.
#include "twinbeat/wire/replay_window.h"

namespace twinbeat::wire {

namespace {

constexpr uint64_t kWindowSize = 64;

}  // namespace

ReplayGuard::ReplayGuard(uint64_t persisted_generation, size_t links)
    : generation_(persisted_generation), windows_(links) {}

ReplayGuard::Verdict ReplayGuard::admit(size_t link, uint64_t generation, uint64_t sequence) {
  if (link >= windows_.size()) return Verdict::replayed;
  // Generation 0 is never sent (a sender's first start is 1): below any floor.
  if (generation == 0 || generation < generation_) return Verdict::old_generation;
  if (sequence == 0) return Verdict::replayed;  // sequences start at 1
  if (generation > generation_) {
    generation_ = generation;
    for (Window& w : windows_) w = Window{};
    windows_[link] = Window{sequence, 1};
    return Verdict::new_generation;
  }

  Window& w = windows_[link];
  if (sequence > w.highest) {
    const uint64_t shift = sequence - w.highest;
    w.seen = shift >= kWindowSize ? 1 : (w.seen << shift) | 1;
    w.highest = sequence;
    return Verdict::admitted;
  }
  const uint64_t age = w.highest - sequence;
  if (age >= kWindowSize) return Verdict::replayed;
  const uint64_t bit = uint64_t{1} << age;
  if (w.seen & bit) return Verdict::replayed;
  w.seen |= bit;
  return Verdict::admitted;
}

void ReplayGuard::resize(size_t links) { windows_.resize(links); }

}  // namespace twinbeat::wire
