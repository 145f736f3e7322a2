// FenceRunner: shoots the peer through its fence devices (standard fence
// agents, run by the executor with their parameters on stdin), and checks
// the devices before they are needed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "executor_client.h"
#include "twinbeat/config/fencing.h"
#include "twinbeat/time.h"

namespace twinbeat::daemon {

struct DeviceHealth {
  bool checked = false;
  bool ok = false;
  std::string detail;  // why not, or "ok"
  Instant when{};
};

struct ShotRecord {
  bool done = false;
  bool ok = false;
  std::string device;  // the one that confirmed, or the last tried
  std::string detail;
  Instant started{};
  Millis duration{0};
};

class FenceRunner {
 public:
  FenceRunner(std::vector<config::FenceDevice> devices, ExecutorClient& executor,
              const Clock& clock);

  // Tries each device in order until one confirms the target is off: the
  // agent's `off` (or `reboot`) succeeds and, where the agent answers
  // `status`, the target reads off. Calls `done` once.
  void shoot(std::function<void(bool ok)> done);

  // Asks every device `monitor`, then `list`, which must name the target:
  // fence_xvm reports an unknown domain as OFF, so a mistyped port would
  // otherwise look like a successful fence. Results land in health().
  void check_devices();

  const std::vector<config::FenceDevice>& devices() const { return devices_; }
  const std::vector<DeviceHealth>& health() const { return health_; }
  const ShotRecord& last_shot() const { return last_; }
  bool shooting() const { return shooting_; }

 private:
  void try_device(size_t i, std::function<void(bool)> done);
  void verify_off(size_t i, std::function<void(bool)> done);
  void run_agent(const config::FenceDevice& d, const std::string& action,
                 ExecutorClient::OnResult on_result);

  std::vector<config::FenceDevice> devices_;
  ExecutorClient& executor_;
  const Clock& clock_;
  std::vector<DeviceHealth> health_;
  ShotRecord last_;
  bool shooting_ = false;
};

// The stdin a standard fence agent reads: "action=...\nport=...\nkey=value...".
std::string agent_stdin(const config::FenceDevice& d, const std::string& action);

}  // namespace twinbeat::daemon
