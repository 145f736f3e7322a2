#!/usr/bin/env bash
# What `make check` runs once the daemon and the test tools are built:
#   1. the CppUTest unit tests            (each CppUTest test counts as one)
#   2. the same unit tests under ASan+UBSan (each counts again)
#   3. every libFuzzer target, for FUZZ_SECONDS each (one test each)
#   4. every e2e scenario tests/e2e/[0-9]*.sh, under timeout (one test each),
#      and tests/demo.sh (make demo), so that it cannot rot
# One line per stage or test as it goes; the last line is "N passed, N failed".
# Exit status 1 if anything failed.
#
# Environment: FUZZ_SECONDS (default 20), E2E_TIMEOUT seconds per scenario
# (default 180), E2E_ONLY (a glob such as "0[1-4]*" to run some scenarios),
# CHECK_SKIP (words among unit san fuzz e2e, to leave stages out).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=$ROOT/build/check
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
E2E_TIMEOUT=${E2E_TIMEOUT:-180}
JOBS=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
rm -rf "$OUT"
mkdir -p "$OUT"

now_ms() { date +%s%3N; }
seconds_since() { awk -v d=$(($(now_ms) - $1)) 'BEGIN { printf "%.1f", d / 1000 }'; }

# result NAME PASS|FAIL START_MS [DETAIL]
result() {
  printf '%-4s %-44s %7ss  %s\n' "$2" "$1" "$(seconds_since "$3")" "${4:-}"
}

skipped() { [[ " ${CHECK_SKIP:-} " == *" $1 "* ]]; }

# indent FILE [LINES]: the tail of FILE, indented, for a failure.
indent() { tail -n "${2:-40}" "$1" | sed 's/^/    | /'; }

# run_unit NAME BINARY LOG: runs a CppUTest binary and adds its counts.
# CppUTest ends with "OK (N tests, R ran, ...)" or
# "Errors (F failures, N tests, R ran, ...)".
run_unit() {
  local name=$1 bin=$2 log=$3 t0 rc=0 summary ran fails
  t0=$(now_ms)
  "$bin" >"$log" 2>&1 || rc=$?
  summary=$(grep -E '^(OK|Errors) \(' "$log" | tail -n 1)
  ran=$(sed -n 's/.* \([0-9][0-9]*\) ran,.*/\1/p' <<<"$summary")
  fails=$(sed -n 's/^Errors (\([0-9][0-9]*\) failures*,.*/\1/p' <<<"$summary")
  fails=${fails:-0}
  if [[ -z $ran ]]; then
    # No summary: the binary crashed (a sanitizer report, a signal).
    result "$name" FAIL "$t0" "no CppUTest summary (exit $rc)"
    indent "$log" 40
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + ran - fails))
  failed=$((failed + fails))
  if ((fails == 0 && rc == 0)); then
    result "$name" PASS "$t0" "$ran tests"
  else
    if ((fails == 0)); then  # all passed, but the exit status says otherwise (a sanitizer at exit)
      failed=$((failed + 1))
      fails="exit $rc"
    fi
    result "$name" FAIL "$t0" "$ran tests, $fails failed"
    grep -B2 -A6 -E '^(/|[^ ]*\.cc:[0-9]+: error:)|Failure in TEST|ERROR: (Address|Undefined|Leak)Sanitizer|runtime error:' "$log" |
      head -n 80 | sed 's/^/    | /'
    indent "$log" 5
  fi
}

# build NAME LOG MAKE-ARGS...: a make run that must succeed.
build() {
  local name=$1 log=$2 t0
  shift 2
  t0=$(now_ms)
  if make --no-print-directory -j"$JOBS" "$@" >"$log" 2>&1; then
    echo "     $name: $(seconds_since "$t0") s"
    return 0
  fi
  result "$name" FAIL "$t0" "build failed: make $*"
  grep -E ': (fatal )?error:|undefined reference|\*\*\* ' "$log" | head -n 30 | sed 's/^/    | /'
  failed=$((failed + 1))
  return 1
}

stage_unit() {
  echo "== unit tests"
  build "unit tests (build)" "$OUT/unit-build.log" unit-tests || return 0
  run_unit "unit tests" build/bin/unit_tests "$OUT/unit.log"
}

stage_san() {
  echo "== unit tests under AddressSanitizer + UBSan"
  build "sanitized unit tests (build)" "$OUT/san-build.log" SAN=1 BUILD=build/san build/san/bin/unit_tests || return 0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    run_unit "sanitized unit tests" build/san/bin/unit_tests "$OUT/san.log"
}

stage_fuzz() {
  local f name scratch corpus t0 rc log
  echo "== fuzzers, $FUZZ_SECONDS s each"
  build "fuzzers (build)" "$OUT/fuzz-build.log" FUZZ=1 CXX=clang++ BUILD=build/fuzz fuzzers || return 0
  local targets=(build/fuzz/fuzz/*_fuzz)
  if [[ ! -e ${targets[0]} ]]; then
    echo "     (no fuzz targets in tests/fuzz yet)"
    return 0
  fi
  for f in "${targets[@]}"; do
    name=$(basename "$f")
    corpus=tests/fuzz/corpus/${name%_fuzz}
    # New inputs go to a scratch corpus (the first directory); the seed
    # corpus in the repository is only read.
    scratch=$OUT/fuzz/$name
    mkdir -p "$scratch/corpus" "$scratch/artifacts"
    log=$OUT/fuzz/$name.log
    local corpora=("$scratch/corpus")
    [[ -d $corpus ]] && corpora+=("$corpus")
    t0=$(now_ms)
    rc=0
    # libFuzzer stops itself after -max_total_time; timeout(1) is the
    # backstop for a hang in start-up or in the last input (+ 60 s).
    timeout -k 5 $((FUZZ_SECONDS + 60)) "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$scratch/artifacts/" \
      "${corpora[@]}" >"$log" 2>&1 || rc=$?
    if ((rc == 0)); then
      result "fuzz $name" PASS "$t0" "$(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs"
      passed=$((passed + 1))
    else
      result "fuzz $name" FAIL "$t0" "exit $rc; crashing inputs in $scratch/artifacts"
      grep -A25 -E '^==[0-9]+==|ERROR: libFuzzer|runtime error' "$log" | head -n 40 | sed 's/^/    | /'
      failed=$((failed + 1))
    fi
  done
}

# run_scenario SCRIPT: one e2e scenario (or the demo) under its timeout; it
# passes if it exits 0 and printed "PASS <name>".
run_scenario() {
  local s=$1 name log t0 rc work n f
  name=$(basename "$s" .sh)
  log=$OUT/e2e/$name.log
  mkdir -p "$OUT/e2e"
  t0=$(now_ms)
  rc=0
  timeout -k 10 "$E2E_TIMEOUT" bash "$s" >"$log" 2>&1 </dev/null || rc=$?
  if ((rc == 0)) && grep -q "^PASS $name" "$log"; then
    result "e2e $name" PASS "$t0"
    passed=$((passed + 1))
    return
  fi
  failed=$((failed + 1))
  if ((rc == 124 || rc == 137)); then
    result "e2e $name" FAIL "$t0" "timed out after ${E2E_TIMEOUT} s"
  else
    result "e2e $name" FAIL "$t0" "exit $rc"
  fi
  indent "$log" 70
  # After a timeout the scenario could not print its nodes' logs: do it here.
  if ((rc == 124 || rc == 137)); then
    work=$(sed -n 's/^== .*work dir \(.*\))$/\1/p' "$log" | head -n 1)
    for n in a b; do
      f=$work/$n/node.log
      [[ -n $work && -s $f ]] || continue
      echo "    ---- tail of $f"
      indent "$f" 25
    done
  fi
}

stage_e2e() {
  local s
  echo "== e2e scenarios (network namespaces), ${E2E_TIMEOUT} s limit each"
  # shellcheck disable=SC2231 # E2E_ONLY is a glob on purpose
  for s in tests/e2e/${E2E_ONLY:-[0-9]}*.sh; do
    [[ -e $s ]] && run_scenario "$s"
  done
  # make demo too, so that it cannot rot.
  [[ -n ${E2E_ONLY:-} ]] || run_scenario tests/demo.sh
}

t_all=$(now_ms)
skipped unit || stage_unit
skipped san || stage_san
skipped fuzz || stage_fuzz
skipped e2e || stage_e2e
echo "== all stages took $(seconds_since "$t_all") s; logs in ${OUT#"$ROOT"/}/"
echo "$passed passed, $failed failed"
((failed == 0))
