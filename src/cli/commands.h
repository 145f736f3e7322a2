// The CLI's commands that talk to a running daemon beyond status: moving
// groups (standby, takeover) and Heartbeat's cl_status.
#pragma once

#include <string>
#include <vector>

namespace twinbeat::cli {

// Exit codes shared by the commands (LSB where it has one).
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadArgs = 2;
inline constexpr int kExitNotRunning = 3;
inline constexpr int kExitPermission = 4;

// Says why the daemon could not be reached and returns the exit code: 4
// when the control socket refused this user (it is root-only), else 3.
int unreachable(const std::string& why, int err);

// twinbeat standby|takeover [all|local|foreign|failback] [--timeout S] [--force]
// Asks the daemon, then waits until every group has moved (or failed, or the
// timeout): prints each group, where it went and how long it took.
int move_command(const std::string& socket, const std::string& verb,
                 const std::vector<std::string>& args);

// cl_status SUBCOMMAND [args], with Heartbeat's output and exit codes:
// 0 ok, 1 "normal failure" (stopped, dead), 11 bad parameters, 12 timeout.
int cl_status(const std::string& socket, const std::vector<std::string>& args);

}  // namespace twinbeat::cli
