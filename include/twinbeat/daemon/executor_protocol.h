// The requests the daemon sends to its executor: the small root process that
// does what the network-facing daemon must not do itself (durable writes now;
// resource scripts and fence agents later). It reads no network input.
//
// Transport: a SOCK_SEQPACKET socketpair, fd 3 in the executor. One request
// per message, one reply per request, in order. Text, space separated:
//
//   request:  "<id> persist <name> <content>"  replace state-dir/<name>
//   reply:    "<id> ok" | "<id> error <message>"
//
// The executor exits when the daemon's end closes (the daemon died or stopped).
#pragma once

#include <cstddef>

namespace twinbeat::daemon {

inline constexpr int kExecutorFd = 3;
inline constexpr size_t kExecutorMaxMessage = 4096;

}  // namespace twinbeat::daemon
