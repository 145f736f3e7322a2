// Process-wide setup of the daemon: privileges, realtime, memory locking,
// detaching from the terminal, the pid file.
#pragma once

#include <string>

#include "twinbeat/result.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::daemon {

// Keeps only what the network-facing process needs: CAP_NET_ADMIN (VIPs),
// CAP_NET_RAW (ARP/NA), CAP_NET_BIND_SERVICE (links on port 694 after a
// reload), CAP_SYS_NICE and CAP_IPC_LOCK (realtime, locked memory). Empties
// the bounding set and sets no_new_privs, so nothing regains the rest.
Result<void> drop_capabilities();

// SCHED_RR at `priority`, with SCHED_RESET_ON_FORK so no child runs realtime.
Result<void> go_realtime(int priority);

// Locks every page the daemon touches, now and later, as it is touched
// (MCL_ONFAULT): the heartbeat path cannot page-fault to disk, and the
// daemon does not pin the untouched parts of its libraries.
Result<void> lock_memory();

// Detaches from the terminal. Returns in the child; the parent stays until
// the child calls ready() (exit 0) or exits (its exit code is passed on).
class Detach {
 public:
  static Result<Detach> start();
  // Tells the waiting parent that start-up succeeded.
  void ready();

 private:
  UniqueFd notify_;
};

// Holds an exclusive lock on the pid file and writes our pid into it.
// Fails with "already running (pid N)" if another daemon holds it.
Result<UniqueFd> lock_pid_file(const std::string& path);

}  // namespace twinbeat::daemon
