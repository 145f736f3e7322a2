# shellcheck shell=bash
# Measuring helpers shared by the benches: CPU time and
# peak memory of given processes, how busy the whole machine was, and the
# median of a bench row.

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

# stats VALUES...: "median min max" of the numbers among VALUES ("none" and
# other words count as missing); "- - -" when there is none.
stats() {
  printf '%s\n' "$@" | awk '$1 ~ /^[0-9.]+$/ { v[n++] = $1 }
    END {
      if (n == 0) { print "- - -"; exit }
      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      m = (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
      printf "%.0f %.0f %.0f\n", m, v[0], v[n - 1]
    }'
}
