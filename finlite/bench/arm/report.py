"""Results of ``finlite bench --arm``: JSON (schema ``finlite.bench.arm/1``) and Markdown.

Every number is an EMULATED instruction count (qemu-user TCG, guest aarch64 instructions executed
between the guest's markers), not a latency: it ignores caches, pipelines and memory stalls, and the
A53/A76 profiles differ only in the ISA features the runtimes detect (e.g. dot product on the A76).
"""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path

SCHEMA = "finlite.bench.arm/1"
LABEL = "Emulated aarch64 instruction counts (qemu-user TCG) — not latency"


def model_name(bundle: Path) -> str | None:
    """The manifest's ``model.name`` (part of a result row's key)."""
    return json.loads((bundle / "manifest.json").read_text()).get("model", {}).get("name")


def macs_of(bundle: Path, runs: list[Path] | None = None) -> tuple[int | None, str]:
    """MACs per inference: the manifest's ``model.macs``; else measured with
    :func:`finlite.models.complexity.count_macs` on the ``--run`` directory whose model matches."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    model = manifest.get("model", {})
    if model.get("macs"):
        return int(model["macs"]), "manifest"
    for run in runs or []:
        info_path = Path(run) / "run.json"  # finlite.training.checkpoint.RUN_INFO
        if not info_path.is_file() or json.loads(info_path.read_text()).get("model") != model.get("name"):
            continue
        import numpy as np
        import torch

        from ...models.complexity import count_macs
        from ...training.checkpoint import load_run

        net, _ = load_run(Path(run))
        golden = json.loads((bundle / manifest["golden_file"]).read_text())
        specs = golden["inputs"] if "inputs" in golden else [golden["input"]]
        example = golden["examples"][0]
        source = example["inputs"] if "inputs" in example else example
        sample = [torch.from_numpy(np.asarray(source[s["name"]], dtype=s["dtype"])[None]) for s in specs]
        return count_macs(net, *sample), f"count_macs({run})"
    return None, "unknown (manifest has no model.macs; pass --run RUN_DIR)"


def qemu_version(qemu: str) -> str:
    try:
        return subprocess.run([qemu, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def build_results(rows: list[dict], repeats: list[list[dict]], command: str, env_info: dict) -> dict:
    """The results document. ``repeats``: the rows of every repetition (the first is ``rows``)."""
    def key(r: dict) -> tuple:
        return (r.get("bundle_path", r["bundle"]), r["artifact"], r["cpu"], r.get("binding", "python"))

    for row in rows:
        counts = []
        for rep in repeats:
            match = next((r for r in rep if key(r) == key(row)), None)
            counts.append(None if match is None else match.get("insns_per_inference"))
        row["repeat_counts"] = counts
        row["deterministic"] = len(counts) > 1 and None not in counts and len(set(counts)) == 1
        if row.get("macs") and row.get("insns_per_inference"):
            row["insns_per_mac"] = round(row["insns_per_inference"] / row["macs"], 3)
    return {
        "schema": SCHEMA,
        "label": LABEL,
        "machine": {"host": platform.machine(), "host_python": platform.python_version(), **env_info},
        "command": command,
        "repeats": len(repeats),
        "rows": rows,
    }


def _fmt_int(n) -> str:
    return "—" if n is None else f"{n:,}"


def markdown(results: dict) -> str:
    """The Markdown report (one table, rows grouped by bundle)."""
    m = results["machine"]
    lines = [
        f"# {results['label']}",
        "",
        "Guest aarch64 instructions executed per batch-1 inference, counted by a QEMU TCG plugin between markers "
        "the guest emits, marker cost subtracted. Binding `c`: the C-API harness (capi/finlite_capi.c) calls the "
        "runtime as the apps' runners do (LiteRT CompiledModel: copy in, run, read out; ONNX Runtime: Run); "
        "binding `python`: the count includes the Python binding (set_tensor/invoke/get_tensor or session.run). "
        "Deterministic (fixed environment, PYTHONHASHSEED=0, `setarch -R`, "
        "`qemu -R`, a call-counting guest clock, one warm-up pass: identical run to run with the same cache and "
        "bundle paths, within ~0.1% elsewhere); comparable between commits, **not a latency**: no caches, "
        "pipelines or memory stalls are modelled. CPU profiles differ in the ISA features the runtimes see "
        "(A76: dot product, fp16, LSE). See docs/arm.md.",
        "",
        f"- command: `{results['command']}`",
        f"- emulator: {m.get('qemu', '?')}; guest: Debian {m.get('suite', '?')} Python {m.get('guest_python', '?')}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(m.get("packages", {}).items())),
        f"- repetitions: {results['repeats']} (counts of every repetition in the last column)",
        "",
        "| bundle (model) | artifact | runtime | precision | CPU | binding | insns / inference | MACs | insns / MAC | parity (max Δ ≤ tol) | XNNPACK | repeat counts |",
        "|---|---|---|---|---|---|---:|---:|---:|---|---|---|",
    ]
    for r in results["rows"]:
        if r.get("error"):
            lines.append(f"| {r['bundle']} | {r['artifact']} | | | {r['cpu']} | {r.get('binding', 'python')} | error: {r['error']} | | | | | |")
            continue
        p = r["parity"]
        parity = f"{'pass' if p['passed'] else 'FAIL'} ({p['max_abs_diff']:.2e} ≤ {p['tolerance']:g})"
        ev = r.get("evidence", {})
        if r["format"] == "tflite":
            nodes = f" ({ev['delegate_nodes']} partitions)" if "delegate_nodes" in ev else " (log line)"
            xnn = f"yes{nodes}" if ev.get("xnnpack") else "NO"
        else:
            xnn = "n/a (CPU EP, MLAS)"
        reps = r.get("repeat_counts") or []
        same = "identical" if r.get("deterministic") else ("single run" if len(reps) <= 1 else "DIFFER")
        lines.append(
            f"| {r['bundle']} ({r.get('model') or '?'}) | {r['artifact']} | {r['runtime']} | {r['precision']} | {r['qemu_cpu']} | {r.get('binding', 'python')} | "
            f"{_fmt_int(r['insns_per_inference'])} | {_fmt_int(r.get('macs'))} | {r.get('insns_per_mac', '—')} | {parity} | {xnn} | "
            f"{same}: {', '.join(_fmt_int(c) for c in reps)} |"
        )
    lines += [
        "",
        "XNNPACK: the run's log has “Created TensorFlow Lite XNNPACK delegate for CPU” and (Python binding) the "
        "interpreter lists DELEGATE nodes. onnxruntime's aarch64 wheel has no XNNPACK provider; it runs its CPU provider.",
        "",
    ]
    return "\n".join(lines)


def write_results(results: dict, json_path: Path, md_path: Path | None) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    if md_path is not None:
        md_path.parent.mkdir(parents=True, exist_ok=True)
        md_path.write_text(markdown(results))
