#!/usr/bin/env bash
# No false failovers under stress, for 60 s: `make soak` (tests/bench/soak.sh)
# in its short form. Both cores saturated by stress-ng in the nodes'
# namespaces, 20 % of the cluster packets dropped at random at each node's
# input (nftables numgen), twinbeat at keepalive 25 ms / deadtime 250 ms
# (realtime on) behind haproxy, a client probing the VIP, keepalived beside
# it when installed. Asserts, for twinbeat: no "is dead" on either node, no
# VIP move, alpha still the holder. keepalived's figures are printed only.
#
# Deadtime is 10 keepalives: a gap reaches it after 9 heartbeats lost in a
# row (0.2^9 = 5e-7 per heartbeat, and then the last one still wins about
# half the time), over 2 x 2400 heartbeats a minute: about once in 1000
# runs. That is the timers' arithmetic, as in 09-packet-loss.sh.
set -euo pipefail
SOAK_SECONDS=${SOAK_SECONDS:-60}
SOAK_PREFIX=tb70s
SOAK_ASSERT=1
# shellcheck source=tests/bench/soak.sh
. "$(dirname "$0")/../bench/soak.sh"
