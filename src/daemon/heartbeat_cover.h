// HeartbeatCover: heartbeats that keep going while the loop is parked in a
// call that waits in the kernel, so that the peer does not take a busy node
// for a dead one.
//
// Why: a VIP lease renewal is an RTM_NEWADDR, and every rtnetlink change
// waits for the kernel's one RTNL lock, which any process on the host may
// hold for a long time (deleting a bridge of 400 ports holds it for 0.3 to
// 1 s here, and under saturated cores whoever holds it also waits for a CPU:
// a mutex gives no priority to a realtime waiter). The loop cannot avoid
// that wait (the request is carried out inside sendmsg), and a second thread
// doing the renewal would race the loop's own VIP removals.
//
// The loop stays the only one to decide and to touch its state: between
// begin() and end() it is parked in such a call, and the cover's thread runs
// `beat` (the loop's own heartbeat send) at the keepalive schedule, until
// end() or a deadline the loop chose (while what the heartbeats say is sure
// to hold). A call that returns within a keepalive sends nothing from here.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "twinbeat/result.h"
#include "twinbeat/time.h"

namespace twinbeat::daemon {

class HeartbeatCover {
 public:
  // Starts the thread at the calling thread's scheduling policy and priority
  // (realtime when the daemon is). `beat` sends one heartbeat; it runs on
  // the cover's thread, and only between begin() and end().
  static Result<std::unique_ptr<HeartbeatCover>> start(std::function<void()> beat);
  ~HeartbeatCover();  // stops and joins the thread
  HeartbeatCover(const HeartbeatCover&) = delete;
  HeartbeatCover& operator=(const HeartbeatCover&) = delete;

  // The caller is about to park in a call that touches nothing `beat` reads
  // or writes. From `first` on, one beat every `keepalive`; none at or after
  // `until`.
  void begin(Instant first, Millis keepalive, Instant until);
  // Back from the call: no beat runs once this has returned. Returns how
  // many ran since begin().
  unsigned end();

 private:
  explicit HeartbeatCover(std::function<void()> beat) : beat_(std::move(beat)) {}
  void run();

  std::function<void()> beat_;
  std::mutex mu_;  // held by the thread while `beat` runs
  std::condition_variable wake_;
  bool armed_ = false;
  bool quit_ = false;
  Instant next_{};
  Millis keepalive_{0};
  Instant until_{};
  unsigned beats_ = 0;
  std::thread thread_;  // last: started once the rest is set up
};

}  // namespace twinbeat::daemon
