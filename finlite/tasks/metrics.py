"""Classification metrics (the out-of-scope threshold is oos_points.py's)."""

from __future__ import annotations

import numpy as np

from ..bundle.postprocess import apply_oos_threshold, softmax


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true == y_pred)) if len(y_true) else float("nan")


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted mean F1 over every class that occurs in ``y_true`` or ``y_pred``."""
    scores = []
    for cls in np.union1d(y_true, y_pred):
        tp = np.sum((y_pred == cls) & (y_true == cls))
        fp = np.sum((y_pred == cls) & (y_true != cls))
        fn = np.sum((y_pred != cls) & (y_true == cls))
        denom = 2 * tp + fp + fn
        scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores)) if scores else float("nan")


def classification_report(
    logits: np.ndarray, y: np.ndarray, threshold: float, oos_index: int | None
) -> dict[str, float | int | None]:
    """accuracy / macro-F1 of the arg-max, and in-scope accuracy / out-of-scope recall with the threshold."""
    probs = softmax(logits)
    pred = probs.argmax(axis=1)
    final = apply_oos_threshold(probs, threshold, oos_index)
    is_oos = y == oos_index if oos_index is not None else np.zeros(len(y), dtype=bool)
    return {
        "n": int(len(y)),
        "accuracy": accuracy(y, pred),
        "macro_f1": macro_f1(y, pred),
        "in_scope_accuracy": accuracy(y[~is_oos], final[~is_oos]),
        "oos_recall": accuracy(y[is_oos], final[is_oos]) if is_oos.any() else None,
        "n_oos": int(is_oos.sum()),
    }


def auroc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve of binary ``y_true`` (ties get half credit); NaN with one class."""
    y_true = np.asarray(y_true).astype(bool)
    positives, negatives = int(y_true.sum()), int((~y_true).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = np.asarray(scores)[order]
    ranks = np.empty(len(scores), dtype=np.float64)
    # average ranks over ties (1-based)
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[y_true].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def recall_at_k(y_true: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Share of rows whose true item is among the ``k`` highest scores (one relevant item per row)."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean((top == y_true[:, None]).any(axis=1)))


def ndcg_at_k(y_true: np.ndarray, scores: np.ndarray, k: int) -> float:
    """NDCG@k with one relevant item per row: 1 / log2(1 + rank) if rank <= k, else 0."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hit = top == y_true[:, None]
    gains = hit / np.log2(np.arange(2, k + 2))[None, :]
    return float(gains.sum(axis=1).mean())
