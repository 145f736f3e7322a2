// Daemon: the imperative shell around the membership core. It owns every fd
// (links, netlink, timers, signals, control socket, executor) and the one
// epoll loop; it turns datagrams into core events and core events into logs,
// sends, and (in later stages) resource actions.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control.h"
#include "executor_client.h"
#include "fence_runner.h"
#include "heartbeat_cover.h"
#include "health_check.h"
#include "loop.h"
#include "ping_nodes.h"
#include "resource_runner.h"
#include "status.h"
#include "twinbeat/config/load.h"
#include "twinbeat/config/fencing.h"
#include "twinbeat/core/fence_gate.h"
#include "twinbeat/core/membership.h"
#include "twinbeat/core/ownership.h"
#include "twinbeat/net/interfaces.h"
#include "twinbeat/net/links.h"
#include "twinbeat/net/vip.h"
#include "twinbeat/resources/agents.h"
#include "twinbeat/wire/keyring.h"
#include "twinbeat/wire/packet.h"
#include "twinbeat/wire/replay_window.h"

namespace twinbeat::daemon {

struct Options {
  std::string confdir = "/etc/ha.d";
  std::string node;  // empty: uname -n
  std::string state_dir = "/var/lib/twinbeat";
  std::string run_dir = "/run/twinbeat";
  bool foreground = false;
  bool debug = false;
};

struct Configuration;

class Daemon {
 public:
  // Opens everything the daemon needs while it still holds full privileges:
  // state files (generation), the executor, links, netlink, control socket.
  static Result<std::unique_ptr<Daemon>> create(const Options& options, config::ConfigSet config,
                                                resources::GroupAgents agents,
                                                std::vector<config::FenceDevice> fence_devices);
  ~Daemon();

  // Runs the loop until SIGTERM/SIGINT. Returns the exit code.
  int run();

 private:
  Daemon(const Options& options, config::ConfigSet config, resources::GroupAgents agents,
         std::vector<config::FenceDevice> fence_devices);
  Result<void> open_all();
  Result<void> open_resources();
  Result<void> open_fencing();
  Result<Timer> add_timer(std::function<void()> on_fire);
  Result<void> bump_generation();

  void send_heartbeat();
  void on_heartbeat_timer();
  void on_membership_timer();
  void on_datagram(size_t link, std::span<const uint8_t> datagram, Instant now);
  void drop(size_t link, wire::DropReason reason);
  void handle(const core::Events& events);
  void on_peer_message(const wire::Message& msg);
  void on_peer_dead(const core::PeerDead& dead);
  // Performs the machine's actions; results come back through settle().
  void dispatch(const core::Actions& actions);
  // Feeds finished operations back until nothing is left, then announces.
  void settle();
  // One finished operation to the machine that asked for it.
  void feed(const core::OpDone& done);
  void log_change(const core::GroupChange& c);
  // Ping nodes (uplink.cc): opening them, their held reach handed to the
  // ownership machine, the words logs use, and reload.
  Result<void> open_ping_nodes();
  void on_reach(core::Reach reach);
  std::string uplink_text() const;
  Result<std::unique_ptr<PingNodes>> prepare_ping_nodes(const config::HaCf& cf);
  void commit_ping_nodes(std::unique_ptr<PingNodes> fresh);
  void finish_shutdown();
  void arm_vip_timer();
  void apply_fence(const core::FenceActions& actions);
  void renew_leases();
  core::FenceConfig fence_config(const config::HaCf& cf) const;
  RunnerConfig runner_config(const config::HaCf& cf) const;
  core::OwnershipConfig ownership_config(const config::HaCf& cf,
                                         const config::HaResources& res) const;
  // Monitoring (monitor.cc).
  std::optional<Millis> monitor_interval(size_t group, size_t resource) const;
  void schedule_monitors();
  void on_monitor_timer();
  void on_monitor_done(const core::OpDone& done);
  void arm_fence_timer();
  std::vector<std::string> script_env() const;
  void arm_membership_timer();
  void on_signal();
  void on_executor();
  std::string on_control(const std::string& request);
  std::string groups_view() const;
  std::string clstatus_view() const;
  std::string move_groups(const std::string& verb, const std::string& which);
  std::string cleanup(const std::string& which);
  std::string reload();
  std::string metrics() const;
  void write_metrics_file();
  std::string apply_reload(Configuration next, wire::Keyring keyring, std::string& errors);
  void swap_links(net::LinkSet fresh);
  void retire_leaving_groups();
  void apply_pending_groups();
  Status status() const;
  std::string peer_generation_file() const;

  struct LinkStats {
    uint64_t packets_in = 0;
    uint64_t own = 0;
    std::array<uint64_t, 16> drops{};  // by DropReason
    std::array<uint64_t, 16> drops_logged{};
    Instant next_drop_log{};
  };

  Options options_;
  config::ConfigSet config_;
  MonotonicClock clock_;
  Instant started_;

  uint64_t generation_ = 0;
  uint64_t sequence_ = 0;

  std::optional<Loop> loop_;
  std::optional<Timer> heartbeat_timer_;
  std::optional<Timer> membership_timer_;
  std::optional<SignalReader> signals_;
  std::optional<wire::Keyring> keyring_;
  std::optional<net::InterfaceWatcher> interfaces_;
  std::optional<net::LinkSet> links_;
  std::optional<ExecutorClient> executor_;
  std::unique_ptr<ControlServer> control_;
  std::optional<wire::ReplayGuard> replay_;
  std::optional<core::Membership> membership_;
  std::vector<LinkStats> link_stats_;

  resources::GroupAgents agents_;
  std::vector<config::FenceDevice> fence_devices_;
  std::unique_ptr<FenceRunner> fence_;  // after executor_: destroyed first
  std::optional<core::FenceGate> gate_;
  std::optional<Timer> fence_timer_;
  std::optional<Timer> lease_timer_;
  std::optional<Timer> check_timer_;
  std::optional<Millis> lease_;
  uint64_t fence_shots_ok_ = 0;
  uint64_t fence_shots_failed_ = 0;
  std::optional<Timer> metrics_timer_;
  Instant next_metrics_complaint_{};
  std::optional<net::VipManager> vips_;
  std::optional<Timer> vip_timer_;
  std::optional<HealthChecker> checker_;
  std::unique_ptr<ResourceRunner> runner_;  // after executor_ and checker_: destroyed first
  std::optional<Timer> monitor_timer_;
  struct MonitorSlot {
    std::optional<Instant> due;  // next check, while the group is monitorable
    bool in_flight = false;
  };
  std::vector<std::vector<MonitorSlot>> monitors_;  // [group][resource]; empty: rebuild
  std::optional<core::Ownership> ownership_;
  uint64_t resources_digest_ = 0;
  std::vector<uint64_t> group_ids_;
  bool announce_ = false;
  bool stopping_ = false;
  // The peer's latest advertisement, and the packet it came in.
  uint64_t peer_ad_generation_ = 0;
  uint64_t peer_ad_sequence_ = 0;
  core::PeerAd peer_ad_;
  bool peer_ad_seen_ = false;
  uint64_t peer_digest_ = 0;
  // Per group: the peer advertised it held while alive, and
  // has not seen it held here since: its VIPs come as a handover (no probe).
  std::vector<bool> peer_held_;
  // Reload: which old link each link continues (for membership), and a new
  // haresources waiting for leaving groups to be released.
  std::vector<std::optional<size_t>> link_carried_;
  struct PendingGroups {
    config::HaResources haresources;
    resources::GroupAgents agents;
  };
  std::optional<PendingGroups> pending_groups_;

  std::unique_ptr<PingNodes> ping_nodes_;  // after loop_: its fds leave the loop first

  Instant next_send_{};
  Instant next_late_log_{};
  Millis send_late_max_{0};  // the most a heartbeat went out behind schedule (metrics)
  // The last lease renewal round: when it started and the lease it gave (0:
  // none yet), so every VIP renewed then is sure to be there until at+lease.
  Instant lease_round_at_{};
  Millis lease_round_{0};
  uint64_t cover_beats_ = 0;  // heartbeats the cover sent (metrics)
  Millis renewal_wait_max_{0};  // the longest lease renewal round (metrics)
  int exit_code_ = 0;
  // Last: its thread runs send_heartbeat(), so it stops before anything else goes.
  std::unique_ptr<HeartbeatCover> cover_;
};

}  // namespace twinbeat::daemon
