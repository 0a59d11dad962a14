#!/usr/bin/env bash
# Hosts on one machine for the multi-host test: a network namespace per host, each with one veth
# into a bridge that lives in its own "switch" namespace, so nothing is added to the root
# namespace and no traffic can leave the machine (the switch has no uplink; forwarding is off).
#
#   netns.sh setup <id> <octet> <owner-pid> <dir|-> <host>...
#                                                          create amh-sw-<id> (bridge br0) and
#                                                          amh-<host>-<id> for each host, with
#                                                          eth0 = 10.77.<octet>.<2+i>/24 in the
#                                                          order given; lo up; IPv6 off. <dir>
#                                                          (the run's scratch dir, named
#                                                          *amh-<id>-*) goes with the teardown
#   netns.sh link     <id> <host> up|down                  plug/unplug a host's cable at the switch
#   netns.sh teardown <id>                                 kill what runs in amh-*-<id> (TERM, then
#                                                          KILL), delete the namespaces (their
#                                                          veths and the bridge go with them) and
#                                                          the scratch dir named at setup
#   netns.sh gc                                            teardown of every amh-sw-<id> whose
#                                                          owner process is gone (a run that died)
#   netns.sh list                                          the amh-* namespaces and their owners
#
# Needs root and iproute2. Names stay short: interface names are per namespace, so every host's
# interface is eth0 and the switch ports are p-<host> (≤ 15 characters for hosts ≤ 12 chars).
set -euo pipefail

OWNERS=/run/amh-multihost

die() { echo "netns.sh: $*" >&2; exit 1; }

namespaces_of() { ip netns list | awk '{print $1}' | grep -E "^amh-.+-$1\$" || true; }

cmd_setup() {
  local id=$1 octet=$2 owner=$3 dir=$4; shift 4
  [[ $id =~ ^[a-z0-9]{1,8}$ ]] || die "id must be 1-8 of [a-z0-9]: $id"
  [[ $octet =~ ^[0-9]+$ ]] && (( octet >= 1 && octet <= 254 )) || die "octet must be 1-254: $octet"
  (( $# >= 1 && $# <= 250 )) || die "name at least one host"
  [[ $owner =~ ^[0-9]+$ ]] || die "owner must be a pid: $owner"
  [[ $dir == - || ($dir == /* && $dir == *amh-$id-*) ]] || die "dir must be - or an absolute path named *amh-$id-*: $dir"
  [ -z "$(namespaces_of "$id")" ] || die "namespaces for id $id exist already"
  mkdir -p "$OWNERS"
  printf '%s\n%s\n' "$owner" "$dir" >"$OWNERS/$id"

  local sw="amh-sw-$id"
  ip netns add "$sw"
  ip -n "$sw" link set lo up
  ip netns exec "$sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up

  local i=2 host ns
  for host in "$@"; do
    [[ $host =~ ^[a-z0-9]{1,12}$ ]] || die "host name must be 1-12 of [a-z0-9]: $host"
    ns="amh-$host-$id"
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0
    ip -n "$ns" link set lo up
    # Created inside the switch with its peer placed straight into the host: no root-namespace step.
    ip -n "$sw" link add "p-$host" type veth peer name eth0 netns "$ns"
    ip -n "$sw" link set "p-$host" master br0
    ip -n "$sw" link set "p-$host" up
    ip -n "$ns" addr add "10.77.$octet.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    i=$((i + 1))
  done
}

cmd_link() {
  local id=$1 host=$2 state=$3
  [[ $state == up || $state == down ]] || die "link state must be up or down"
  ip -n "amh-sw-$id" link set "p-$host" "$state"
}

# Every process in a namespace was started by the run that owns it (nothing else runs there).
pids_in() { local ns; for ns in "$@"; do ip netns pids "$ns" 2>/dev/null || true; done; }

cmd_teardown() {
  local id=$1 nss pids
  mapfile -t nss < <(namespaces_of "$id")
  if ((${#nss[@]})); then
    pids=$(pids_in "${nss[@]}")
    if [ -n "$pids" ]; then
      kill -TERM $pids 2>/dev/null || true
      for _ in $(seq 1 50); do
        pids=$(pids_in "${nss[@]}")
        [ -z "$pids" ] && break
        sleep 0.1
      done
      [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
    fi
    local ns
    for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  fi
  local dir
  dir=$(sed -n 2p "$OWNERS/$id" 2>/dev/null || true)
  if [[ $dir == /* && $dir == *amh-$id-* ]]; then rm -rf -- "$dir"; fi
  rm -f "$OWNERS/$id"
}

cmd_gc() {
  local ns id owner
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^amh-sw-' || true); do
    id=${ns#amh-sw-}
    owner=$(sed -n 1p "$OWNERS/$id" 2>/dev/null || true)
    if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then
      echo "netns.sh: removing namespaces of dead run $id (owner ${owner:-unknown})" >&2
      cmd_teardown "$id"
    fi
  done
}

cmd_list() {
  local ns id
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^amh-sw-' || true); do
    id=${ns#amh-sw-}
    echo "$id owner=$(sed -n 1p "$OWNERS/$id" 2>/dev/null || echo '?') dir=$(sed -n 2p "$OWNERS/$id" 2>/dev/null || echo '?') $(namespaces_of "$id" | tr '\n' ' ')"
  done
}

[ "$(id -u)" = 0 ] || die "must run as root"
case "${1:-}" in
  setup) shift; (( $# >= 5 )) || die "usage: setup <id> <octet> <owner-pid> <dir|-> <host>..."; cmd_setup "$@" ;;
  link) shift; (( $# == 3 )) || die "usage: link <id> <host> up|down"; cmd_link "$@" ;;
  teardown) shift; (( $# == 1 )) || die "usage: teardown <id>"; cmd_teardown "$1" ;;
  gc) cmd_gc ;;
  list) cmd_list ;;
  *) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
