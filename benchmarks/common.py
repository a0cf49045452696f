"""Shared helpers of the benchmark suites (blocks, pareto, runtimes).

Trained runs are cached under ``build/bench-runs/<key>`` (key: model + training settings + data), so
``pareto`` reuses what ``blocks`` trained. Every suite writes ``benchmarks/results/<name>.json`` and
``.md`` with the machine description and the exact command.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from finlite.bench.harness import Target, run_targets
from finlite.bench.machine import describe_machine, machine_line
from finlite.bench.sessions import InProcessSession, litert_loader, onnxruntime_loader, quiet_thread_pools

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CACHE = ROOT / "build" / "bench-runs"
BANKING77 = ROOT.parent / "shared" / "data" / "banking77"  # ../shared beside the checkout, as the tests read it


def log(message: str) -> None:
    print(message, flush=True)


def command() -> str:
    return shlex.join(["python", *sys.argv])


def banking77() -> tuple[Path, Path] | None:
    """(train.csv, test.csv) of BANKING77 when present (read in place, never copied into the repo)."""
    train, test = BANKING77 / "train.csv", BANKING77 / "test.csv"
    if train.is_file() and test.is_file():
        return train, test
    log(f"BANKING77 not found at {BANKING77}/{{train,test}}.csv: skipping the BANKING77 part")
    return None


def subsample_csv(path: Path, per_label: int, out: Path, seed: int = 0) -> Path:
    """At most ``per_label`` rows per label of a text,label CSV (stratified, seeded) at ``out``."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    label_key = next(k for k in ("label", "intent", "category") if k in rows[0])
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[dict]] = {}
    for row in rows:
        by_label.setdefault(row[label_key], []).append(row)
    kept = []
    for label in sorted(by_label):
        group = by_label[label]
        kept += [group[i] for i in sorted(rng.permutation(len(group))[:per_label])]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return out


def cached_run(key: dict, train: Callable[[Path], dict]) -> tuple[Path, dict]:
    """Run ``train(run_dir)`` once per ``key``; (run_dir, metrics) from the cache afterwards."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    run_dir = CACHE / f"{key.get('model', 'run')}-{digest}"
    metrics_path = run_dir / "metrics.json"
    if metrics_path.is_file() and (run_dir / "model.pt").is_file():
        log(f"  reusing {run_dir.relative_to(ROOT)}")
        return run_dir, json.loads(metrics_path.read_text(encoding="utf-8"))
    return run_dir, train(run_dir)


def seconds_per_epoch(metrics: dict) -> float:
    train = metrics["train"]
    return float(train["seconds"]) / max(1, len(train["history"]))


def export_fp32(run_dir: Path, sample: tuple[np.ndarray, ...], out: Path) -> dict[str, Path | str]:
    """fp32 TFLite and ONNX files of a run's model; an export that fails gives its error instead."""
    from finlite.export import export_onnx, export_tflite
    from finlite.training.checkpoint import load_run

    model, _ = load_run(run_dir)
    files: dict[str, Path | str] = {}
    for name, export in (("model.tflite", export_tflite), ("model.onnx", export_onnx)):
        try:
            files[name] = export(model, sample, out / name)
        except Exception as err:  # e.g. an op the converter does not take; reported in the table
            files[name] = f"{type(err).__name__}: {str(err).splitlines()[0][:160]}"
    return files


def latency_rows(entries: list[tuple[str, dict[str, Path | str], tuple[np.ndarray, ...]]], extra: list[Target] = (), runs: int = 200) -> dict:
    """Batch-1, 1-thread LiteRT and onnxruntime latency of every entry ``(label, files, inputs)``,
    all interleaved in one measurement (plus ``extra`` targets); {label: {runtime: row}}."""
    quiet_thread_pools()
    targets = []
    for label, files, inputs in entries:
        for name, runtime, loader in (("model.tflite", "litert", litert_loader), ("model.onnx", "onnxruntime", onnxruntime_loader)):
            path = files.get(name)
            if isinstance(path, Path):
                targets.append(Target(label, runtime, "fp32", 1, path.stat().st_size, (lambda ld: lambda w: InProcessSession.start(ld, w))(loader(path, inputs, 1))))
            else:
                targets.append(Target(label, runtime, "fp32", 1, None, None, path or "not exported"))
    targets += list(extra)
    rows = run_targets(targets, runs=runs, warmup=20, chunk=20)
    out: dict = {}
    for row in rows:
        out.setdefault(row["artifact"], {})[row["runtime"]] = row
    return out


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"finlite-{prefix}-"))


def write_results(name: str, document: dict, markdown: str) -> None:
    """``benchmarks/results/<name>.json`` + ``.md`` (machine and command added)."""
    machine = describe_machine()
    doc = {"suite": name, "command": command(), "machine": machine, **document}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    header = f"- command: `{doc['command']}`\n- machine: {machine_line(machine)}; " + ", ".join(
        f"{k} {v}" for k, v in machine["versions"].items() if v
    )
    (RESULTS / f"{name}.md").write_text(markdown.replace("{header}", header), encoding="utf-8")
    log(f"wrote {RESULTS.relative_to(ROOT)}/{name}.json and {name}.md")


def fmt(value, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)
