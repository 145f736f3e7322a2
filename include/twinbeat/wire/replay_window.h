// Replay protection for packets from the peer, across restarts of both nodes.
//
// Every packet carries the sender's generation (bumped and persisted at each
// start of the sender) and a sequence number (from 1 within a generation).
// The receiver persists the newest generation it has seen from its peer, so
// after either node restarts, a recorded packet of an older generation is
// still refused. Within a generation each link keeps a 64-packet sliding
// window, so a packet is admitted once per link (the same packet arrives on
// every link) and moderate reordering on a link is tolerated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace twinbeat::wire {

class ReplayGuard {
 public:
  enum class Verdict {
    admitted,        // new on this link, current generation
    new_generation,  // admitted, and the sender has restarted: persist generation()
    replayed,        // seen before on this link, or older than the window
    old_generation,  // from a generation older than generation()
  };

  // `persisted_generation`: the newest generation seen from the peer before
  // this start (0 if none). Packets of that generation are admitted; older
  // ones are not. With 0, nothing is known: the first packet of any
  // generation is `new_generation`, so the caller persists it. Sequences are
  // not persisted: windows start empty, so a recorded packet of the persisted
  // generation can still be admitted, once per link, until newer ones pass it.
  ReplayGuard(uint64_t persisted_generation, size_t links);

  // Judges one authentic packet that arrived on `link` and records it.
  // Generation 0 (never sent) is `old_generation`; sequence 0 (never sent)
  // and a `link` outside [0, links) are `replayed`, and change nothing.
  Verdict admit(size_t link, uint64_t generation, uint64_t sequence);

  // The newest generation admitted (or persisted).
  uint64_t generation() const { return generation_; }

  // Reconfigures the number of links, keeping the generation; windows of
  // links that remain are kept, new ones start empty.
  void resize(size_t links);

 private:
  struct Window {
    uint64_t highest = 0;  // 0: nothing seen in this generation
    uint64_t seen = 0;     // bit i: highest - i was seen
  };

  uint64_t generation_;
  std::vector<Window> windows_;
};

}  // namespace twinbeat::wire
