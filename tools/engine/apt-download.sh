# shellcheck shell=bash
# Sourced by start.sh and base-images.sh: downloads Debian packages through a temporary apt
# configuration (its own source list, package lists and cache under a directory we own), so the
# machine's sources, dpkg architectures and package state stay untouched. The mirror is the one
# the machine's own apt sources already use, never a host name written here.

# The mirror of the machine's Debian main suite, from /etc/apt/sources.list.d/*.sources or sources.list.
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/{u=$2} /^Suites:/ && / (bookworm|stable)( |$)/ {print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $3 ~ /^(bookworm|stable)$/ {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { printf 'error: cannot find the Debian mirror in /etc/apt/sources.list*\n' >&2; return 1; }
  printf '%s\n' "$uri"
}

# apt_download STATE_DIR SUITE ARCH DEST PACKAGE...: fetches the .deb files of PACKAGE... for
# ARCH from SUITE into DEST. STATE_DIR keeps the temporary configuration and lists.
apt_download() {
  local state=$1 suite=$2 arch=$3 dest=$4
  shift 4
  local mirror
  mirror=$(debian_mirror) || return 1
  mkdir -p "$state/sources" "$state/lists/partial" "$state/cache/archives/partial" "$dest"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$suite" >"$state/sources/debian.sources"
  local opts=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o Dir::Etc::sourcelist=/dev/null
    -o "Dir::Etc::sourceparts=$state/sources" -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache"
    -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq
  (cd "$dest" && apt-get "${opts[@]}" download "${@/%/:$arch}" >/dev/null)
}
