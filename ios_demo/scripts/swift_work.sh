# swift_work.sh: sourced by test_swift.sh and latency_swift.sh. Builds (once) the cached Swift root, takes its
# work lock (one run at a time per cache: they share $WORK), and copies FinliteKit's package and the LiteRT /
# ONNX Runtime libraries (FINLITE_NATIVE_LIBS, default: tests/mobile/native_libs.py's folder, the venv's wheels)
# into $WORK. Only files whose content differs are copied, so SwiftPM (which looks at file times) rebuilds only
# what really changed; SwiftPM's .build stays in $WORK/pkg between runs.
# Sets HERE, IOS, REPO, ROOT, WORK; in the root the package is /finlite-work/pkg, the libraries /finlite-work/native.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IOS=$(dirname "$HERE")
REPO=$(dirname "$IOS")
NATIVE=$(readlink -f "${FINLITE_NATIVE_LIBS:-$("$REPO/.venv/bin/python" "$REPO/tests/mobile/native_libs.py")}")
for f in "$NATIVE/libLiteRt.so" "$NATIVE/libonnxruntime.so"; do
  [[ -f "$f" ]] || { echo "$(basename "$0"): $f not found (run \`make install\`: tests/mobile/native_libs.py copies it from the wheel)" >&2; exit 1; }
done

ROOT=$("$HERE/setup_swift.sh" | tail -n 1)
WORK="$ROOT/finlite-work"
exec 9>"$(dirname "$ROOT")/swift-trixie.work.lock"
flock 9

# Mirrors directory $1 into $2 copying only files whose content differs (and deleting extra ones).
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
cmp -s "$IOS/FinliteKit/Package.swift" "$WORK/pkg/Package.swift" || cp -p "$IOS/FinliteKit/Package.swift" "$WORK/pkg/"
mirror "$IOS/FinliteKit/Sources" "$WORK/pkg/Sources"
mirror "$IOS/FinliteKit/Tests" "$WORK/pkg/Tests"
mirror "$NATIVE" "$WORK/native"
