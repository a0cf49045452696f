"""Budgets of the streaming profile state (docs/state.md): bytes per user, time per update, and a re-score split
into encoding and inference — in Python and on the JVM (Kotlin, ONNX Runtime through the C API), same bundle, one run.

    .venv/bin/python benchmarks/state_budget.py [--bundle build/test-bundles/profile] [--updates 1000000] [--rescores 2000]

Needs `make test-android` (it compiles android_demo/build/jvm). Writes benchmarks/results/state.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests" / "mobile"))


def python_budget(bundle_dir: Path, updates: int, rescores: int) -> dict:
    from finlite.realtime.profile_state import EventValues, ProfileState
    from finlite.runtime.bundle import Bundle

    bundle = Bundle(bundle_dir)
    state = ProfileState.for_bundle(bundle)
    spec, rng = state.spec, np.random.default_rng(0)
    cats = [tuple(int(2 + rng.integers(len(f.values))) for f in spec.schema.event_categoricals) for _ in range(4096)]
    nums = [tuple(float(np.float32(rng.integers(5000))) for _ in spec.schema.event_numerics) for _ in range(4096)]
    start_ts = 1_700_000_000_000
    for i in range(spec.max_events):
        state.update(EventValues(start_ts + i * 60_000, cats[i], nums[i]))
    n = min(updates, 200_000)
    t = time.perf_counter()
    for i in range(n):
        state.update(EventValues(start_ts + (spec.max_events + i) * 60_000, cats[i & 4095], nums[i & 4095]))
    update_ns = (time.perf_counter() - t) / n * 1e9
    as_of = start_ts + (spec.max_events + n) * 60_000
    runner = bundle.runner(bundle.artifact("onnx", "fp32")["file"])
    encode, infer = [], []
    for _ in range(rescores):
        t0 = time.perf_counter()
        x = state.inputs(as_of)
        t1 = time.perf_counter()
        runner.run(*x.as_tuple())
        encode.append(t1 - t0)
        infer.append(time.perf_counter() - t1)
    return {"update_ns": update_ns, "state_bytes": len(state.to_bytes()), "encode_us": float(np.median(encode)) * 1e6,
            "inference_us": float(np.median(infer)) * 1e6, "max_events": spec.max_events, "updates_timed": n}


def main() -> None:
    from native_latency import jvm_bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "build" / "test-bundles" / "profile")
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--rescores", type=int, default=2000)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    py = python_budget(args.bundle, args.updates, args.rescores)
    (kt,) = jvm_bench("com.finlite.jvm.StateBudgetMainKt", str(args.bundle), str(args.updates), str(args.rescores))
    doc = {"command": f"python benchmarks/state_budget.py --updates {args.updates} --rescores {args.rescores}", "bundle": str(args.bundle.relative_to(REPO)),
           "machine": f"{os.uname().machine}, {os.cpu_count()} cores", "load_1min_before": load, "load_1min_after": os.getloadavg()[0],
           "python": py, "kotlin_jvm": kt, "budgets": {"state_bytes": 16 * 1024, "kotlin_update_ns": 5000}}
    results = REPO / "benchmarks" / "results"
    (results / "state.json").write_text(json.dumps(doc, indent=2) + "\n")
    ok = lambda good: "met" if good else "NOT met"  # noqa: E731
    lines = ["# Streaming profile state: budgets", "",
             f"`{doc['command']}` on {doc['machine']}, bundle `{doc['bundle']}` ({py['max_events']}-event window); 1-min load "
             f"{load:.1f} before, {doc['load_1min_after']:.1f} after. Updates: a full window, events in order (and, JVM, late by half a window); "
             "re-score: median of the calls, encoding = `inputs(as_of)`, inference = ONNX Runtime fp32, batch 1, 1 thread.", "",
             "| | Python (reference) | Kotlin on the JVM | budget |", "|---|---:|---:|---|",
             f"| state of a full window (no attribute row; one adds 4 B per field, 1 B per multi value) | {py['state_bytes']:,} B | {kt['state_bytes']:,} B | ≤ 16 KB: {ok(max(py['state_bytes'], kt['state_bytes']) <= 16 * 1024)} |",
             f"| `update`, in order | {py['update_ns'] / 1000:.2f} µs | {kt['update_ns'] / 1000:.3f} µs | JVM ≤ 5 µs: {ok(kt['update_ns'] <= 5000)} |",
             f"| `update`, late by half a window | – | {kt['late_update_ns'] / 1000:.3f} µs | |",
             f"| re-score: encoding | {py['encode_us']:.0f} µs | {kt['encode_us']:.0f} µs | |",
             f"| re-score: inference | {py['inference_us']:.0f} µs | {kt['inference_us']:.0f} µs | |"]
    (results / "state.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
