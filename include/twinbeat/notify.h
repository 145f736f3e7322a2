// systemd's readiness protocol (sd_notify(3)), without libsystemd: one
// datagram to $NOTIFY_SOCKET. Does nothing when not started by systemd.
#pragma once

namespace twinbeat {

// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...").
// Returns false only if $NOTIFY_SOCKET is set and the send failed.
bool notify_service_manager(const char* state);

}  // namespace twinbeat
