# shellcheck shell=bash
# Measuring helpers shared by the benches (idle.sh, soak.sh): CPU time and
# peak memory of given processes, and how busy the whole machine was.

# cpu_ns PID...: nanoseconds on CPU of every thread of each (0 for one
# that is gone). schedstat is exact; utime/stime are sampled per tick.
cpu_ns() {
  local p t total=0 ns
  for p in "$@"; do
    for t in /proc/"$p"/task/*/schedstat; do
      read -r ns _ <"$t" 2>/dev/null || continue
      total=$((total + ns))
    done
  done
  echo "$total"
}

# hwm_kib PID...: VmHWM summed.
hwm_kib() {
  local p total=0 v
  for p in "$@"; do
    v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status" 2>/dev/null) || continue
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# machine_ticks: "BUSY TOTAL" clock ticks of all CPUs since boot (/proc/stat;
# idle and iowait are not busy, guest time is already in user).
machine_ticks() {
  awk '$1 == "cpu" { total = 0; for (i = 2; i <= 9; i++) total += $i; print total - $5 - $6, total; exit }' /proc/stat
}

# busy_percent "BUSY0 TOTAL0" "BUSY1 TOTAL1": how busy the machine was
# between two machine_ticks, in % of all its CPUs.
busy_percent() {
  local b0 t0 b1 t1
  read -r b0 t0 <<<"$1"
  read -r b1 t1 <<<"$2"
  awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", (t > 0 ? b * 100 / t : 0) }'
}
