#!/usr/bin/env bash
# Creates (once) a Debian trixie root with Swift (`swiftlang`) for running FinliteKit's tests on Linux.
# Location: ${FINLITE_CACHE:-$HOME/.cache/finlite}/swift-trixie, outside git. Idempotent: a stamp file
# marks a finished root; a half-built one (interrupted run) is removed and built again.
# Needs root (debootstrap, chroot). Prints the root's path on stdout as its last line.
set -euo pipefail

CACHE="${FINLITE_CACHE:-$HOME/.cache/finlite}"
ROOT="$CACHE/swift-trixie"
STAMP="$ROOT/.finlite-swift-ready"
MIRROR="${FINLITE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

log() { echo "[setup_swift] $*" >&2; }

# Debian packages FinliteKit's Linux build needs besides Swift: OpenSSL's headers and libcrypto for the
# signature check (SignatureVerifier.swift; CryptoKit on Apple platforms). Added to roots built before them too.
EXTRA_PACKAGES=(libssl-dev)
EXTRA_STAMP="$ROOT/.finlite-extra-$(echo "${EXTRA_PACKAGES[*]}" | tr ' ' '+')"

add_extra_packages() {
  [[ -f "$EXTRA_STAMP" ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    log "needs root to apt-get install ${EXTRA_PACKAGES[*]} into $ROOT"
    exit 1
  fi
  log "installing ${EXTRA_PACKAGES[*]} into $ROOT"
  "$(dirname "$0")/in_chroot.sh" "$ROOT" bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${EXTRA_PACKAGES[*]} && rm -rf /var/cache/apt/archives/*.deb" \
    >"$CACHE/swift-trixie-extra.log" 2>&1 || {
    log "apt-get install ${EXTRA_PACKAGES[*]} failed; last lines of $CACHE/swift-trixie-extra.log:"
    tail -n 20 "$CACHE/swift-trixie-extra.log" >&2
    exit 1
  }
  touch "$EXTRA_STAMP"
}

if [[ -f "$STAMP" && -f "$EXTRA_STAMP" ]]; then
  echo "$ROOT"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/swift-trixie.setup.lock"
flock 9  # a second set-up waits for the first, then finds the stamp
if [[ -f "$STAMP" ]]; then
  add_extra_packages
  echo "$ROOT"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  log "needs root (debootstrap + chroot); run as root or with sudo"
  exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi

# debootstrap on bookworm may not know the trixie script name; it is identical to sid's.
SCRIPT_ARGS=()
if [[ ! -e /usr/share/debootstrap/scripts/trixie ]]; then
  SCRIPT_ARGS=(/usr/share/debootstrap/scripts/sid)
fi

# Unmounts whatever an interrupted debootstrap left mounted below $1 (proc, sys, dev binds), deepest first,
# so that the rm -rf below never walks into the host's /dev or /proc.
unmount_below() {
  local dir mnt
  dir=$(readlink -f "$1")
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r | while read -r mnt; do
    umount -l "$mnt" || true
  done
}

TMP="$ROOT.partial"
for old in "$TMP" "$ROOT"; do
  if [[ -e "$old" ]]; then
    unmount_below "$old"
    rm -rf --one-file-system "$old"
  fi
done
start=$(date +%s)
log "debootstrap trixie + swiftlang into $TMP (a few minutes, ~3.3 GB)"
debootstrap --variant=minbase --include=swiftlang,libc6-dev,libstdc++-14-dev,ca-certificates,libssl-dev \
  trixie "$TMP" "$MIRROR" "${SCRIPT_ARGS[@]}" >"$CACHE/swift-trixie-debootstrap.log" 2>&1 || {
  log "debootstrap failed; last lines of $CACHE/swift-trixie-debootstrap.log:"
  tail -n 20 "$CACHE/swift-trixie-debootstrap.log" >&2
  exit 1
}
# Trim the apt cache (hundreds of MB of .deb files no longer needed).
rm -rf "$TMP"/var/cache/apt/archives/*.deb
unmount_below "$TMP"
mv "$TMP" "$ROOT"
# swift needs /proc (ld.so resolves $ORIGIN through /proc/self/exe), so run it as the tests do
"$(dirname "$0")/in_chroot.sh" "$ROOT" swift --version >&2
touch "$STAMP" "$EXTRA_STAMP"
log "ready in $(( $(date +%s) - start )) s: $ROOT"
echo "$ROOT"
