#!/usr/bin/env python3
"""Latency of a .tflite artifact on a real phone or an Android emulator, with TensorFlow Lite's
``benchmark_model``, in the ``finlite bench`` JSON schema (``finlite.bench/1``).

    python benchmarks/device/tflite_android.py runs/quickstart/bundles/intent/model.int8.tflite \
        --benchmark-model ~/Downloads/android_aarch64_benchmark_model --taskset f0 --out device.json

Steps: ``adb push`` the tool and the artifact to ``--remote-dir``, run
``taskset MASK benchmark_model --graph=… --num_threads=N --warmup_runs=W --num_runs=R
--report_peak_memory_footprint=true`` (pinned to the cores of the mask: the big cores, e.g. ``f0`` on
a 4+4 phone, ``c0`` on a 6+2), parse its summary (init time, first/warm-up/average/std inference,
memory) and write one row. Fields the tool does not print (p90, p99) are null; p50 is its median
when it prints one (newer builds: ``p5= median= p95=``). ``--parse FILE`` parses saved output
without a device. Only the standard library is used (runs from a checkout without finlite installed).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

SCHEMA = "finlite.bench/1"
ROW_FIELDS = ("artifact", "runtime", "precision", "threads", "init_ms", "p50_ms", "p90_ms", "p99_ms", "mean_ms", "runs", "peak_mem_mb", "size_bytes")

# Line formats printed by tensorflow/lite/tools/benchmark/benchmark_model.cc (BenchmarkModel::Run and
# BenchmarkLoggingListener::OnBenchmarkEnd); lines may carry a log prefix ("INFO: ", "I tflite  : ").
_NUM = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
STAT_RE = re.compile(
    rf"count={_NUM}(?: first={_NUM})? curr={_NUM}(?: min={_NUM} max={_NUM} avg={_NUM} std={_NUM})?"
    rf"(?: p5={_NUM} median={_NUM} p95={_NUM})?"
)
TIMINGS_RE = re.compile(
    rf"Inference timings in us: Init: {_NUM}, First inference: {_NUM}, Warmup \(avg\): {_NUM}, Inference \(avg\): {_NUM}"
)
MEM_DELTA_RE = re.compile(rf"Memory footprint delta from the start of the tool \(MB\): init={_NUM} overall={_NUM}")
MEM_PEAK_RE = re.compile(rf"Peak memory footprint \(MB\): init={_NUM} overall={_NUM}")
MEM_MONITOR_RE = re.compile(rf"Overall peak memory footprint \(MB\) via periodic monitoring: {_NUM}")
MODEL_SIZE_RE = re.compile(rf"The input model file size \(MB\): {_NUM}")
THREADS_RE = re.compile(r"(?:Num threads|#threads used for CPU inference): \[(-?\d+)\]")
XNNPACK_RE = re.compile(r"Created TensorFlow Lite XNNPACK delegate|XNNPACK delegate created|Explicitly applied XNNPACK delegate")


class DeviceBenchError(Exception):
    """adb or benchmark_model failed, or its output has no summary."""


def parse_benchmark_output(text: str) -> dict:
    """The numbers of one ``benchmark_model`` run (times in ms, memory in MB; missing ones None).

    The regular run's statistics line is the last ``count=`` line with ``avg=`` before the
    "Inference timings" summary (the first such line is the warm-up)."""
    timings = TIMINGS_RE.search(text)
    if timings is None:
        raise DeviceBenchError("no 'Inference timings in us' line in the benchmark_model output (did the run fail?)")
    init_us, first_us, warmup_avg_us, avg_us = (float(g) for g in timings.groups())

    def ms(us: str | float) -> float:
        return round(float(us) / 1e3, 6)

    stats = [m for m in STAT_RE.finditer(text[: timings.start()]) if m.group(6) is not None]
    regular = stats[-1] if stats else None
    out: dict = {
        "init_ms": ms(init_us),
        "first_ms": ms(first_us),
        "warmup_avg_ms": ms(warmup_avg_us),
        "mean_ms": ms(avg_us),
        "runs": None,
        "min_ms": None,
        "max_ms": None,
        "std_ms": None,
        "p50_ms": None,
        "p5_ms": None,
        "p95_ms": None,
        "peak_mem_mb": None,
        "init_mem_mb": None,
        "mem_source": None,
        "model_size_mb": None,
        "threads": None,
        "xnnpack": bool(XNNPACK_RE.search(text)),
    }
    if regular is not None:
        g = regular.groups()
        out.update(runs=int(float(g[0])), min_ms=ms(g[3]), max_ms=ms(g[4]), std_ms=ms(g[6]))
        if g[8] is not None:
            out.update(p5_ms=ms(g[7]), p50_ms=ms(g[8]), p95_ms=ms(g[9]))
    if m := MEM_MONITOR_RE.search(text):
        out.update(peak_mem_mb=float(m.group(1)), mem_source="periodic monitoring peak")
    if m := MEM_PEAK_RE.search(text):
        out["init_mem_mb"] = float(m.group(1))
        if out["peak_mem_mb"] is None:
            out.update(peak_mem_mb=float(m.group(2)), mem_source="peak footprint")
    if m := MEM_DELTA_RE.search(text):
        out["init_mem_mb"] = float(m.group(1))
        if out["peak_mem_mb"] is None:
            out.update(peak_mem_mb=float(m.group(2)), mem_source="footprint delta from tool start")
    if m := MODEL_SIZE_RE.search(text):
        out["model_size_mb"] = float(m.group(1))
    if m := THREADS_RE.search(text):
        out["threads"] = int(m.group(1))
    return out


def precision_of(artifact: Path) -> str:
    """finlite's artifact names: ``model.int8.tflite`` → int8, ``model.tflite`` → fp32."""
    return "int8" if ".int8." in artifact.name else ("fp16" if ".fp16." in artifact.name else "fp32")


def to_row(parsed: dict, artifact: Path, threads: int, size_bytes: int | None) -> dict:
    """One ``finlite.bench/1`` row; the extra keys (std, first, warm-up, min/max, p5/p95) follow the schema's."""
    row = {
        "artifact": artifact.name,
        "runtime": "litert (benchmark_model)",
        "precision": precision_of(artifact),
        "threads": parsed["threads"] if parsed["threads"] not in (None, -1) else threads,
        "init_ms": parsed["init_ms"],
        "p50_ms": parsed["p50_ms"],
        "p90_ms": None,
        "p99_ms": None,
        "mean_ms": parsed["mean_ms"],
        "runs": parsed["runs"],
        "peak_mem_mb": parsed["peak_mem_mb"],
        "size_bytes": size_bytes,
    }
    extra = {k: parsed[k] for k in ("std_ms", "first_ms", "warmup_avg_ms", "min_ms", "max_ms", "p5_ms", "p95_ms", "init_mem_mb", "mem_source", "xnnpack")}
    return {**row, **extra}


def _adb(serial: str | None, *args: str, timeout: float = 600) -> str:
    cmd = ["adb", *(["-s", serial] if serial else []), *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise DeviceBenchError("adb not found on PATH (install Android platform-tools)") from None
    except subprocess.TimeoutExpired:
        raise DeviceBenchError(f"`{' '.join(cmd)}` timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise DeviceBenchError(f"`{' '.join(cmd)}` failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1:] or ['?']}")
    return proc.stdout + proc.stderr


def device_info(serial: str | None) -> dict:
    """Model, SoC, ABI and Android version from getprop."""
    props = {}
    for key in ("ro.product.model", "ro.product.manufacturer", "ro.soc.model", "ro.board.platform", "ro.product.cpu.abi", "ro.build.version.release"):
        props[key] = _adb(serial, "shell", "getprop", key).strip() or None
    return props


def run_on_device(args: argparse.Namespace) -> str:
    """Push and run; the tool's combined output."""
    tool, artifact = Path(args.benchmark_model), Path(args.artifact)
    if not tool.is_file():
        raise DeviceBenchError(f"benchmark_model binary {tool} does not exist")
    remote = args.remote_dir.rstrip("/")
    _adb(args.serial, "shell", "mkdir", "-p", remote)
    _adb(args.serial, "push", str(tool), f"{remote}/benchmark_model")
    _adb(args.serial, "push", str(artifact), f"{remote}/{artifact.name}")
    _adb(args.serial, "shell", "chmod", "755", f"{remote}/benchmark_model")
    flags = [
        f"--graph={remote}/{artifact.name}",
        f"--num_threads={args.threads}",
        f"--warmup_runs={args.warmup_runs}",
        f"--num_runs={args.num_runs}",
        "--report_peak_memory_footprint=true",
        *args.extra,
    ]
    command = " ".join(shlex.quote(c) for c in (["taskset", args.taskset] if args.taskset else []) + [f"{remote}/benchmark_model", *flags])
    print(f"[device] adb shell {command}", file=sys.stderr)
    return _adb(args.serial, "shell", command, timeout=args.timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact", help=".tflite file (e.g. a bundle's model.int8.tflite)")
    parser.add_argument("--benchmark-model", help="host path of TFLite's benchmark_model built for the device (android_aarch64)")
    parser.add_argument("--serial", help="adb device serial (default: the only device)")
    parser.add_argument("--taskset", default="f0", help="CPU affinity mask of the big cores (hex, default f0; '' for none)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup-runs", type=int, default=10)
    parser.add_argument("--num-runs", type=int, default=100)
    parser.add_argument("--remote-dir", default="/data/local/tmp/finlite")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--parse", type=Path, metavar="FILE", help="parse saved benchmark_model output instead of running")
    parser.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
    parser.add_argument("extra", nargs="*", help="more benchmark_model flags after --, e.g. -- --use_xnnpack=true")
    args = parser.parse_args(argv)
    artifact = Path(args.artifact)
    try:
        if args.parse is not None:
            text = args.parse.read_text(encoding="utf-8", errors="replace")
            machine = {"source": str(args.parse)}
            command = f"parsed {args.parse}"
        else:
            if not args.benchmark_model:
                raise DeviceBenchError("--benchmark-model PATH is required unless --parse FILE is given")
            if shutil.which("adb") is None:
                raise DeviceBenchError("adb not found on PATH (install Android platform-tools)")
            if not artifact.is_file():
                raise DeviceBenchError(f"artifact {artifact} does not exist")
            machine = {"device": device_info(args.serial), "taskset": args.taskset or None, "host": platform.node()}
            text = run_on_device(args)
            command = " ".join(shlex.quote(a) for a in sys.argv)
        parsed = parse_benchmark_output(text)
    except (DeviceBenchError, OSError) as err:
        print(f"tflite_android: {err}", file=sys.stderr)
        return 2
    size = artifact.stat().st_size if artifact.is_file() else None
    doc = {"schema": SCHEMA, "machine": machine, "command": command, "rows": [to_row(parsed, artifact, args.threads, size)]}
    text_out = json.dumps(doc, indent=1) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text_out)
    else:
        sys.stdout.write(text_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
