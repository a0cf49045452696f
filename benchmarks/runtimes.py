"""Runtimes: runtime × precision × threads matrix of the quickstart bundles (``finlite bench``).

    python benchmarks/runtimes.py [BUNDLE ...] [--runs 300]

Default bundles: runs/quickstart/bundles/{intent,profile} (those present). When a bundle's training
run is next to it (runs/quickstart/runs/<name>) and executorch is installed, the run is re-exported
once to build/bench-bundles/<name> with all six formats (+ ExecuTorch .pte fp32 / int8) and that
bundle is measured, with the run's trained weights for the PyTorch row. Writes
benchmarks/results/runtimes.json (one ``finlite.bench/1`` document per bundle) and runtimes.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, log, write_results  # noqa: E402

QUICKSTART = ROOT / "runs" / "quickstart"
ALL_FORMATS = ("tflite", "tflite-int8", "onnx", "onnx-int8", "executorch", "executorch-int8")


def with_executorch(bundle: Path) -> tuple[Path, Path | None]:
    """(bundle to measure, training run or None): a re-export with .pte files when possible."""
    run = QUICKSTART / "runs" / bundle.name
    if not (run / "model.pt").is_file():
        return bundle, None
    if importlib.util.find_spec("executorch") is None:
        return bundle, run
    from finlite.export.bundle import export_bundle

    out = ROOT / "build" / "bench-bundles" / bundle.name
    manifest = out / "manifest.json"
    if not manifest.is_file() or manifest.stat().st_mtime < (run / "model.pt").stat().st_mtime:
        log(f"exporting {run.relative_to(ROOT)} with {', '.join(ALL_FORMATS)} to {out.relative_to(ROOT)}")
        export_bundle(run, out, formats=ALL_FORMATS, force=True, log=lambda _: None)
    return out, run


def main(argv: list[str] | None = None) -> int:
    from finlite.bench.cli import bench_one
    from finlite.bench.report import render_markdown, render_table
    from finlite.bench.sessions import quiet_thread_pools

    quiet_thread_pools()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="*", type=Path, help="bundle folders (default: the quickstart bundles present)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args(argv)
    bundles = args.bundles or [p for p in (QUICKSTART / "bundles" / "intent", QUICKSTART / "bundles" / "profile") if (p / "manifest.json").is_file()]
    if not bundles:
        log("no bundles: run `make quickstart` first or pass bundle folders")
        return 1
    docs = []
    for bundle in bundles:
        measured, run = with_executorch(bundle) if not args.bundles else (bundle, None)
        measured, run = Path(os.path.relpath(measured)), run and Path(os.path.relpath(run))
        bench_argv = ["bench", str(measured), "--threads", args.threads, "--runs", str(args.runs), *(["--run", str(run)] if run else [])]
        bench_args = argparse.Namespace(
            runtimes="pytorch,onnxruntime,litert,tflite-runtime,executorch",
            artifacts=None,
            threads=args.threads,
            runs=args.runs,
            warmup=30,
            chunk=25,
            run=str(run) if run else None,
            no_progress=False,
            argv=bench_argv,  # the equivalent finlite bench command, recorded in the document
        )
        doc = bench_one(measured, bench_args, log=log)
        doc["bundle"] = os.path.relpath(bundle)
        print(render_table(doc), flush=True)
        docs.append(doc)
    sections = [
        "# Runtimes: runtime × precision × threads",
        "",
        "{header}",
        "- 2-thread rows: this machine's 2 cores are shared with other jobs, so a second thread often waits for a core; "
        "read the 1-thread rows for comparisons. tflite-runtime 2.14 at 2 threads stalls for tens to hundreds of ms on "
        "some calls here (not seen with ai-edge-litert on the same file); its int8 kernels are also slower than LiteRT's.",
        "",
    ]
    for doc in docs:
        sections += [render_markdown(doc).replace("# Benchmark: ", "## ", 1), ""]
    write_results("runtimes", {"schema": "finlite.bench/1", "documents": docs}, "\n".join(sections))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
