// ocf:twinbeat:haresource, the OCF agent an export writes when a resource
// is a script Pacemaker cannot run by itself: a Heartbeat resource.d script
// (Pacemaker 2 dropped the heartbeat class) or an init.d script with
// arguments (the lsb class passes none). It calls the script as twinbeat
// did, `SCRIPT [ARGS...] start|stop|status`, and reads status by twinbeat's
// rule (README, resources/agents.h), so the script runs unchanged.
#include "twinbeat/export/pacemaker.h"

namespace twinbeat::exporter {

std::string_view haresource_ocf_agent() {
  static constexpr std::string_view kAgent = R"AGENT(#!/bin/sh
# ocf:twinbeat:haresource: runs a Heartbeat resource.d script, or an init.d
# script with arguments, under Pacemaker as twinbeat ran it:
#   SCRIPT [ARGS...] start|stop|status
# Status rule "heartbeat" (resource.d): output containing "not running"
# means stopped, else "running" (any case) or "OK" means running, else any
# output means stopped; no output: the exit code as below. Rule "lsb"
# (init.d): exit 0 running, 1 to 3 stopped, anything else an error.
# Written by twinbeat export pacemaker; install it as
# /usr/lib/ocf/resource.d/twinbeat/haresource (mode 0755) on both nodes.

OCF_SUCCESS=0
OCF_ERR_GENERIC=1
OCF_ERR_ARGS=2
OCF_ERR_UNIMPLEMENTED=3
OCF_ERR_INSTALLED=5
OCF_ERR_CONFIGURED=6
OCF_NOT_RUNNING=7

script=${OCF_RESKEY_script:-}
args=${OCF_RESKEY_args:-}
rule=${OCF_RESKEY_status_rule:-heartbeat}

meta_data() {
  cat <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="haresource" version="1.0">
  <version>1.1</version>
  <longdesc lang="en">Runs a Heartbeat resource.d script (or an init.d script with arguments) as twinbeat and Heartbeat ran it: SCRIPT [ARGS...] start|stop|status.</longdesc>
  <shortdesc lang="en">A Heartbeat haresources script</shortdesc>
  <parameters>
    <parameter name="script" required="1" unique="0">
      <longdesc lang="en">Absolute path of the script.</longdesc>
      <shortdesc lang="en">script</shortdesc>
      <content type="string"/>
    </parameter>
    <parameter name="args" unique="0">
      <longdesc lang="en">Its arguments (haresources' NAME::ARG1::ARG2), separated by spaces.</longdesc>
      <shortdesc lang="en">arguments</shortdesc>
      <content type="string" default=""/>
    </parameter>
    <parameter name="status_rule" unique="0">
      <longdesc lang="en">How status reads: heartbeat (resource.d: by its output) or lsb (by its exit code).</longdesc>
      <shortdesc lang="en">status rule</shortdesc>
      <content type="string" default="heartbeat"/>
    </parameter>
  </parameters>
  <actions>
    <action name="start" timeout="60s"/>
    <action name="stop" timeout="60s"/>
    <action name="monitor" timeout="20s" interval="10s"/>
    <action name="meta-data" timeout="5s"/>
    <action name="validate-all" timeout="5s"/>
  </actions>
</resource-agent>
EOF
}

by_code() {
  case $1 in
    0) return $OCF_SUCCESS ;;
    1|2|3) return $OCF_NOT_RUNNING ;;
    *) return $OCF_ERR_GENERIC ;;
  esac
}

status() {
  # shellcheck disable=SC2086 # the arguments are words on purpose
  out=$("$script" $args status 2>&1)
  rc=$?
  if [ "$rule" = lsb ] || [ -z "$(printf '%s' "$out" | tr -d ' \t\r\n')" ]; then
    by_code $rc
    return
  fi
  low=$(printf '%s' "$out" | tr 'A-Z' 'a-z')
  if printf '%s' "$low" | grep -q 'not *running'; then return $OCF_NOT_RUNNING; fi
  if printf '%s' "$low" | grep -q 'running' || printf '%s' "$out" | grep -q 'OK'; then
    return $OCF_SUCCESS
  fi
  return $OCF_NOT_RUNNING
}

validate() {
  [ -n "$script" ] || return $OCF_ERR_CONFIGURED
  case $rule in heartbeat|lsb) ;; *) return $OCF_ERR_CONFIGURED ;; esac
  [ -x "$script" ] || return $OCF_ERR_INSTALLED
  return $OCF_SUCCESS
}

action=${1:-}
case $action in
  meta-data) meta_data; exit $OCF_SUCCESS ;;
  validate-all) validate; exit $? ;;
  start|stop|monitor|status) ;;
  *) exit $OCF_ERR_UNIMPLEMENTED ;;
esac
validate
rc=$?
if [ $rc -ne $OCF_SUCCESS ]; then
  # A probe or a stop where the script is absent: it runs nowhere here.
  if [ $rc -eq $OCF_ERR_INSTALLED ] && [ "$action" != start ]; then exit $OCF_NOT_RUNNING; fi
  exit $rc
fi
case $action in
  start)
    # shellcheck disable=SC2086
    "$script" $args start || exit $OCF_ERR_GENERIC
    exit $OCF_SUCCESS ;;
  stop)
    # shellcheck disable=SC2086
    if "$script" $args stop; then exit $OCF_SUCCESS; fi
    status
    [ $? -eq $OCF_NOT_RUNNING ] && exit $OCF_SUCCESS
    exit $OCF_ERR_GENERIC ;;
  monitor|status)
    status
    exit $? ;;
esac
)AGENT";
  return kAgent;
}

}  // namespace twinbeat::exporter
