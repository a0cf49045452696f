"""Classification metrics and the out-of-scope threshold calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def predict_with_threshold(probs: np.ndarray, threshold: float, oos_index: int | None) -> np.ndarray:
    """Arg-max class, or ``oos_index`` (-1 if the model has no such class) below the threshold."""
    pred = probs.argmax(axis=1)
    reject = -1 if oos_index is None else oos_index
    return np.where(probs.max(axis=1) < threshold, reject, pred)


@dataclass
class OosCalibration:
    threshold: float
    method: str  # "balanced" (validation had out-of-scope samples) or "quantile"
    val_in_scope_accuracy: float
    val_oos_recall: float | None


def calibrate_threshold(probs: np.ndarray, y: np.ndarray, oos_index: int | None, reject_in_scope: float) -> OosCalibration:
    """Choose the confidence threshold below which the answer is out-of-scope.

    With out-of-scope samples in the validation set: maximise the mean of in-scope accuracy and
    out-of-scope recall. Without them: reject ``reject_in_scope`` of the in-scope samples."""
    is_oos = y == oos_index if oos_index is not None else np.zeros(len(y), dtype=bool)
    conf = probs.max(axis=1)
    if not is_oos.any():
        threshold = float(np.quantile(conf, reject_in_scope)) if reject_in_scope > 0 else 0.0
        pred = predict_with_threshold(probs, threshold, oos_index)
        return OosCalibration(threshold, "quantile", accuracy(y, pred), None)
    candidates = np.unique(np.concatenate(([0.0], np.quantile(conf, np.linspace(0, 0.5, 101)))))
    scored = []
    for threshold in candidates:
        pred = predict_with_threshold(probs, float(threshold), oos_index)
        in_acc, oos_rec = accuracy(y[~is_oos], pred[~is_oos]), accuracy(y[is_oos], pred[is_oos])
        scored.append(((in_acc + oos_rec) / 2, float(threshold), in_acc, oos_rec))
    best_score = max(row[0] for row in scored)
    tied = [row for row in scored if row[0] >= best_score - 1e-12]
    # Several thresholds often score the same: take the one nearest the middle of that range.
    middle = (tied[0][1] + tied[-1][1]) / 2
    _, threshold, in_acc, oos_rec = min(tied, key=lambda row: abs(row[1] - middle))
    return OosCalibration(threshold, "balanced", in_acc, oos_rec)


def classification_report(
    logits: np.ndarray, y: np.ndarray, threshold: float, oos_index: int | None
) -> dict[str, float | int | None]:
    """accuracy / macro-F1 of the arg-max, and in-scope accuracy / out-of-scope recall with the threshold."""
    probs = softmax(logits)
    pred = probs.argmax(axis=1)
    final = predict_with_threshold(probs, threshold, oos_index)
    is_oos = y == oos_index if oos_index is not None else np.zeros(len(y), dtype=bool)
    return {
        "n": int(len(y)),
        "accuracy": accuracy(y, pred),
        "macro_f1": macro_f1(y, pred),
        "in_scope_accuracy": accuracy(y[~is_oos], final[~is_oos]),
        "oos_recall": accuracy(y[is_oos], final[is_oos]) if is_oos.any() else None,
        "n_oos": int(is_oos.sum()),
    }
