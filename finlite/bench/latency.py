"""Batch-1 latency of a runner: warm-up, then percentiles over timed single calls."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Latency:
    runs: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float


def measure_latency(call: Callable[[], object], runs: int = 200, warmup: int = 20) -> Latency:
    """Time ``call()`` ``runs`` times after ``warmup`` untimed calls."""
    if runs < 1 or warmup < 0:
        raise ValueError("runs must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        call()
    times = np.empty(runs)
    for i in range(runs):
        start = time.perf_counter()
        call()
        times[i] = time.perf_counter() - start
    ms = times * 1e3
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    return Latency(runs, float(p50), float(p90), float(p99), float(ms.mean()))
