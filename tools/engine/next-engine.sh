#!/usr/bin/env bash
# A second Docker engine beside the one start.sh runs, for reproducible images: the next Debian
# release's dockerd (26.1, BuildKit 0.13) with the containerd image store, on its own socket, data
# root, exec root and bridge. The engine at /var/run/docker.sock is never touched.
#
# Why: the default engine (bookworm's dockerd 20.10) ignores SOURCE_DATE_EPOCH and
# rewrite-timestamp, so two cold builds of one commit differ. Measured with this engine: dockerd
# 26.1 on the classic store honours SOURCE_DATE_EPOCH in the image config but still writes layer
# files with the build's mtimes; with the containerd image store BuildKit's own image/OCI exporters
# apply rewrite-timestamp=true and two cold builds give the same index digest.
#
# The packages are unpacked under the state directory (dpkg-deb -x), not installed: the machine's
# packages stay as they are. trixie's runc needs glibc 2.38, so bookworm's runc (docker.io's
# dependency, already installed) runs the containers; dockerd, containerd 1.7 and the shims are
# trixie's. No iptables chain of the default engine is touched: this engine runs with
# --iptables=false and gets two FORWARD rules and one MASQUERADE rule for its own subnet.
#
#   tools/engine/next-engine.sh [start]   # prints DOCKER_HOST=unix://... for this engine
#   tools/engine/next-engine.sh install   # only fetches and unpacks what start needs (bootstrap.sh)
#   tools/engine/next-engine.sh stop      # stops it and removes its bridge and rules (data kept)
#   tools/engine/next-engine.sh status
#
# Environment: LOCAL_STATE_DIR (default /var/lib/aks-gitops-local), NEXT_ENGINE_SUBNET (the bridge's address, A.B.C.1/24; default 10.213.0.1/24).
set -euo pipefail

STATE_DIR=${LOCAL_STATE_DIR:-/var/lib/aks-gitops-local}
DIR="$STATE_DIR/next-engine"
SUITE=trixie
PACKAGES=(docker.io containerd tini)
BRIDGE=docker-next
ADDRESS=${NEXT_ENGINE_SUBNET:-10.213.0.1/24}
SOCKET="$DIR/docker.sock"

# shellcheck source=apt-download.sh
. "$(dirname "$0")/apt-download.sh"

log() { printf '[next-engine] %s\n' "$*" >&2; }
die() { printf '[next-engine] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: it starts dockerd and adds a bridge"

# The bridge's /24 network (10.213.0.1/24 -> 10.213.0.0/24).
[[ "$ADDRESS" =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.1/24$ ]] || die "NEXT_ENGINE_SUBNET \"$ADDRESS\" is not a bridge address of the form A.B.C.1/24"
NETWORK="${BASH_REMATCH[1]}.0/24"

running() { DOCKER_HOST="unix://$SOCKET" docker info >/dev/null 2>&1; }

# ip and iptables for the bridge (a minimal Debian image may lack iproute2); the docker CLI and
# bookworm's runc come with start.sh's packages.
tools() {
  local missing=()
  command -v ip >/dev/null || missing+=(iproute2)
  command -v iptables >/dev/null || missing+=(iptables)
  if ! command -v runc >/dev/null || ! command -v docker >/dev/null; then die "run tools/engine/start.sh first (docker CLI and runc)"; fi
  [ "${#missing[@]}" = 0 ] && return
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

unpack() {
  [ -x "$DIR/root/usr/sbin/dockerd" ] && return
  log "downloading ${PACKAGES[*]} from Debian $SUITE"
  local debs="$DIR/debs"
  rm -rf "$debs" && mkdir -p "$debs"
  apt_download "$DIR/apt" "$SUITE" "$(dpkg --print-architecture)" "$debs" "${PACKAGES[@]}" || die "cannot download ${PACKAGES[*]}"
  rm -rf "$DIR/root.partial" && mkdir -p "$DIR/root.partial"
  local deb
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$DIR/root.partial"; done
  # dockerd runs docker-init for `docker run --init`; Debian points it at tini-static.
  ln -sf tini-static "$DIR/root.partial/usr/bin/docker-init"
  mv "$DIR/root.partial" "$DIR/root"
  rm -rf "$debs" "$DIR/apt"
}

# Idempotent: each rule is added only when `iptables -C` does not find it.
add_rule() {
  local table=$1 chain=$2; shift 2
  iptables -t "$table" -C "$chain" "$@" 2>/dev/null || iptables -t "$table" -I "$chain" 1 "$@"
}
del_rule() {
  local table=$1 chain=$2; shift 2
  while iptables -t "$table" -C "$chain" "$@" 2>/dev/null; do iptables -t "$table" -D "$chain" "$@"; done
}

network_up() {
  local net=$NETWORK
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$ADDRESS" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  add_rule filter FORWARD -i "$BRIDGE" -j ACCEPT
  add_rule filter FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  add_rule nat POSTROUTING -s "$net" ! -o "$BRIDGE" -j MASQUERADE
}

network_down() {
  local net=$NETWORK
  del_rule filter FORWARD -i "$BRIDGE" -j ACCEPT
  del_rule filter FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  del_rule nat POSTROUTING -s "$net" ! -o "$BRIDGE" -j MASQUERADE
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE"
  return 0
}

start() {
  # Already running: still make sure its bridge and rules are there (a stop of another state
  # directory's engine removes the shared bridge), which network_up does idempotently.
  if running; then network_up; printf 'DOCKER_HOST=unix://%s\n' "$SOCKET"; return; fi
  tools
  unpack
  network_up
  mkdir -p "$DIR/data" "$DIR/exec"
  printf '{"features": {"containerd-snapshotter": true}}\n' >"$DIR/daemon.json"
  log "starting dockerd $("$DIR/root/usr/sbin/dockerd" --version | cut -d, -f1 | cut -d' ' -f3) (containerd image store; log: $DIR/dockerd.log)"
  # trixie's binaries first, except runc (see above), which is bookworm's in /usr/sbin.
  PATH="$DIR/root/usr/bin:$PATH" setsid nohup "$DIR/root/usr/sbin/dockerd" \
    --config-file "$DIR/daemon.json" --data-root "$DIR/data" --exec-root "$DIR/exec" \
    --pidfile "$DIR/dockerd.pid" --host "unix://$SOCKET" \
    --bridge "$BRIDGE" --iptables=false --ip6tables=false \
    >"$DIR/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if running; then printf 'DOCKER_HOST=unix://%s\n' "$SOCKET"; return; fi
    sleep 0.5
  done
  tail -n 20 "$DIR/dockerd.log" >&2
  die "dockerd did not become ready within 30 s"
}

stop() {
  if [ -f "$DIR/dockerd.pid" ]; then
    local pid
    pid=$(cat "$DIR/dockerd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
    rm -f "$DIR/dockerd.pid"
  fi
  network_down
  log "stopped (data kept in $DIR/data)"
}

case "${1:-start}" in
  start) start ;;
  install) tools; unpack ;;
  stop) stop ;;
  status)
    if running; then
      DOCKER_HOST="unix://$SOCKET" docker info --format 'dockerd {{.ServerVersion}} ({{.Driver}}) at unix://'"$SOCKET"
    else
      echo "not running"
    fi
    ;;
  *) die "usage: $0 [start|install|stop|status]" ;;
esac
