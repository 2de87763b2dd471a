#!/usr/bin/env bash
# Makes a fresh Debian machine (as root) ready for the tests and the local pipeline, and does
# next to nothing on a machine that is already ready:
#   1. Debian packages the tests use (Redis, PostgreSQL, Chromium, shellcheck, git; jq and openssl,
#      which the workflows' scripts and the https stand-ins' throwaway certificates need),
#   2. pnpm at the version package.json pins, and the workspace's node_modules,
#   3. the Docker engine with buildx, QEMU and the local registries (tools/engine/start.sh),
#   4. the second engine the local pipeline builds on (tools/engine/next-engine.sh install: the
#      next Debian release's dockerd, unpacked under the state directory; started by the pipeline),
#   5. the base-image stand-ins in the local registry (tools/engine/base-images.sh).
# Usage: tools/bootstrap.sh [--quiet]
set -euo pipefail
cd "$(dirname "$0")/.."

QUIET=${1:-}
say() { [ "$QUIET" = --quiet ] || printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it installs Debian packages and starts dockerd)"

TEST_PACKAGES=(git curl ca-certificates openssl jq redis-server postgresql chromium shellcheck)
missing=()
for p in "${TEST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# kubectl renders the overlays (manifest tests, local pipeline). This kind of machine comes with
# it; Debian's own (kubernetes-client 1.20) cannot be the fallback: its kustomize rejects the
# overlays (`unknown field "labels"`). So say so here rather than in the middle of the tests.
[ -n "${KUBECTL:-}" ] || command -v kubectl >/dev/null ||
  die "kubectl not found on PATH (or \$KUBECTL): install a kubectl whose bundled kustomize is 4.1 or later (the overlays use its labels field)"

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  say "installing pnpm $pnpm_version"
  npm install --global --silent "pnpm@$pnpm_version" >/dev/null
fi
# Install when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  say "installing the workspace's packages"
  pnpm install --frozen-lockfile --reporter=silent
fi

bash tools/engine/start.sh --quiet
# Fetched here so a fresh machine's first pipeline run needs no download of its own.
bash tools/engine/next-engine.sh install
# Stand-ins for the public base images (they cannot be pulled here); skipped when present.
bash tools/engine/base-images.sh
say "ready"
