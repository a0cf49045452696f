#!/usr/bin/env bash
# sync_bundle.sh INTENT_BUNDLE PROFILE_BUNDLE: copies two finlite bundles into ios_demo/Bundles/{intent,profile}
# (and the trigger spec and offer policy the profile screen uses, as triggers.json and policy.json),
# which the Xcode project embeds as a folder (git ignores its content: bundles are build output, never committed).
# Checks that each is a bundle of the expected task; the app verifies every sha256 again when it loads them.
#   ios_demo/scripts/sync_bundle.sh build/test-bundles/intent build/test-bundles/profile
#   ios_demo/scripts/sync_bundle.sh runs/quickstart/bundle ...      (any `finlite export` output)
set -euo pipefail
if [[ $# -ne 2 ]]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
DEST="$(cd "$(dirname "$0")/.." && pwd)/Bundles"

copy() {
  local src="$1" task="$2"
  if [[ ! -f "$src/manifest.json" ]]; then
    echo "sync_bundle: $src has no manifest.json (not a finlite bundle)" >&2
    exit 1
  fi
  if ! grep -q "\"task\": \"$task\"" "$src/manifest.json"; then
    echo "sync_bundle: $src is not a $task bundle (manifest.json task)" >&2
    exit 1
  fi
  rm -rf "$DEST/$task.tmp"
  mkdir -p "$DEST/$task.tmp"
  cp -p "$src"/* "$DEST/$task.tmp/"
  rm -rf "$DEST/$task"
  mv "$DEST/$task.tmp" "$DEST/$task"
  echo "$DEST/$task <- $src ($(ls "$DEST/$task" | wc -l) files)"
}

copy "$1" intent
copy "$2" profile
# the trigger spec the profile screen runs on the event log (docs/triggers.md); TRIGGERS= picks another one
TRIGGERS="${TRIGGERS:-$(cd "$(dirname "$0")/../.." && pwd)/examples/triggers/seeds.json}"
cp "$TRIGGERS" "$DEST/triggers.json"
echo "$DEST/triggers.json <- $TRIGGERS"
# the offer policy the profile screen decides with (docs/policy.md); POLICY= picks another one
POLICY="${POLICY:-$(cd "$(dirname "$0")/../.." && pwd)/examples/policy/demo_offers.json}"
cp "$POLICY" "$DEST/policy.json"
echo "$DEST/policy.json <- $POLICY"
