"""Vectorised sampling and grouping helpers of the synthetic population (numpy only)."""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["exclusive_cumsum_by_group", "group_starts", "gumbel_argmax", "sigmoid"]

_CHUNK = 200_000  # rows per chunk when sampling categorical values (bounds memory)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The generator's logistic function. Its exact rounding is part of the pinned synthetic data
    (``finlite.synth_profile/1``: the label files hold its values), so it is not the overflow-free
    form of :func:`finlite.bundle.postprocess.sigmoid` that bundles' post-processing uses."""
    return 1.0 / (1.0 + np.exp(-x))


def gumbel_argmax(
    rng: np.random.Generator,
    logits: np.ndarray,
    rows: np.ndarray,
    extra: Callable[[int, int], np.ndarray] | None = None,
) -> np.ndarray:
    """For each i, a draw from softmax(logits[rows[i]] (+ extra(lo, hi) for rows lo..hi)) by the Gumbel-max
    trick, in chunks."""
    out = np.empty(len(rows), dtype=np.int64)
    for lo in range(0, len(rows), _CHUNK):
        hi = min(lo + _CHUNK, len(rows))
        block = logits[rows[lo:hi]]
        if extra is not None:
            block = block + extra(lo, hi)
        out[lo:hi] = np.argmax(block + rng.gumbel(size=block.shape), axis=1)
    return out


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Index of the first row of each row's run of equal (sorted) keys."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.ones(n, dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(n), 0))


def exclusive_cumsum_by_group(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per row, the sum of the values before it in its group (``starts`` from :func:`group_starts`)."""
    total = np.cumsum(values)
    before = total - values
    return before - before[starts]
