#!/usr/bin/env bash
# latency_swift.sh RUNS BUNDLE...: per-inference latency of every artifact of the bundles through the C APIs from
# Swift (FinliteKit's finlite-latency, release build) inside the cached Swift root; prints one JSON line per
# artifact (benchmarks/native_latency.py reads them). The bundles are copied into the root (swift_work.sh: package
# and native libraries).
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: latency_swift.sh RUNS BUNDLE..." >&2; exit 2; }
RUNS=$1
shift
BUNDLE_DIRS=()
for b in "$@"; do BUNDLE_DIRS+=("$(readlink -f "$b")"); done
source "$(dirname "$0")/swift_work.sh"

rm -rf "$WORK/latency" && mkdir -p "$WORK/latency"
args=()
for b in "${BUNDLE_DIRS[@]}"; do
  [[ -f "$b/manifest.json" ]] || { echo "latency_swift: $b/manifest.json not found" >&2; exit 1; }
  cp -a "$b" "$WORK/latency/$(basename "$b")"
  args+=("/finlite-work/latency/$(basename "$b")")
done
exec "$HERE/in_chroot.sh" "$ROOT" bash -c 'cd /finlite-work/pkg && swift build -c release --product finlite-latency >&2 && exec .build/release/finlite-latency "$@"' \
  latency /finlite-work/native "$RUNS" "${args[@]}"
