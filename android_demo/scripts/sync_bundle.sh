#!/usr/bin/env bash
# Copies a finlite intent bundle, a profile bundle, the trigger spec (examples/triggers/seeds.json, or $TRIGGERS) and
# the offer policy (examples/policy/demo_offers.json, or $POLICY) into the app's assets (never committed: .gitignore).
#
#   android_demo/scripts/sync_bundle.sh INTENT_BUNDLE_DIR PROFILE_BUNDLE_DIR
#   e.g. android_demo/scripts/sync_bundle.sh build/test-bundles/intent build/test-bundles/profile
#
# Every file the manifest lists is copied (the app verifies each one's sha256 and refuses a bundle with a
# missing file, like finlite does). The copy is checked here too, so a broken bundle fails now, not on a phone.
set -euo pipefail

[ $# -eq 2 ] || { sed -n '2,6p' "$0" >&2; exit 2; }
ASSETS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/app/src/main/assets"

sync_one() {
    local src=$1 task=$2 dest="$ASSETS/$2"
    [ -f "$src/manifest.json" ] || { echo "sync_bundle: $src has no manifest.json (not a finlite bundle)" >&2; exit 1; }
    python3 - "$src" "$task" <<'PY'
import hashlib, json, os, sys
src, task = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(src, "manifest.json"), encoding="utf-8"))
if m.get("format") != "finlite.bundle/1":
    sys.exit(f"sync_bundle: {src}: format {m.get('format')!r}, expected 'finlite.bundle/1'")
if m.get("task", "intent") != task:
    sys.exit(f"sync_bundle: {src} is a {m.get('task')!r} bundle, expected {task!r}")
for name, entry in m["files"].items():
    path = os.path.join(src, name)
    if not os.path.isfile(path):
        sys.exit(f"sync_bundle: {path}: listed in the manifest but missing")
    if hashlib.sha256(open(path, "rb").read()).hexdigest() != entry["sha256"]:
        sys.exit(f"sync_bundle: {path}: sha256 does not match the manifest")
PY
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    cp "$src/manifest.json" "$dest.tmp/"
    python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["files"]))' "$src/manifest.json" |
        while IFS= read -r name; do cp "$src/$name" "$dest.tmp/$name"; done
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
    echo "sync_bundle: $src -> $dest ($(ls "$dest" | wc -l) files)"
}

sync_one "$1" intent
sync_one "$2" profile
# the trigger spec the profile screen runs on the event log (docs/triggers.md); TRIGGERS= picks another one
TRIGGERS="${TRIGGERS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/examples/triggers/seeds.json}"
cp "$TRIGGERS" "$ASSETS/triggers.json"
echo "sync_bundle: $TRIGGERS -> $ASSETS/triggers.json"
# the offer policy the profile screen decides with (docs/policy.md); POLICY= picks another one
POLICY="${POLICY:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/examples/policy/demo_offers.json}"
cp "$POLICY" "$ASSETS/policy.json"
echo "sync_bundle: $POLICY -> $ASSETS/policy.json"
