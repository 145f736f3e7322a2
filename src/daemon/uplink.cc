// The daemon's glue to its ping nodes: opening them, the reach they settle
// on handed to the ownership machine, and a reload that keeps what they know.
#include "daemon.h"

#include <cinttypes>

#include "twinbeat/log.h"

namespace twinbeat::daemon {

Result<void> Daemon::open_ping_nodes() {
  auto fresh = prepare_ping_nodes(config_.ha_cf);
  if (!fresh) return fresh.error();
  ping_nodes_ = std::move(*fresh);
  if (!ping_nodes_->empty())
    log(Level::info, "%zu ping node(s), deadping %" PRId64 " ms, %s",
        config_.ha_cf.ping_nodes.size(), to_ms(config::effective_deadping(config_.ha_cf)),
        ping_nodes_->status(clock_.now()).sockets.c_str());
  return {};
}

Result<std::unique_ptr<PingNodes>> Daemon::prepare_ping_nodes(const config::HaCf& cf) {
  return PingNodes::open(
      cf, config_.peer, *loop_, clock_, [this](core::Reach reach) { on_reach(reach); },
      [this] {
        announce_ = true;  // the peer compares with our score: tell it now
        settle();
      });
}

// Swaps in ping nodes opened by prepare_ping_nodes (reload): what the old
// ones knew of the addresses kept, and the reach, carry over.
void Daemon::commit_ping_nodes(std::unique_ptr<PingNodes> fresh) {
  std::unique_ptr<PingNodes> old = std::move(ping_nodes_);
  ping_nodes_ = std::move(fresh);
  ping_nodes_->carry_from(*old);
}

void Daemon::on_reach(core::Reach reach) {
  if (!ownership_) return;
  dispatch(ownership_->set_reach(reach));
  settle();
}

std::string Daemon::uplink_text() const {
  return ping_nodes_ ? ping_nodes_->summary(config_.node) : "no ping nodes";
}

}  // namespace twinbeat::daemon
