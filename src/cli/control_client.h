// Talks to a running twinbeatd over its control socket: one request, one reply.
#pragma once

#include <string>

#include "twinbeat/result.h"
#include "twinbeat/time.h"

namespace twinbeat::cli {

// Sends `request` (one line) to the socket at `path` and returns the whole
// reply. Fails if the daemon is not there or does not answer within `timeout`.
Result<std::string> control_request(const std::string& path, const std::string& request,
                                    Millis timeout);

}  // namespace twinbeat::cli
