#!/usr/bin/env bash
# What `make bench` runs (after `make all tools` and tests/deps.sh bench):
# detection time after a SIGKILL, the idle cost beside keepalived, failover
# behind haproxy beside keepalived (link down, kill, graceful), and the
# takeover of 1 to 128 VIPs beside keepalived, and failover with real fencing
# (the fencing lab) and with the VIP lease alone.
# Exit status 1 if a twinbeat target was missed.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
status=0
for b in detection idle failover scale fencing; do
  echo "=== bench: $b"
  t0=$(date +%s)
  # Each bench cleans up after itself; the bounds are their own (10 runs of
  # a few seconds; 60 s of idling; 45 failovers of ~5 s; 30 takeovers of a
  # few seconds): 15 minutes only catches a hang.
  timeout -k 10 900 bash "./$b.sh" </dev/null || {
    rc=$?
    echo "=== bench: $b: missed its target or failed (exit $rc)"
    status=1
  }
  echo "=== bench: $b took $(($(date +%s) - t0)) s"
  echo
done
exit "$status"
