// FenceGate: shooting, backoff, the fence race and the lease wait.
#include "twinbeat/core/fence_gate.h"

#include <algorithm>

namespace twinbeat::core {

const char* to_string(FenceState s) {
  switch (s) {
    case FenceState::idle: return "idle";
    case FenceState::waiting: return "waiting";
    case FenceState::shooting: return "shooting";
    case FenceState::confirmed: return "confirmed";
    case FenceState::gave_up: return "gave up";
    case FenceState::never_seen: return "never seen (wait_for_all)";
  }
  return "?";
}

FenceGate::FenceGate(FenceConfig config) : config_(config) {}

FenceActions FenceGate::shoot_now() {
  state_ = FenceState::shooting;
  return {Shoot{++attempts_}};
}

FenceActions FenceGate::shoot_at(Instant when, Instant now) {
  if (when <= now) return shoot_now();
  state_ = FenceState::waiting;
  waiting_to_shoot_ = true;
  due_ = when;
  return {};
}

FenceActions FenceGate::on_peer_dead(Instant now, bool left, bool we_hold, bool never_heard,
                                     std::optional<Instant> last_heard) {
  if (state_ != FenceState::idle) return {};
  attempts_ = 0;
  if (left) {
    state_ = FenceState::confirmed;
    return {Confirmed{Confirmed::How::left}};
  }
  if (never_heard && config_.wait_for_all) {
    state_ = FenceState::never_seen;
    return {};
  }
  if (config_.devices) return shoot_at(we_hold ? now : now + config_.fence_delay, now);
  if (config_.lease && last_heard) {
    const Instant expired = *last_heard + *config_.lease + config_.lease_margin;
    if (expired > now) {
      state_ = FenceState::waiting;
      waiting_to_shoot_ = false;
      due_ = expired;
      return {};
    }
    state_ = FenceState::confirmed;
    return {Confirmed{Confirmed::How::lease_expired}};
  }
  state_ = FenceState::confirmed;
  return {Confirmed{Confirmed::How::unfenced}};
}

FenceActions FenceGate::on_peer_alive() {
  const bool busy = state_ == FenceState::waiting || state_ == FenceState::shooting;
  state_ = FenceState::idle;
  attempts_ = 0;
  if (busy) return {Cancelled{}};
  return {};
}

FenceActions FenceGate::on_peer_asks_fence() {
  if (!config_.devices || state_ == FenceState::shooting || state_ == FenceState::confirmed)
    return {};
  attempts_ = 0;
  return shoot_now();
}

FenceActions FenceGate::on_shot(bool ok, Instant now) {
  if (state_ != FenceState::shooting) return {};  // cancelled meanwhile
  if (ok) {
    state_ = FenceState::confirmed;
    return {Confirmed{Confirmed::How::fenced}};
  }
  if (attempts_ >= config_.max_attempts) {
    state_ = FenceState::gave_up;
    return {GaveUp{attempts_}};
  }
  Millis backoff = config_.first_backoff;
  for (int i = 1; i < attempts_ && backoff < config_.max_backoff; ++i) backoff *= 2;
  return shoot_at(now + std::min(backoff, config_.max_backoff), now);
}

FenceActions FenceGate::force() {
  // Only a peer that is silent: a live one is not taken over from.
  if (state_ == FenceState::idle || state_ == FenceState::confirmed) return {};
  state_ = FenceState::confirmed;
  return {Confirmed{Confirmed::How::forced}};
}

FenceActions FenceGate::on_tick(Instant now) {
  if (state_ != FenceState::waiting || now < due_) return {};
  if (waiting_to_shoot_) return shoot_now();
  state_ = FenceState::confirmed;
  return {Confirmed{Confirmed::How::lease_expired}};
}

std::optional<Instant> FenceGate::next_deadline() const {
  if (state_ == FenceState::waiting) return due_;
  return std::nullopt;
}

}  // namespace twinbeat::core
