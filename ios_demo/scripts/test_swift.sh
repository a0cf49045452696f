#!/usr/bin/env bash
# test_swift.sh [BUNDLES_DIR]: runs FinliteKit's XCTest suite on Linux, inside the cached Debian trixie
# Swift root (setup_swift.sh builds it when missing). BUNDLES_DIR holds intent/, profile/ and profile_other/
# bundles and the agreement files (default: build/test-bundles, written by `make test-bundles`). The package and
# the native libraries (swift_work.sh), the bundles and the project's golden files (FINLITE_GOLDEN_DIR, default
# tests/golden) are copied into the root; a re-run only recompiles what changed.
# The last line printed is XCTest's summary ("Executed N tests, with M failures ...").
# SWIFT_TEST_FILTER (optional) runs only the matching tests (`swift test --filter`), to iterate on one suite.
set -euo pipefail
BUNDLES=$(readlink -f "${1:-$(dirname "$0")/../../build/test-bundles}")
GOLDEN=$(readlink -f "${FINLITE_GOLDEN_DIR:-$(dirname "$0")/../../tests/golden}")
for f in "$BUNDLES/agreement_intent.json" "$BUNDLES/agreement_profile.json" "$BUNDLES/intent/manifest.json" "$BUNDLES/profile/manifest.json" "$BUNDLES/profile_other/manifest.json" "$GOLDEN/text_v1.json" "$GOLDEN/text_fuzz_v1.json" "$GOLDEN/profile_v2.json" "$GOLDEN/state_v1.json"; do
  if [[ ! -f "$f" ]]; then
    echo "test_swift: $f not found (run \`make test-bundles\` first)" >&2
    exit 1
  fi
done
source "$(dirname "$0")/swift_work.sh"

rm -rf "$WORK/bundles" "$WORK/golden" "$WORK/rule-bundles"
mkdir -p "$WORK/bundles" "$WORK/golden"
cp -a "$BUNDLES/intent" "$BUNDLES/profile" "$BUNDLES/profile_other" "$BUNDLES"/agreement_*.json "$WORK/bundles/"
cp "$GOLDEN/text_v1.json" "$GOLDEN/text_fuzz_v1.json" "$GOLDEN/profile_v2.json" "$GOLDEN/state_v1.json" "$WORK/golden/"
cp -r "$GOLDEN/triggers" "$GOLDEN/policy" "$WORK/golden/"
cp "$REPO/examples/triggers/seeds.json" "$WORK/golden/triggers/"
rm -rf "$WORK/examples" && mkdir -p "$WORK/examples"
cp -r "$REPO/examples/triggers" "$REPO/examples/policy" "$WORK/examples/"
# tests/bundles: the rule and signature fixtures (cp -a keeps the symlink case a symlink)
cp -a "$REPO/tests/bundles" "$WORK/rule-bundles"

rm -rf "$WORK/tflite_api_stub" "$WORK/combine_api_stub" "$WORK/app"
cp -a "$HERE/tflite_api_stub" "$HERE/combine_api_stub" "$WORK/"
mkdir -p "$WORK/app" && cp "$IOS/FinliteDemo/DemoModel.swift" "$WORK/app/"

# 1. Type-check FinliteKit with a declaration-only TensorFlowLite module, so that LiteRtModelRunner.swift
#    (compiled only where TensorFlowLite exists) is checked too, and the demo app's DemoModel.swift with it (a
#    declaration-only Combine; the SwiftUI views are not checked here). 2. The XCTests (last line: the summary).
exec "$HERE/in_chroot.sh" "$ROOT" env FILTER="${SWIFT_TEST_FILTER:-}" \
  FINLITE_BUNDLES=/finlite-work/bundles FINLITE_NATIVE_LIBS=/finlite-work/native FINLITE_GOLDEN_DIR=/finlite-work/golden FINLITE_EXAMPLES=/finlite-work/examples FINLITE_RULE_BUNDLES=/finlite-work/rule-bundles \
  bash -c 'set -e
    stub=/finlite-work/tflite_api_stub
    swiftc -parse-as-library -emit-module -module-name TensorFlowLite -emit-module-path "$stub/TensorFlowLite.swiftmodule" "$stub/TensorFlowLite.swift"
    swiftc -typecheck -module-name FinliteKit -I "$stub" -I /finlite-work/pkg/Sources/COpenSSL /finlite-work/pkg/Sources/FinliteKit/*.swift
    echo "type-check with the TensorFlowLite API stub: ok (LiteRtModelRunner.swift included)"
    cstub=/finlite-work/combine_api_stub
    swiftc -parse-as-library -emit-module -module-name Combine -emit-module-path "$cstub/Combine.swiftmodule" "$cstub/Combine.swift"
    swiftc -typecheck -module-name FinliteDemo -I "$stub" -I "$cstub" -I /finlite-work/pkg/Sources/COpenSSL /finlite-work/pkg/Sources/FinliteKit/*.swift /finlite-work/app/DemoModel.swift
    echo "type-check of the demo app'"'"'s DemoModel.swift with FinliteKit (Combine stub): ok"
    cd /finlite-work/pkg && swift test --disable-swift-testing ${FILTER:+--filter "$FILTER"} 2>&1'
