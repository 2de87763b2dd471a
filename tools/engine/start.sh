#!/usr/bin/env bash
# Installs (when missing) and starts everything image builds need on a Debian machine, as root:
# the Docker engine, buildx, QEMU binfmt handlers for arm64, and local OCI registries on loopback
# that stand in for the staging and production ACRs. Idempotent: what already runs is reused.
#
#   tools/engine/start.sh            # start (installs on first use)
#   tools/engine/start.sh --status   # print what runs, start nothing
#
# Environment: LOCAL_STATE_DIR (default /var/lib/aks-gitops-local), REGISTRY_PORTS (default "5000 5001").
set -euo pipefail

STATE_DIR=${LOCAL_STATE_DIR:-/var/lib/aks-gitops-local}
REGISTRY_PORTS=${REGISTRY_PORTS:-"5000 5001"}
APT_PACKAGES=(docker.io docker-registry qemu-user-static binfmt-support skopeo iptables apache2-utils)
# Debian bookworm has no docker-buildx; the next release's package works with bookworm's engine.
BUILDX_SUITE=trixie

# shellcheck source=apt-download.sh
. "$(dirname "$0")/apt-download.sh"

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: it installs packages and starts dockerd"

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${APT_PACKAGES[@]}")
  [ "${#missing[@]}" = 0 ] && return
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_buildx() {
  docker buildx version >/dev/null 2>&1 && return
  log "installing docker-buildx from Debian $BUILDX_SUITE"
  local tmp
  tmp=$(mktemp -d)
  apt_download "$tmp/apt" "$BUILDX_SUITE" "$(dpkg --print-architecture)" "$tmp" docker-buildx || die "cannot download docker-buildx"
  dpkg -i "$tmp"/docker-buildx_*.deb >/dev/null
  rm -rf "$tmp"
  docker buildx version >/dev/null || die "docker buildx does not work after installing it"
}

enable_binfmt() {
  if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc (is this a container without it?)"
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    log "registering the QEMU arm64 binfmt handler"
    update-binfmts --enable qemu-aarch64 >/dev/null
  fi
  grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
    die "the qemu-aarch64 binfmt handler lacks the F flag, so containers cannot use it"
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return; fi
  log "starting dockerd (log: $STATE_DIR/dockerd.log)"
  mkdir -p "$STATE_DIR"
  local args=()
  [ -n "${DOCKER_STORAGE_DRIVER:-}" ] && args+=(--storage-driver "$DOCKER_STORAGE_DRIVER")
  setsid nohup dockerd "${args[@]}" >"$STATE_DIR/dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/dockerd.pid"
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    sleep 0.5
  done
  tail -n 20 "$STATE_DIR/dockerd.log" >&2
  die "dockerd did not become ready within 30 s"
}

registry_up() { curl -fs -o /dev/null "http://127.0.0.1:$1/v2/"; }

start_registry() {
  local port=$1 dir="$STATE_DIR/registry-$1"
  registry_up "$port" && return
  log "starting an OCI registry on 127.0.0.1:$port (data: $dir)"
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  setsid nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  for _ in $(seq 1 40); do
    registry_up "$port" && return
    sleep 0.25
  done
  tail -n 20 "$dir/registry.log" >&2
  die "the registry on port $port did not start"
}

status() {
  printf 'dockerd:   %s\n' "$(docker info --format '{{.ServerVersion}} ({{.Driver}})' 2>/dev/null || echo 'not running')"
  printf 'buildx:    %s\n' "$(docker buildx version 2>/dev/null || echo 'missing')"
  printf 'arm64:     %s\n' "$(head -n1 /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || echo 'no binfmt handler')"
  local port
  for port in $REGISTRY_PORTS; do
    printf 'registry:  127.0.0.1:%s %s\n' "$port" "$(registry_up "$port" 2>/dev/null && echo up || echo down)"
  done
}

if [ "${1:-}" = --status ]; then status; exit 0; fi

command -v curl >/dev/null || APT_PACKAGES+=(curl)
install_packages
install_buildx
enable_binfmt
start_dockerd
for port in $REGISTRY_PORTS; do start_registry "$port"; done
[ "${1:-}" = --quiet ] || status
