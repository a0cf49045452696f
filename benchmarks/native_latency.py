"""Per-inference latency through the C APIs from Kotlin (JNA) and Swift (dlopen) vs the Python bindings, same
artifacts, one run.

    .venv/bin/python benchmarks/native_latency.py [--runs 2000] [BUNDLE ...]   (default: build/test-bundles/{intent,profile})

Needs `make test-android` to have compiled android_demo/build/jvm (core + native); compiles the bench main. Swift:
ios_demo/scripts/latency_swift.sh (root; the cached Swift root, a release build of finlite-latency). Writes
benchmarks/results/native_latency.{json,md}: median / p90 µs per call, batch 1, one thread, zero-filled inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "mobile"))


def python_latency(bundle: Path, runs: int) -> list[dict]:
    from ai_edge_litert.interpreter import Interpreter
    import onnxruntime as ort

    manifest = json.loads((bundle / "manifest.json").read_text())
    rows = []
    for art in manifest["artifacts"]:
        feeds = [np.zeros([1, *s["shape"][1:]], np.int32 if s["dtype"] == "int32" else np.float32) for s in art["inputs"]]
        if art["format"] == "tflite":
            it = Interpreter(model_path=str(bundle / art["file"]), num_threads=1)
            it.allocate_tensors()
            details = {d["name"]: d["index"] for d in it.get_input_details()}
            out = it.get_output_details()[0]["index"]

            def call():
                for s, x in zip(art["inputs"], feeds):
                    it.set_tensor(details[s["name"]], x)
                it.invoke()
                return it.get_tensor(out)
        else:
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            sess = ort.InferenceSession(str(bundle / art["file"]), opts, providers=["CPUExecutionProvider"])
            feed = {s["name"]: x for s, x in zip(art["inputs"], feeds)}

            def call():
                return sess.run(None, feed)[0]
        for _ in range(200):
            call()
        times = []
        for _ in range(runs):
            t = time.perf_counter_ns()
            call()
            times.append(time.perf_counter_ns() - t)
        times.sort()
        rows.append({"task": manifest["task"], "file": art["file"], "median_us": times[runs // 2] / 1000, "p90_us": times[runs * 9 // 10] / 1000})
    return rows


def jvm_bench(main_class: str, *args: str) -> list[dict]:
    """Compile android_demo/finlite-jvm/src/bench and run ``main_class`` with the native libraries' folder and
    ``args``; the JSON lines it prints. Needs `make test-android` to have compiled android_demo/build/jvm."""
    from native_libs import native_dir

    jvm = REPO / "android_demo" / "build" / "jvm"
    java = Path("/usr/share/java")
    cp = ":".join(str(p) for p in [jvm / "bench", jvm / "native", jvm / "core", java / "kotlin-stdlib.jar", java / "jna.jar"])
    if not (jvm / "native").is_dir():
        raise SystemExit("run `make test-android` first (it compiles android_demo/build/jvm/native)")
    src = REPO / "android_demo" / "finlite-jvm" / "src" / "bench" / "kotlin"
    subprocess.run(["kotlinc", "-jvm-target", "1.8", "-cp", cp, "-d", str(jvm / "bench"), str(src)], check=True, capture_output=True)
    out = subprocess.run(["java", "-cp", cp, main_class, str(native_dir()), *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def kotlin_latency(bundles: list[Path], runs: int) -> list[dict]:
    return jvm_bench("com.finlite.jvm.LatencyMainKt", str(runs), *map(str, bundles))


def swift_latency(bundles: list[Path], runs: int) -> list[dict]:
    """FinliteKit's finlite-latency in the Swift root (ios_demo/scripts/latency_swift.sh): one JSON line per artifact."""
    script = REPO / "ios_demo" / "scripts" / "latency_swift.sh"
    out = subprocess.run([str(script), str(runs), *map(str, bundles)], check=True, stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="*", type=Path, default=[REPO / "build/test-bundles/intent", REPO / "build/test-bundles/profile"])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    py = [r for b in args.bundles for r in python_latency(b, args.runs)]
    kt = kotlin_latency(args.bundles, args.runs)
    sw = swift_latency(args.bundles, args.runs)
    if not [(r["task"], r["file"]) for r in py] == [(r["task"], r["file"]) for r in kt] == [(r["task"], r["file"]) for r in sw]:
        raise SystemExit("native_latency: Python, Kotlin and Swift timed different artifacts")
    rows = [{"task": p["task"], "file": p["file"], "python_median_us": p["median_us"], "kotlin_c_api_median_us": k["median_us"],
             "swift_c_api_median_us": w["median_us"], "python_p90_us": p["p90_us"], "kotlin_c_api_p90_us": k["p90_us"],
             "swift_c_api_p90_us": w["p90_us"]} for p, k, w in zip(py, kt, sw)]
    load_after = os.getloadavg()[0]
    results = REPO / "benchmarks" / "results"
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    meta = {"command": "python benchmarks/native_latency.py --runs %d" % args.runs, "load_1min_before": load, "load_1min_after": load_after,
            "machine": os.uname().machine, "cpu": cpu, "cores": os.cpu_count(), "runs": args.runs, "rows": rows}
    (results / "native_latency.json").write_text(json.dumps(meta, indent=2) + "\n")
    lines = ["# C API from Kotlin (JNA) and Swift (dlopen) vs Python bindings: per-inference latency, batch 1, 1 thread", "",
             f"`{meta['command']}` on {meta['machine']} ({cpu}), {meta['cores']} cores, 1-min load {load:.1f} before and {load_after:.1f} after the run; "
             f"median (p90) µs over {args.runs} calls; ratios = median / Python's median. Python and Kotlin time the TFLite models through "
             "LiteRT's Interpreter / CompiledModel respectively, Swift through CompiledModel (the C API).", "",
             "| bundle | artifact | Python binding | Kotlin → C API | Swift → C API | Kotlin / Python | Swift / Python |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        py_us = r["python_median_us"]
        lines.append(f"| {r['task']} | {r['file']} | {py_us:.1f} ({r['python_p90_us']:.1f}) | {r['kotlin_c_api_median_us']:.1f} ({r['kotlin_c_api_p90_us']:.1f}) | "
                     f"{r['swift_c_api_median_us']:.1f} ({r['swift_c_api_p90_us']:.1f}) | {r['kotlin_c_api_median_us'] / py_us:.2f} | {r['swift_c_api_median_us'] / py_us:.2f} |")
    (results / "native_latency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
