// ResourceRunner's VIP starts: the probe for the address on its link before
// it is added (ha.cf vip_probe), and what an answer means.
#include "resource_runner.h"

#include <utility>

#include "twinbeat/log.h"

namespace twinbeat::daemon {

const ResourceRunner::VipConflict* ResourceRunner::vip_conflict(const std::string& address) const {
  auto it = vip_conflicts_by_address_.find(address);
  return it == vip_conflicts_by_address_.end() ? nullptr : &it->second;
}

void ResourceRunner::start_vip(const core::RunOp& op, const net::Vip& vip) {
  const resources::Agent& a = agents_[op.group][op.resource];
  const Instant now = clock_.now();
  if (vip_probe_skipped_ && vip_probe_skipped_(op.group)) {
    log(Level::debug, "%s: handed over by the peer: not probed", a.text.c_str());
    return add_vip(op, vip);
  }
  auto probing = vips_.probe(vip, now);
  if (!probing) {
    // Not knowing is not a conflict: a probe that cannot be sent must not
    // stop a takeover.
    log(Level::error, "%s: %s; adding it without a probe", a.text.c_str(),
        probing.error().message.c_str());
    return add_vip(op, vip);
  }
  if (!*probing) return add_vip(op, vip);  // probing off, or a link without ARP/ND
  // Probed already, side by side with an earlier VIP of the group.
  if (auto v = vips_.take_probe(vip, now)) return probed(op, vip, *v);
  pending_starts_.push_back(PendingStart{op, vip, epoch_});
  prefetch_probes(op);
}

// The VIPs that follow in the group start one after the other as soon as
// this one is added: probing them now, side by side, makes the whole run
// cost one probe wait instead of one per VIP (128 VIPs in one group).
void ResourceRunner::prefetch_probes(const core::RunOp& op) {
  const auto& group = agents_[op.group];
  const Instant now = clock_.now();
  for (size_t r = op.resource + 1; r < group.size(); ++r) {
    if (group[r].kind != resources::AgentKind::vip) break;
    auto vip = vips_.resolve(*group[r].vip);
    if (!vip || !vips_.probe(*vip, now)) continue;  // its own start says why
  }
}

void ResourceRunner::on_vip_timer(Instant now) {
  vips_.on_timer(now);
  std::vector<PendingStart> waiting = std::exchange(pending_starts_, {});
  for (PendingStart& p : waiting) {
    if (p.epoch != epoch_) continue;  // groups renumbered by a reload
    if (auto v = vips_.take_probe(p.vip, now)) {
      probed(p.op, p.vip, *v);
      continue;
    }
    // Still running (this goes on with it), or lost: probe afresh.
    auto again = vips_.probe(p.vip, now);
    if (again && *again) {
      pending_starts_.push_back(std::move(p));
      continue;
    }
    if (!again)
      log(Level::error, "%s: %s; adding it without a probe",
          agents_[p.op.group][p.op.resource].text.c_str(), again.error().message.c_str());
    add_vip(p.op, p.vip);
  }
}

void ResourceRunner::probed(const core::RunOp& op, const net::Vip& vip, const net::ProbeVerdict& v) {
  const resources::Agent& a = agents_[op.group][op.resource];
  const char* addr = vip.spec.text.c_str();
  const char* ifname = vip.interface.c_str();
  ++vip_probes_;
  if (!v.answered) {
    vip_conflicts_by_address_.erase(vip.spec.text);
    return add_vip(op, vip);
  }
  ++vip_conflicts_;
  // A host that only probes does not hold it yet, and may be our peer in
  // a split: neither side adds it (RFC 5227 2.1.1). A holder that answers
  // is the silent peer's own copy only where nothing made it go: then
  // Heartbeat's behaviour (vip_lease off, no STONITH) is to add it anyway.
  const bool tolerated = !v.probing && vip_in_use_tolerated_ && vip_in_use_tolerated_(op.group);
  vip_conflicts_by_address_[vip.spec.text] = VipConflict{v.mac, v.probing, tolerated, clock_.now()};
  if (tolerated) {
    log(Level::warn, "%s: %s still answers on %s from %s, where the silent peer held it: adding it "
        "anyway (no STONITH device and vip_lease off); it is on both nodes until the peer lets go",
        a.text.c_str(), addr, ifname, v.mac.c_str());
    return add_vip(op, vip);
  }
  if (v.probing)
    log(Level::crit, "%s: another host (%s) probes for %s on %s at the same time: not adding it",
        a.text.c_str(), v.mac.c_str(), addr, ifname);
  else
    log(Level::crit, "%s: %s is in use on %s by %s (it answered our %s probe): not adding it",
        a.text.c_str(), addr, ifname, v.mac.c_str(),
        vip.spec.family == AF_INET ? "ARP" : "duplicate address detection");
  finish(op, false, false,
         std::string(v.probing ? "probed for by " : "in use by ") + v.mac + ": not added");
}

void ResourceRunner::add_vip(const core::RunOp& op, const net::Vip& vip) {
  const resources::Agent& a = agents_[op.group][op.resource];
  auto r = vips_.add(vip, clock_.now());
  if (!r)
    log(Level::error, "%s: %s", a.text.c_str(), r.error().message.c_str());
  else
    log(Level::info, "%s: added %s/%d on %s", a.name.c_str(), vip.spec.text.c_str(), vip.prefix,
        vip.interface.c_str());
  if (r) added_[op.group][op.resource] = vip;
  finish(op, r.ok(), r.ok(), r ? "ok" : r.error().message);
}

}  // namespace twinbeat::daemon
