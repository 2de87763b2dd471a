#!/usr/bin/env bash
# Stops what start.sh started (dockerd and the local registries). Data stays in LOCAL_STATE_DIR
# so the next start reuses images, build cache and registry contents; pass --purge to delete it.
set -euo pipefail
STATE_DIR=${LOCAL_STATE_DIR:-/var/lib/aks-gitops-local}

stop_pidfile() {
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$file"
}

for pidfile in "$STATE_DIR"/registry-*/registry.pid; do
  [ -e "$pidfile" ] && stop_pidfile "$pidfile"
done
stop_pidfile "$STATE_DIR/dockerd.pid"
if [ "${1:-}" = --purge ]; then rm -rf "$STATE_DIR"; fi
echo "[engine] stopped"
