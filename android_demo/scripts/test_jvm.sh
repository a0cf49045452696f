#!/usr/bin/env bash
# JVM tests of finlite-core and an API 23 compile check of the app, without Gradle or Maven.
#
#   android_demo/scripts/test_jvm.sh [BUNDLES_DIR]      (make test-android; default BUNDLES_DIR: build/test-bundles)
#
# 1. tools: Debian's kotlin (1.3), junit4 and a JDK are installed with apt-get when missing;
# 2. android.jar (API 23) from Debian bullseye's libandroid-23-java, fetched with `apt-get download` through a
#    private apt configuration (no change to the system's sources) and unpacked under
#    ${FINLITE_CACHE:-$HOME/.cache/finlite}/android;
# 3. compiles finlite-core, its tests and the compile check, each only when its inputs changed
#    (stamps in android_demo/build/jvm), then runs every JUnit test with JUnitCore.
set -euo pipefail

DEMO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$DEMO/.." && pwd)"
BUNDLES="${1:-$REPO/build/test-bundles}"
GOLDEN="$REPO/tests/golden"
CACHE="${FINLITE_CACHE:-$HOME/.cache/finlite}/android"
OUT="$DEMO/build/jvm"
CORE="$DEMO/finlite-core"
APP_SRC="$DEMO/app/src/main/kotlin"
# The one app file that uses org.tensorflow.lite (LiteRT is not in android.jar and Maven Central is not
# reachable here): excluded from the compile check, see README.md.
LITERT_FILE="$APP_SRC/com/finlite/demo/LiteRtModelRunner.kt"
JAVA_LIBS=/usr/share/java

log() { printf '[test-android] %s\n' "$*"; }
die() { printf '[test-android] ERROR: %s\n' "$*" >&2; exit 1; }
# kotlinc 1.3 on Java 17: drop the launcher's -Xverify notice and the spurious JDK-15 CharSequence.isEmpty warnings
quiet_kotlinc() { kotlinc "$@" 2>&1 | grep -v -e 'Xverify:none' -e "isEmpty(): Boolean' is deprecated" || true; }

[ -d "$BUNDLES/intent" ] && [ -d "$BUNDLES/profile" ] && [ -d "$BUNDLES/profile_other" ] || die "no bundles in $BUNDLES (run: make test-bundles)"
BUNDLES="$(cd "$BUNDLES" && pwd)"

# --- 1. tools --------------------------------------------------------------------------------------------
apt_install() {
    local SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "need root or sudo to apt-get install $*"
        SUDO=sudo
    fi
    log "installing Debian packages: $*"
    local opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600)
    if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install "${opts[@]}" "$@" >"$OUT/apt-install.log" 2>&1; then
        $SUDO apt-get -q -o DPkg::Lock::Timeout=600 update >>"$OUT/apt-install.log" 2>&1
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install "${opts[@]}" "$@" >>"$OUT/apt-install.log" 2>&1 \
            || die "apt-get install $* failed; see $OUT/apt-install.log"
    fi
}

mkdir -p "$OUT" "$CACHE"
missing=()
command -v kotlinc >/dev/null && [ -f "$JAVA_LIBS/kotlin-stdlib.jar" ] || missing+=(kotlin)
[ -f "$JAVA_LIBS/junit4.jar" ] && [ -f "$JAVA_LIBS/hamcrest-core.jar" ] || missing+=(junit4)
command -v javac >/dev/null || missing+=(default-jdk-headless)
[ -f "$JAVA_LIBS/jna.jar" ] || missing+=(libjna-java)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
STDLIB="$JAVA_LIBS/kotlin-stdlib.jar"
JUNIT="$JAVA_LIBS/junit4.jar:$JAVA_LIBS/hamcrest-core.jar"

# --- 2. android.jar (API 23) -------------------------------------------------------------------------------
ANDROID_JAR="$CACHE/android-23/android.jar"
if [ ! -f "$ANDROID_JAR" ]; then
    log "fetching libandroid-23-java from Debian bullseye (once) into $CACHE"
    APT="$CACHE/apt"
    mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$CACHE/deb"
    rm -f "$CACHE"/deb/*.deb
    echo "deb http://deb.debian.org/debian bullseye main" >"$APT/sources.list"
    apt_opts=(-q -o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o Debug::NoLocking=1)
    apt-get "${apt_opts[@]}" update >"$OUT/apt-bullseye.log" 2>&1 || die "apt-get update (bullseye) failed; see $OUT/apt-bullseye.log"
    (cd "$CACHE/deb" && apt-get "${apt_opts[@]}" download libandroid-23-java >>"$OUT/apt-bullseye.log" 2>&1) \
        || die "apt-get download libandroid-23-java failed; see $OUT/apt-bullseye.log"
    rm -rf "$CACHE/unpacked" && mkdir -p "$CACHE/unpacked" "$CACHE/android-23"
    dpkg-deb -x "$CACHE"/deb/libandroid-23-java_*_all.deb "$CACHE/unpacked"
    cp "$CACHE/unpacked/usr/lib/android-sdk/platforms/android-23/android.jar" "$ANDROID_JAR.tmp"
    mv "$ANDROID_JAR.tmp" "$ANDROID_JAR"
    rm -rf "$CACHE/unpacked" "$APT/lists" "$APT/cache"
fi

# --- 3. compile (only what changed) -------------------------------------------------------------------------
# stamp_ok NAME FILES...: true when the hash of the files (and the tool versions) equals NAME's stamp
TOOLS_ID="kotlin $(dpkg-query -W -f='${Version}' kotlin 2>/dev/null || readlink -f "$(command -v kotlinc)"), $(readlink -f "$(command -v javac)")"
tree_hash() { { echo "$TOOLS_ID"; sha256sum "$@"; } | sha256sum | cut -d' ' -f1; }
stamp_ok() { local name=$1; shift; [ -f "$OUT/$name.stamp" ] && [ "$(cat "$OUT/$name.stamp")" = "$(tree_hash "$@")" ]; }
stamp_write() { local name=$1; shift; tree_hash "$@" >"$OUT/$name.stamp"; }

mapfile -t MAIN_KT < <(find "$CORE/src/main/kotlin" -name '*.kt' | sort)
mapfile -t MAIN_JAVA < <(find "$CORE/src/main/java" -name '*.java' | sort)
mapfile -t TEST_KT < <(find "$CORE/src/test/kotlin" -name '*.kt' | sort)
mapfile -t APP_KT < <(find "$APP_SRC" -name '*.kt' ! -path "$LITERT_FILE" | sort)
# the app files without Android imports (the synthetic event log; the pipelines are finlite-core's) and their JVM tests
mapfile -t APP_PURE_KT < <(grep -L -e '^import android\.' -e 'org\.tensorflow' "${APP_KT[@]}" | sort)
mapfile -t APP_TEST_KT < <(find "$DEMO/app/src/test/kotlin" -name '*.kt' | sort)

if ! stamp_ok core "${MAIN_KT[@]}" "${MAIN_JAVA[@]}"; then
    log "compiling finlite-core (${#MAIN_KT[@]} Kotlin + ${#MAIN_JAVA[@]} Java files)"
    rm -rf "$OUT/core" && mkdir -p "$OUT/core"
    quiet_kotlinc -jvm-target 1.8 -d "$OUT/core" "$CORE/src/main/kotlin" "$CORE/src/main/java"
    javac -nowarn -source 8 -target 8 -Xlint:-options -cp "$OUT/core:$STDLIB" -d "$OUT/core" "${MAIN_JAVA[@]}"
    [ -f "$OUT/core/com/finlite/core/text/TextEncoder.class" ] || die "finlite-core did not compile"
    stamp_write core "${MAIN_KT[@]}" "${MAIN_JAVA[@]}"
fi

# The app's Kotlin + finlite-core against android.jar alone (-no-jdk): Java APIs newer than API 23
# (java.time, Matcher.group(String), String.join, streams, AutoCloseable.use, ...) and Android API misuse fail.
android_check() {
    rm -rf "$OUT/android" && mkdir -p "$OUT/android"
    javac -nowarn -source 8 -target 8 -Xlint:-options -bootclasspath "$ANDROID_JAR" -d "$OUT/android" "${MAIN_JAVA[@]}" \
        || { echo "error: finlite-core's Java does not compile against android.jar"; return 1; }
    kotlinc -no-jdk -no-reflect -jvm-target 1.8 -cp "$ANDROID_JAR:$OUT/android" -d "$OUT/android" \
        "$CORE/src/main/kotlin" "${APP_KT[@]}" 2>&1 | grep -v -e 'Xverify:none' -e "isEmpty(): Boolean' is deprecated" || true
    [ -f "$OUT/android/com/finlite/demo/MainActivity.class" ]
}

ANDROID_INPUTS=("${MAIN_KT[@]}" "${MAIN_JAVA[@]}" "${APP_KT[@]}" "$ANDROID_JAR")
android_pid=""
if ! stamp_ok android "${ANDROID_INPUTS[@]}"; then
    log "compile check against android.jar (API 23): finlite-core + app (${#APP_KT[@]} files; not $(basename "$LITERT_FILE")), in the background"
    android_check >"$OUT/android-check.log" 2>&1 &
    android_pid=$!
fi

TEST_INPUTS=("${MAIN_KT[@]}" "${MAIN_JAVA[@]}" "${TEST_KT[@]}" "${APP_PURE_KT[@]}" "${APP_TEST_KT[@]}")
if ! stamp_ok test "${TEST_INPUTS[@]}"; then
    log "compiling the tests: finlite-core (${#TEST_KT[@]} files), app (${#APP_PURE_KT[@]} + ${#APP_TEST_KT[@]} files)"
    rm -rf "$OUT/test" && mkdir -p "$OUT/test"
    quiet_kotlinc -jvm-target 1.8 -cp "$OUT/core:$JUNIT" -d "$OUT/test" "$CORE/src/test/kotlin" "${APP_PURE_KT[@]}" "${APP_TEST_KT[@]}"
    ls "$OUT"/test/com/finlite/core/*Test.class "$OUT"/test/com/finlite/demo/*Test.class >/dev/null 2>&1 || die "the tests did not compile"
    stamp_write test "${TEST_INPUTS[@]}"
fi

# finlite-jvm: the LiteRT / ONNX Runtime C-API runners (JNA) and their tests, against the libraries of the
# venv's ai-edge-litert and onnxruntime wheels (cached by tests/mobile/native_libs.py)
NATIVE_SRC="$DEMO/finlite-jvm/src"
NATIVE_LIBS="${FINLITE_NATIVE_LIBS:-$("$REPO/.venv/bin/python" "$REPO/tests/mobile/native_libs.py")}"
JNA="$JAVA_LIBS/jna.jar"
mapfile -t NATIVE_KT < <(find "$NATIVE_SRC" -name '*.kt' | sort)
if ! stamp_ok native "${TEST_INPUTS[@]}" "${NATIVE_KT[@]}"; then
    log "compiling finlite-jvm (native runners, ${#NATIVE_KT[@]} files)"
    rm -rf "$OUT/native" && mkdir -p "$OUT/native"
    quiet_kotlinc -jvm-target 1.8 -cp "$OUT/core:$OUT/test:$JUNIT:$JNA" -d "$OUT/native" "$NATIVE_SRC/main/kotlin" "$NATIVE_SRC/test/kotlin"
    ls "$OUT"/native/com/finlite/jvm/*Test.class >/dev/null 2>&1 || die "finlite-jvm did not compile"
    stamp_write native "${TEST_INPUTS[@]}" "${NATIVE_KT[@]}"
fi

if [ -n "$android_pid" ]; then
    ok=0
    wait "$android_pid" || ok=$?
    grep -E 'error:|warning:' -A2 "$OUT/android-check.log" || true
    if [ $ok -ne 0 ] || grep -q 'error:' "$OUT/android-check.log"; then
        die "the app does not compile against android.jar (API 23); see above ($OUT/android-check.log)"
    fi
    stamp_write android "${ANDROID_INPUTS[@]}"
fi
log "compile check against android.jar (API 23): OK"

# --- 4. run the tests -----------------------------------------------------------------------------------------
# The native-runner tests (finlite-jvm) run by default (FINLITE_NATIVE_TESTS=0 skips them). The CI crash inside JNA
# (Native._getPointer, SIGSEGV) was OrtNative not holding its weakly cached NativeLibrary, which JNA's cleaner
# dlcloses after a GC (docs/native_runners.md, "Native memory lifetime"; NativeLifetimeTest).
TEST_DIRS=("$OUT/test")
[ "${FINLITE_NATIVE_TESTS:-1}" = 1 ] && TEST_DIRS+=("$OUT/native")
mapfile -t CLASSES < <(for d in "${TEST_DIRS[@]}"; do (cd "$d" && find . -name '*Test.class' ! -name '*$*'); done | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort)
log "running ${#CLASSES[@]} test classes against $BUNDLES"
java -Dfinlite.bundles="$BUNDLES" -Dfinlite.golden="$GOLDEN" -Dfinlite.native="$NATIVE_LIBS" \
    -cp "$OUT/test:$OUT/native:$OUT/core:$STDLIB:$JUNIT:$JNA" org.junit.runner.JUnitCore "${CLASSES[@]}"
