"""Batch-1 latency of a callable: warm-up, then percentiles over timed single calls.

:func:`time_calls` times a chunk of calls; :func:`summarize` turns the collected per-call times into
:class:`Latency`. :func:`measure_latency` does both for one callable; the ``finlite bench`` harness
calls :func:`time_calls` in round-robin chunks over several runtimes so that they share the
machine's noise (:mod:`finlite.bench.harness`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np


@dataclass
class Latency:
    runs: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float

    def to_json(self) -> dict:
        return asdict(self)


def time_calls(call: Callable[[], object], n: int) -> np.ndarray:
    """Wall-clock milliseconds of ``n`` consecutive ``call()``s, one entry per call."""
    times = np.empty(n)
    clock = time.perf_counter
    for i in range(n):
        start = clock()
        call()
        times[i] = clock() - start
    return times * 1e3


def summarize(times_ms: Sequence[float] | np.ndarray) -> Latency:
    """p50 / p90 / p99 / mean of per-call times (ms); percentiles are monotone by construction."""
    ms = np.asarray(times_ms, dtype=np.float64)
    if ms.size == 0:
        raise ValueError("need at least one timed call")
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    return Latency(int(ms.size), float(p50), float(p90), float(p99), float(ms.mean()))


def measure_latency(call: Callable[[], object], runs: int = 200, warmup: int = 20) -> Latency:
    """Time ``call()`` ``runs`` times after ``warmup`` untimed calls."""
    if runs < 1 or warmup < 0:
        raise ValueError("runs must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        call()
    return summarize(time_calls(call, runs))
