"""The post-processing primitives the apps reproduce (docs/bundle.md): one softmax, one sigmoid,
the top-k order and the out-of-scope rule. Tasks compose them (:mod:`finlite.tasks`)."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Element-wise logistic function in float64, without overflow for large |x|."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def top_k(row: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values, largest first; ties: lower index first."""
    return np.argsort(-row, kind="stable")[:k]


def apply_oos_threshold(probs: np.ndarray, threshold: float, oos_index: int | None) -> np.ndarray:
    """Arg-max class, or ``oos_index`` (-1 if the model has no such class) where the top probability
    is below ``threshold``."""
    pred = probs.argmax(axis=1)
    reject = -1 if oos_index is None else oos_index
    return np.where(probs.max(axis=1) < threshold, reject, pred)
