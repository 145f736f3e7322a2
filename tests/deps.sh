#!/bin/sh
# Installs the Debian packages a make target needs, and only the missing ones.
#   tests/deps.sh build|test|bench|demo|fence
set -eu

build="g++ make pkg-config libnl-3-dev libnl-route-3-dev libcap-ng-dev libinih-dev libssl-dev cpputest libvirt-dev"
# fence: the libvirt fence agent's library, and the fencing lab of
# tests/e2e/lib_fence.sh (libvirtd with its LXC driver, fence_virtd, the
# fence_xvm/fence_virt agents). Never libvirt-daemon-system: it pulls systemd.
fence="pkg-config libvirt-dev libvirt-daemon libvirt-daemon-driver-lxc libvirt-clients fence-virtd fence-virt"
# pcmk: Pacemaker's tools and daemons for tests/e2e/8N-pcmk-* (twinbeat export
# pacemaker): crm_verify/crm_simulate, crmsh, and corosync + pacemakerd run in
# namespaces (fence_xvm comes with fence-virt). None of them pulls systemd.
pcmk="pacemaker pacemaker-cli-utils corosync crmsh resource-agents"
test="$build clang libclang-rt-14-dev iproute2 nftables procps util-linux python3 haproxy stress-ng $fence $pcmk"
bench="$test keepalived"
demo="$test"

case "${1:-build}" in
  build) want=$build ;;
  test) want=$test ;;
  bench) want=$bench ;;
  demo) want=$demo ;;
  fence) want=$fence ;;
  *) echo "usage: $0 build|test|bench|demo|fence" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
  esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "twinbeat: missing packages:$missing" >&2
  echo "twinbeat: run as root, or: apt-get install -y$missing" >&2
  exit 1
fi
echo "twinbeat: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
