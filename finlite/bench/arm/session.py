"""One ``finlite bench --arm`` invocation: set-up, the artifact × CPU matrix, report, gate."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ...errors import FinliteError
from . import compare as cmp
from .report import build_results, macs_of, model_name, qemu_version, write_results
from .runner import Job, bundle_artifacts, run_job
from .setup import CPUS, GUEST_PYTHON, SUITE, ensure_env, guest_packages


def _say(msg: str) -> None:
    print(f"[arm] {msg}", file=sys.stderr, flush=True)


def _display_path(path: Path) -> str:
    """``path`` relative to the working directory when below it (reports stay machine-neutral)."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def command_line() -> str:
    """How this run was started, for the report."""
    argv0 = Path(sys.argv[0]).name
    prefix = "python -m finlite.bench.arm" if argv0 == "__main__.py" else argv0
    return " ".join([prefix, *(shlex.quote(a) for a in sys.argv[1:])])


def plan(bundles: list[Path], cpu: str, smoke: bool, passes: int, only: list[str] | None = None, binding: str = "c") -> list[Job]:
    """The jobs: every ONNX/TFLite artifact of every bundle on every CPU profile and binding asked for."""
    if not bundles:
        raise FinliteError("no bundle given: pass bundle directories, e.g. runs/quickstart/bundles/intent")
    only = list(only or [])
    dirs: list[Path] = []
    for b in bundles:
        if b.is_file() and (b.parent / "manifest.json").is_file():  # one artifact of a bundle
            only.append(b.name)
            b = b.parent
        elif not b.is_dir():
            raise FinliteError(f"bundle {b} does not exist")
        if b not in dirs:
            dirs.append(b)
    bundles = dirs
    if smoke:
        bundles = bundles[:1]
        cpus = ["a76"] if cpu == "all" else [cpu]
    else:
        cpus = list(CPUS) if cpu == "all" else [cpu]
    bindings = ["c", "python"] if binding == "all" else [binding]
    jobs = []
    for b in bundles:
        artifacts = bundle_artifacts(b)
        unknown = sorted(set(only or []) - set(artifacts))
        if unknown and len(bundles) == 1:
            raise FinliteError(f"{b}: no artifact {', '.join(unknown)} (has: {', '.join(artifacts)})")
        for artifact in artifacts:
            if not only or artifact in only:
                jobs += [Job(b.resolve(), artifact, c, passes, bd) for c in cpus for bd in bindings]
    if not jobs:
        raise FinliteError(f"no ONNX or TFLite artifacts to run in {', '.join(map(str, bundles))}")
    return jobs


def scrub_bytecode(env) -> int:
    """Remove ``__pycache__`` folders from the guest's site-packages and stdlib: counts shift slightly
    (heap layout) when modules load from .pyc instead of source, and the guest never writes any (-B)."""
    removed = 0
    for base in (Path(env.root) / "site", Path(env.root) / "rootfs" / "usr" / "lib"):
        if base.is_dir():
            for cache in list(base.rglob("__pycache__")):
                shutil.rmtree(cache, ignore_errors=True)
                removed += 1
    return removed


def run_matrix(env, jobs: list[Job], jobs_in_parallel: int, log_dir: Path, label: str) -> list[dict]:
    """Run every job (in parallel processes), printing one line per finished job."""
    done = 0
    start = time.monotonic()

    def one(job: Job) -> dict:
        nonlocal done
        row = run_job(env, job, log_dir)
        done += 1
        what = row.get("error") or (
            f"{row['insns_per_inference']:,} insns/inference, parity {'pass' if row['parity']['passed'] else 'FAIL'}"
        )
        _say(f"{label}[{done}/{len(jobs)}] {job.bundle.name}/{job.artifact} on {job.cpu} ({job.binding}): {what} ({row.get('wall_s', '?')} s)")
        return row

    with ThreadPoolExecutor(max_workers=max(1, jobs_in_parallel)) as pool:
        rows = list(pool.map(one, jobs))
    _say(f"{label}matrix done in {time.monotonic() - start:.0f} s")
    return rows


def run_session(args: argparse.Namespace, bundles: list[Path]) -> int:
    """Everything ``run_arm`` does; returns the exit code (1: parity, errors, regression or non-determinism)."""
    jobs = plan(bundles, args.cpu, args.smoke, args.arm_passes, args.arm_artifact, args.arm_binding)
    env = ensure_env(force=args.arm_rebuild)
    if scrub_bytecode(env):
        _say("removed .pyc caches from the guest environment (runs load modules from source)")
    log_dir = env.root / "runs"
    repeats = []
    for i in range(max(1, args.arm_repeat)):
        label = f"run {i + 1}/{args.arm_repeat} " if args.arm_repeat > 1 else ""
        repeats.append(run_matrix(env, jobs, args.arm_jobs, log_dir, label))
    rows = repeats[0]
    macs: dict[Path, tuple] = {}
    for rep in repeats:
        for job, row in zip(jobs, rep):
            row["bundle_path"] = _display_path(job.bundle)
            row["model"] = model_name(job.bundle)
    for job, row in zip(jobs, rows):
        if job.bundle not in macs:
            macs[job.bundle] = macs_of(job.bundle, args.arm_run)
        row["macs"], row["macs_source"] = macs[job.bundle]
    env_info = {"qemu": qemu_version(env.qemu), "suite": SUITE, "guest_python": GUEST_PYTHON, "packages": guest_packages()}
    results = build_results(rows, repeats, command_line(), env_info)
    json_path, md_path = args.arm_json, args.arm_md  # defaults filled in by cli.run_arm
    if json_path is not None:
        write_results(results, json_path, md_path)
        _say(f"wrote {json_path}" + (f" and {md_path}" if md_path else ""))
    status = 0
    for r in rows:
        if r.get("error"):
            _say(f"ERROR {r['bundle']}/{r['artifact']} on {r['cpu']} ({r.get('binding', 'python')}): {r['error']}")
            status = 1
        elif not r["parity"]["passed"]:
            p = r["parity"]
            _say(
                f"PARITY FAIL {r['bundle']}/{r['artifact']} on {r['cpu']} ({r.get('binding', 'python')}): max |Δ| {p['max_abs_diff']:.3g} > tol {p['tolerance']:g}"
                f" or top-1 differs (top1_equal_golden={p['top1_equal_golden']}, worst example {p['worst_example']}); see {r['log']}"
            )
            status = 1
        elif r.get("other_thread_syscalls"):
            _say(f"WARNING {r['bundle']}/{r['artifact']} on {r['cpu']} ({r.get('binding', 'python')}): another guest thread was active during the count; see {r['log']}")
        elif r["format"] == "tflite" and not r["evidence"].get("xnnpack"):
            _say(f"WARNING {r['bundle']}/{r['artifact']} on {r['cpu']} ({r.get('binding', 'python')}): XNNPACK was not applied; see {r['log']}")
        if len(repeats) > 1 and not r.get("deterministic") and not r.get("error"):
            _say(f"NON-DETERMINISTIC {r['bundle']}/{r['artifact']} on {r['cpu']} ({r.get('binding', 'python')}): counts {r['repeat_counts']}")
            status = 1
    if args.compare is not None:
        comparison = cmp.compare(cmp.load_results(args.compare), results, args.max_regression)
        for line in comparison.lines():
            print(line)
        if not comparison.rows and args.arm_write_baseline is None:
            _say(f"gate FAILED: no row of this run is in {args.compare} (add them with --arm-write-baseline {args.compare})")
            status = 1
        elif not comparison.rows:
            _say(f"gate: no row of this run is in {args.compare} yet; adding them")
        elif not comparison.passed:
            _say(f"gate FAILED: {len(comparison.failed)} row(s) regressed by more than {args.max_regression:g}% or failed (baseline {args.compare})")
            status = 1
        else:
            _say(f"gate passed: no artifact grew by more than {args.max_regression:g}% against {args.compare}")
    if args.arm_write_baseline is not None:  # after the comparison: a baseline never gates itself
        cmp.merge_baseline(args.arm_write_baseline, results)
        _say(f"baseline {args.arm_write_baseline} updated with {len(rows)} row(s)")
    return status
