#!/usr/bin/env bash
# test_swift.sh [BUNDLES_DIR]: runs FinliteKit's XCTest suite on Linux, inside the cached Debian trixie
# Swift root (setup_swift.sh builds it when missing). BUNDLES_DIR holds intent/ and profile/ bundles
# (default: build/test-bundles, written by `make test-bundles`). The package, the bundles and the
# project's golden file text_v1.json (FINLITE_GOLDEN_DIR, default tests/golden), the agreement files next to the
# bundles and the LiteRT / ONNX Runtime libraries (FINLITE_NATIVE_LIBS, default: tests/mobile/native_libs.py's folder,
# the venv's wheels) are copied into the root;
# SwiftPM's .build stays there between runs, so a re-run only recompiles what changed.
# The last line printed is XCTest's summary ("Executed N tests, with M failures ...").
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
IOS=$(dirname "$HERE")
REPO=$(dirname "$IOS")
BUNDLES=$(readlink -f "${1:-$REPO/build/test-bundles}")
GOLDEN=$(readlink -f "${FINLITE_GOLDEN_DIR:-$REPO/tests/golden}")
NATIVE=$(readlink -f "${FINLITE_NATIVE_LIBS:-$("$REPO/.venv/bin/python" "$REPO/tests/mobile/native_libs.py")}")

for f in "$NATIVE/libLiteRt.so" "$NATIVE/libonnxruntime.so" "$BUNDLES/agreement_intent.json" "$BUNDLES/agreement_profile.json" "$BUNDLES/intent/manifest.json" "$BUNDLES/profile/manifest.json" "$BUNDLES/profile_other/manifest.json" "$GOLDEN/text_v1.json" "$GOLDEN/text_fuzz_v1.json" "$GOLDEN/profile_v2.json" "$GOLDEN/state_v1.json"; do
  if [[ ! -f "$f" ]]; then
    echo "test_swift: $f not found (run \`make install\` and \`make test-bundles\` first)" >&2
    exit 1
  fi
done

ROOT=$("$HERE/setup_swift.sh" | tail -n 1)
WORK="$ROOT/finlite-work"
CACHE=$(dirname "$ROOT")
exec 9>"$CACHE/swift-trixie.work.lock"
flock 9  # one test run at a time per cache (they share $WORK)

# Mirrors directory $1 into $2 copying only files whose content differs (and deleting extra ones), so that
# SwiftPM, which looks at file times, rebuilds only what really changed.
mirror() {
  local src="$1" dst="$2" rel
  mkdir -p "$dst"
  (cd "$dst" && find . -type f) | while read -r rel; do
    [[ -f "$src/$rel" ]] || rm -f "$dst/$rel"
  done
  (cd "$src" && find . -type f) | while read -r rel; do
    if ! cmp -s "$src/$rel" "$dst/$rel"; then
      mkdir -p "$(dirname "$dst/$rel")"
      cp -p "$src/$rel" "$dst/$rel"
    fi
  done
}

mkdir -p "$WORK/pkg"
rm -rf "$WORK/bundles" "$WORK/golden" "$WORK/rule-bundles"
cmp -s "$IOS/FinliteKit/Package.swift" "$WORK/pkg/Package.swift" || cp -p "$IOS/FinliteKit/Package.swift" "$WORK/pkg/"
mirror "$IOS/FinliteKit/Sources" "$WORK/pkg/Sources"
mirror "$IOS/FinliteKit/Tests" "$WORK/pkg/Tests"
mkdir -p "$WORK/bundles" "$WORK/golden"
cp -a "$BUNDLES/intent" "$BUNDLES/profile" "$BUNDLES/profile_other" "$BUNDLES"/agreement_*.json "$WORK/bundles/"
mirror "$NATIVE" "$WORK/native"
cp "$GOLDEN/text_v1.json" "$GOLDEN/text_fuzz_v1.json" "$GOLDEN/profile_v2.json" "$GOLDEN/state_v1.json" "$WORK/golden/"
cp -r "$GOLDEN/triggers" "$WORK/golden/"
cp "$REPO/examples/triggers/seeds.json" "$WORK/golden/triggers/"
# tests/bundles: the rule and signature fixtures (cp -a keeps the symlink case a symlink)
cp -a "$REPO/tests/bundles" "$WORK/rule-bundles"

rm -rf "$WORK/tflite_api_stub"
cp -a "$HERE/tflite_api_stub" "$WORK/"

# 1. Type-check FinliteKit with a declaration-only TensorFlowLite module, so that LiteRtModelRunner.swift
#    (compiled only where TensorFlowLite exists) is checked too. 2. The XCTests (last line: the summary).
exec "$HERE/in_chroot.sh" "$ROOT" env \
  FINLITE_BUNDLES=/finlite-work/bundles FINLITE_NATIVE_LIBS=/finlite-work/native FINLITE_GOLDEN_DIR=/finlite-work/golden FINLITE_RULE_BUNDLES=/finlite-work/rule-bundles \
  bash -c 'set -e
    stub=/finlite-work/tflite_api_stub
    swiftc -parse-as-library -emit-module -module-name TensorFlowLite -emit-module-path "$stub/TensorFlowLite.swiftmodule" "$stub/TensorFlowLite.swift"
    swiftc -typecheck -module-name FinliteKit -I "$stub" -I /finlite-work/pkg/Sources/COpenSSL /finlite-work/pkg/Sources/FinliteKit/*.swift
    echo "type-check with the TensorFlowLite API stub: ok (LiteRtModelRunner.swift included)"
    cd /finlite-work/pkg && swift test --disable-swift-testing 2>&1'
