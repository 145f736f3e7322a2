# shellcheck shell=bash
# Shared by the Pacemaker export scenarios (tests/e2e/8N-*.sh): twinbeat
# configurations written to a work directory, exported with `twinbeat
# export pacemaker`, and Pacemaker's own tools' answers read back.
#
# Files: /tmp/PFX.e2e/<config>/{conf/,out/} for each configuration.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PK_SECRET=3f0c5a0d2b7e4c1f9a8b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a

# pk_init PREFIX TOOLS...: lib.sh's tb_init, after checking the Pacemaker
# tools the scenario needs (tests/deps.sh test installs them).
pk_init() {
  local pfx=$1 t
  shift
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "FAIL $TB_SCENARIO: $t missing (tests/deps.sh test)" >&2; exit 1; }
  done
  tb_init "$pfx"
}

# pk_conf NAME: writes $TB_WORK/NAME/conf from PK_HA_CF and PK_HARESOURCES
# (authkeys with PK_SECRET, mode 0600; twinbeat's haproxy agent and any
# script named in PK_SCRIPTS as resource.d scripts); prints the directory.
pk_conf() {
  local d=$TB_WORK/$1/conf s
  mkdir -p "$d/resource.d"
  printf '%s\n' "$PK_HA_CF" >"$d/ha.cf"
  printf '%s\n' "$PK_HARESOURCES" >"$d/haresources"
  tb_write_authkeys "$d/authkeys" "$PK_SECRET"
  install -m 0755 "$TB_ROOT/ha.d/resource.d/haproxy" "$d/resource.d/haproxy"
  for s in ${PK_SCRIPTS:-}; do
    printf '#!/bin/sh\necho "%s $*"\n' "$s" >"$d/resource.d/$s"
    chmod 0755 "$d/resource.d/$s"
  done
  echo "$d"
}

# pk_export NAME ARGS...: twinbeat export pacemaker of NAME's conf into
# $TB_WORK/NAME/out; fails the scenario on a non-zero exit.
pk_export() {
  local n=$1 d=$TB_WORK/$1
  shift
  "$TB_BIN/twinbeat" -c "$d/conf" --node nobody export pacemaker --out "$d/out" "$@" \
    >"$d/export.out" 2>"$d/export.err" ||
    fail "export of $n failed: $(cat "$d/export.err")"
}

# pk_groups CIB: one line per group: "GROUP PREFERRED_NODE MEMBER..." (the
# group's location preference with a positive score).
pk_groups() {
  "$TB_PY" - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
cib = ET.parse(sys.argv[1]).getroot()
prefer = {l.get("rsc"): l.get("node") for l in cib.iter("rsc_location")
          if l.get("node") and not l.get("score", "").startswith("-")}
for g in cib.iter("group"):
    print(g.get("id"), prefer.get(g.get("id"), "?"), *[p.get("id") for p in g.findall("primitive")])
EOF
}

# pk_placed SIMULATE_OUTPUT: "RESOURCE NODE" for every resource crm_simulate
# shows started in its "Revised Cluster Status" (its own words).
pk_placed() {
  awk '/^Revised Cluster Status:/ { on = 1; next }
       on && /Started [^ ]+$/ { r = $2; n = $NF; print r, n }' "$1"
}

# pk_expect_group_on SIMULATE_OUTPUT GROUP_LINE NODE: every member of the
# group (a pk_groups line) is started on NODE, as crm_simulate says.
pk_expect_group_on() {
  local out=$1 node=$3 m where
  read -r -a g <<<"$2"
  for m in "${g[@]:2}"; do
    where=$(pk_placed "$out" | awk -v r="$m" '$1 == r { print $2 }')
    [[ $where == "$node" ]] ||
      fail "crm_simulate ($out): $m of ${g[0]} is on '${where:-nowhere}', expected $node: $(sed -n '/^Transition Summary/,$p' "$out" | head -30)"
  done
}

# pk_simulate IN OUT LOG ARGS...: crm_simulate --simulate from IN, saving the
# resulting state in OUT and its report in LOG.
pk_simulate() {
  local in=$1 out=$2 log=$3
  shift 3
  crm_simulate --simulate --xml-file "$in" --save-output "$out" "$@" >"$log" 2>&1 ||
    fail "crm_simulate $* on $in failed: $(tail -5 "$log")"
}

# pk_verify_clean CIB: crm_verify --xml-file reports no error. An exported
# CIB has no node status yet, so crm_verify warns that neither node has been
# seen (exit 78, "Warnings found"); errors (schema, ids, references) are
# what counts, and they say "error".
pk_verify_clean() {
  local out
  out=$(crm_verify -V --xml-file "$1" 2>&1) || true
  ! grep -qi 'error' <<<"$out" || fail "crm_verify refuses $1: $out"
  note "crm_verify $1: no error"
}
