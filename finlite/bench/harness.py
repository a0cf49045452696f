"""Interleaved measurement: every target's timed calls run in round-robin chunks in one process run,
so slow phases of a shared machine hit all runtimes alike and their ratios hold."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .latency import summarize
from .sessions import Session


@dataclass
class Target:
    """One row of the benchmark: an artifact on a runtime at a thread count."""

    artifact: str
    runtime: str
    precision: str
    threads: int
    size_bytes: int | None
    open: Callable[[int], Session] | None  # warmup -> Session; None: skipped (see ``skip_reason``)
    skip_reason: str | None = None


def _row(target: Target, **fields) -> dict:
    base = {
        "artifact": target.artifact,
        "runtime": target.runtime,
        "precision": target.precision,
        "threads": target.threads,
        "size_bytes": target.size_bytes,
        "status": "ok",
        "init_ms": None,
        "first_ms": None,
        "p50_ms": None,
        "p90_ms": None,
        "p99_ms": None,
        "mean_ms": None,
        "runs": 0,
        "peak_mem_mb": None,
        "error": None,
    }
    base.update(fields)
    return base


def _one_line(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}".strip().splitlines()
    return (text[0] if text else type(err).__name__)[:300]


def _prime(targets: list[Target]) -> None:
    """Open and close the first target of every runtime once, untimed: one-time set-up of a runtime in
    a process (library loading, global environments, worker start) is not charged to its first row."""
    seen = set()
    for t in targets:
        if t.open is None or t.runtime in seen:
            continue
        seen.add(t.runtime)
        try:
            t.open(0).close()
        except Exception:  # the real open reports it
            pass


def run_targets(
    targets: list[Target], runs: int = 300, warmup: int = 30, chunk: int = 25, progress: bool = True, max_row_seconds: float = 10.0
) -> list[dict]:
    """Open every target (init time, first call, warm-up, memory), then time ``runs`` calls each in
    chunks of ``chunk``, cycling through the targets (the starting target rotates every round).
    Rows in ``targets`` order; a target that fails is reported with ``status`` ``error``. Every
    runtime is primed first (:func:`_prime`). A row whose timed calls have taken more than
    ``max_row_seconds`` stops early (its ``runs`` says how many calls it got), so one pathologically
    slow runtime cannot hold up the whole benchmark."""
    from tqdm import tqdm

    if runs < 1 or warmup < 0 or chunk < 1:
        raise ValueError("runs and chunk must be >= 1, warmup >= 0")
    rows: list[dict] = [_row(t) for t in targets]
    sessions: dict[int, Session] = {}
    times: dict[int, list[np.ndarray]] = {}
    runnable = [i for i, t in enumerate(targets) if t.open is not None]
    for i, t in enumerate(targets):
        if t.open is None:
            rows[i].update(status="skipped", error=t.skip_reason)
    _prime(targets)
    bar = tqdm(total=len(runnable) * (runs + 1), desc="bench", unit="call", file=sys.stderr, disable=not progress, leave=False)
    try:
        for i in runnable:
            bar.set_postfix_str(f"loading {targets[i].artifact} on {targets[i].runtime}", refresh=False)
            try:
                sessions[i] = targets[i].open(warmup)
                times[i] = []
            except Exception as err:  # a runtime that cannot load a file is a result, not a crash
                rows[i].update(status="error", error=_one_line(err))
            bar.update(1)
        active = list(sessions)
        for r in range(math.ceil(runs / chunk)):
            n = min(chunk, runs - r * chunk)
            shift = r % len(active) if active else 0
            for i in active[shift:] + active[:shift]:
                if i not in sessions:
                    continue
                bar.set_postfix_str(f"{targets[i].artifact} on {targets[i].runtime}, {targets[i].threads} thr", refresh=False)
                try:
                    times[i].append(sessions[i].time(n))
                except Exception as err:
                    rows[i].update(status="error", error=_one_line(err))
                    sessions.pop(i).close()
                bar.update(n)
                if i in sessions and sum(float(t.sum()) for t in times[i]) > max_row_seconds * 1e3:
                    active.remove(i)  # enough of a slow row; the others continue
    finally:
        bar.close()
        for session in sessions.values():
            session.close()
    for i, s in sessions.items():
        lat = summarize(np.concatenate(times[i]))
        rows[i].update(init_ms=s.init_ms, first_ms=s.first_ms, peak_mem_mb=s.mem_mb, **lat.to_json())
    return rows
