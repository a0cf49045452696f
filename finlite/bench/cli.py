"""``finlite bench``: batch-1 latency of every artifact of a bundle on every runtime that runs it.

``add_bench_arguments`` builds the sub-command's arguments (light: no numpy / torch import);
``run_bench`` plans the rows (:func:`plan_targets`), measures them interleaved
(:func:`~finlite.bench.harness.run_targets`) and writes ``finlite.bench/1`` JSON + Markdown.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

RUNTIMES = ("pytorch", "onnxruntime", "litert", "tflite-runtime", "executorch")
FORMAT_RUNTIMES = {"onnx": ("onnxruntime",), "tflite": ("litert", "tflite-runtime"), "executorch": ("executorch",)}
SUFFIX_FORMATS = {".onnx": "onnx", ".tflite": "tflite", ".pte": "executorch"}
DEFAULT_OUT = Path("runs/bench")
EPILOG = """examples:
  finlite bench runs/quickstart/bundles/intent
  finlite bench runs/quickstart/bundles/intent runs/quickstart/bundles/profile --out benchmarks/results/runtimes
  finlite bench bundles/b77 --run runs/b77 --threads 1 --runtimes litert,onnxruntime,pytorch
  finlite bench bundles/b77/model.int8.tflite          # one artifact of a bundle
"""


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def add_bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("targets", nargs="+", help="bundle folder(s), or model file(s) (.onnx, .tflite, .pte)")
    p.add_argument("--out", help=f"folder for <bundle folder>.json and .md (default {DEFAULT_OUT}/)")
    p.add_argument("--run", help="training run of the bundle's model: PyTorch row with the trained weights")
    p.add_argument("--runtimes", default=",".join(RUNTIMES), help=f"comma-separated subset of {','.join(RUNTIMES)} (default all)")
    p.add_argument("--artifacts", help="comma-separated artifact files of the bundle (default: all)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    p.add_argument("--runs", type=int, default=300, help="timed calls per row (default 300)")
    p.add_argument("--warmup", type=int, default=30, help="untimed calls per row after loading (default 30)")
    p.add_argument("--chunk", type=int, default=25, help="calls per row before switching to the next row (default 25)")
    p.add_argument("--max-row-seconds", type=float, default=10.0, help="stop timing a row after this many seconds of calls (default 10)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _threads(text: str) -> list[int]:
    from ..errors import FinliteError

    try:
        values = [int(t) for t in _csv(text)]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise FinliteError(f"--threads {text!r}: expected positive integers such as 1,2")
    return values


def _resolve(path: Path) -> tuple[Path, list[str] | None]:
    """(bundle folder or lone file, artifact files picked by a file path)."""
    from ..errors import FinliteError

    if not path.exists():
        raise FinliteError(f"{path}: no such bundle folder or model file")
    if path.is_file():
        if path.suffix.lower() not in SUFFIX_FORMATS:
            raise FinliteError(f"{path}: not a model file (expected .onnx, .tflite or .pte) nor a bundle folder")
        if (path.parent / "manifest.json").is_file():
            return path.parent, [path.name]
        return path, None
    return path, None


class Workers:
    """Worker processes of one benchmark, started on first use: the tflite-runtime venv's, and one
    ExecuTorch worker per thread count."""

    def __init__(self, log=print):
        self.log = log
        self.running: dict[tuple, object] = {}

    def get(self, runtime: str, threads: int):
        from .tflite_venv import WorkerProcess, ensure_venv

        key = (runtime, threads if runtime == "executorch" else None)
        if key not in self.running:
            if runtime == "executorch":
                self.running[key] = WorkerProcess(sys.executable, ("--executorch-threads", str(threads)))
            else:
                self.running[key] = WorkerProcess(ensure_venv(self.log))
        return self.running[key]

    def versions(self) -> dict:
        for (runtime, _), worker in self.running.items():
            if runtime == "tflite-runtime":
                return worker.versions
        return {}

    def close(self) -> None:
        for worker in self.running.values():
            worker.close()
        self.running.clear()


def plan_targets(artifacts: list[dict], folder: Path, inputs, reference, runtimes: list[str], threads: list[int], workers: Workers) -> list:
    """The rows to measure: every (artifact, runtime that runs its format, thread count), plus the
    PyTorch eager reference; runtimes that are not installed become skipped rows."""
    from .harness import Target
    from .sessions import InProcessSession, WorkerSession, litert_loader, onnxruntime_loader, pytorch_loader

    loaders = {"onnxruntime": onnxruntime_loader, "litert": litert_loader}
    missing = {"executorch": None if importlib.util.find_spec("executorch") else "executorch not installed (pip install 'finlite[executorch]')"}

    def in_process(loader):
        return lambda warmup: InProcessSession.start(loader, warmup)

    def in_worker(runtime: str, path: Path, t: int):
        return lambda warmup: WorkerSession(workers.get(runtime, t), path, inputs, t, warmup)

    targets = []
    if "pytorch" in runtimes:
        for t in threads:
            opener = in_process(pytorch_loader(reference.build, inputs, t)) if reference.build else None
            targets.append(Target("pytorch", "pytorch", "fp32", t, None, opener, None if opener else reference.source))
    for art in artifacts:
        path = folder / art["file"]
        size = path.stat().st_size
        for runtime in FORMAT_RUNTIMES.get(art["format"], ()):
            if runtime not in runtimes:
                continue
            for t in threads:
                if missing.get(runtime):
                    opener = None
                elif runtime in loaders:
                    opener = in_process(loaders[runtime](path, inputs, t))
                else:
                    opener = in_worker(runtime, path, t)
                targets.append(Target(art["file"], runtime, art["precision"], t, size, opener, missing.get(runtime)))
    return targets


def _bundle_case(folder: Path, picked: list[str] | None, wanted: list[str] | None, run: str | None):
    """(artifacts, inputs, reference, name, task, notes) of a bundle."""
    import json

    from ..bundle.runners import model_arrays
    from ..errors import FinliteError
    from ..runtime.bundle import Bundle
    from .reference import bundle_reference

    bundle = Bundle(folder)
    files = [a["file"] for a in bundle.artifacts]
    chosen = picked or wanted
    unknown = [f for f in chosen or [] if f not in files]
    if unknown:
        raise FinliteError(f"{folder}: no artifact {', '.join(unknown)} in the manifest (has: {', '.join(files)})")
    artifacts = [a for a in bundle.artifacts if not chosen or a["file"] in chosen]
    golden = json.loads((bundle.dir / bundle.manifest["golden_file"]).read_text(encoding="utf-8"))
    inputs = model_arrays(tuple(a[:1] for a in bundle.task.encode_golden(bundle.encoder, golden["examples"][:1])))
    reference = bundle_reference(bundle, inputs, Path(run) if run else None)
    notes = ["input: the first golden.json example (batch 1)", f"PyTorch eager row and MAC / parameter counts: {reference.source}"]
    return artifacts, inputs, reference, bundle.manifest.get("name") or folder.name, bundle.task.name, notes, bundle.manifest.get("model", {}).get("name")


def _file_case(path: Path, run: str | None):
    """(artifacts, inputs, reference, …) of a model file outside a bundle: synthetic inputs."""
    import numpy as np

    from ..bundle.runners import model_arrays, runner_for
    from .reference import Reference, model_counts

    details = runner_for(path).input_details()
    rng = np.random.default_rng(0)
    inputs = []
    for d in details:
        shape = [1] + [s if isinstance(s, int) and s > 0 else 1 for s in d["shape"][1:]]
        kind = np.dtype(d["dtype"]).kind
        inputs.append(rng.integers(1, 8, size=shape) if kind in "iu" else rng.standard_normal(shape) * 0.5)
    inputs = model_arrays(tuple(inputs))
    precision = "int8" if ".int8." in path.name else "fp32"
    reference = Reference(None, "no bundle and no --run: no PyTorch row, no MAC count", None, None)
    if run:
        from ..training.checkpoint import load_run

        model, info = load_run(Path(run))
        macs, params = model_counts(model, inputs)
        reference = Reference(lambda: load_run(Path(run))[0], f"trained weights from {run}", macs, params)
    notes = ["input: synthetic (random small integer ids / normal floats; latency does not depend on values)", f"PyTorch: {reference.source}"]
    art = {"file": path.name, "format": SUFFIX_FORMATS[path.suffix.lower()], "precision": precision}
    return [art], inputs, reference, path.stem, None, notes, None


def bench_one(path: Path, args: argparse.Namespace, log=print) -> dict:
    """Measure one bundle (or model file) and return its ``finlite.bench/1`` document."""
    from ..errors import FinliteError
    from .harness import run_targets
    from .machine import command_line, describe_machine
    from .report import make_document

    runtimes = _csv(args.runtimes)
    unknown = [r for r in runtimes if r not in RUNTIMES]
    if unknown:
        raise FinliteError(f"unknown runtime(s) {unknown}; choose from {', '.join(RUNTIMES)}")
    threads = _threads(args.threads)
    folder, picked = _resolve(path)
    if folder.is_dir():
        case = _bundle_case(folder, picked, _csv(args.artifacts) if args.artifacts else None, args.run)
        base = folder
    else:
        case = _file_case(folder, args.run)
        base = folder.parent
    artifacts, inputs, reference, name, task, notes, model_name = case
    workers = Workers(log)
    try:
        targets = plan_targets(artifacts, base, inputs, reference, runtimes, threads, workers)
        rows = run_targets(
            targets, runs=args.runs, warmup=args.warmup, chunk=args.chunk, progress=not args.no_progress, max_row_seconds=getattr(args, "max_row_seconds", 10.0)
        )
        tflite = workers.versions()
    finally:
        workers.close()
    extra = {"tflite-runtime": tflite.get("tflite-runtime")} if tflite else None
    if tflite:
        notes.append(f"tflite-runtime runs in its own venv (numpy {tflite.get('numpy')}, Python {tflite.get('python')}); ExecuTorch in one worker process per thread count")
    notes.append("init ms: load + allocate (PyTorch: build the model); mem MB: RSS increase over load, first call and warm-up")
    return make_document(
        command=command_line(getattr(args, "argv", None)),
        machine=describe_machine(extra),
        target=str(path),
        name=name,
        task=task,
        settings={"runs": args.runs, "warmup": args.warmup, "chunk": args.chunk, "threads": threads, "runtimes": runtimes,
                  "max_row_seconds": getattr(args, "max_row_seconds", 10.0)},
        model={"name": model_name, "macs": reference.macs, "params": reference.params, "source": reference.source},
        rows=rows,
        notes=notes,
    )


def _stem(target: Path) -> str:
    """Result file name: the bundle folder's name (``intent``), or ``<folder>-<file stem>`` for a file."""
    target = target.resolve()
    return target.name if target.is_dir() else f"{target.parent.name}-{target.stem}"


def run_bench(args: argparse.Namespace) -> int:
    """``finlite bench`` (without ``--arm``): measure, print the table, write JSON + Markdown."""
    from .report import render_table, write_document
    from .sessions import quiet_thread_pools

    quiet_thread_pools()

    out = Path(args.out) if args.out else DEFAULT_OUT
    for target in args.targets:
        doc = bench_one(Path(target), args)
        print(render_table(doc))
        json_path, md_path = write_document(doc, out, _stem(Path(target)))
        print(f"wrote {json_path} and {md_path}\n")
        sys.stdout.flush()
    return 0
