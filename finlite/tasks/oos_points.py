"""Out-of-scope operating points of intent models (docs/intent_oos.md): the confidence threshold below which
the answer is "out of scope", chosen on validation data by the rule a product owner picks, and the whole curve.

The score is the top softmax probability (the bundle's rule the apps apply: ``max softmax < threshold`` →
out of scope). Rules:

- ``balanced`` — maximise the mean of in-scope accuracy and out-of-scope recall (the middle of a tie);
- ``max_reject`` — reject at most ``max_reject`` of the in-scope queries (the largest such threshold);
- ``min_recall`` — the smallest threshold that reaches out-of-scope recall ``min_recall``.

Without out-of-scope validation samples only ``max_reject`` can be measured: every rule falls back to it, and
the calibration says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..bundle.postprocess import apply_oos_threshold

OOS_RULES = ("balanced", "max_reject", "min_recall")
CURVE_POINTS = 101


@dataclass
class OosCalibration:
    threshold: float
    method: str  # the rule applied: "balanced", "max_reject" or "min_recall" (see the module docstring)
    val_in_scope_accuracy: float
    val_oos_recall: float | None
    val_in_scope_rejected: float = 0.0  # share of in-scope validation queries answered "out of scope"
    note: str = ""  # why the rule differs from the one asked for, or a target that was not reached


def operating_point(probs: np.ndarray, y: np.ndarray, oos_index: int | None, threshold: float) -> dict:
    """In-scope accuracy, in-scope rejection and out-of-scope recall at ``threshold``."""
    pred = apply_oos_threshold(probs, threshold, oos_index)
    is_oos = y == oos_index if oos_index is not None else np.zeros(len(y), dtype=bool)
    rejected = pred[~is_oos] == (oos_index if oos_index is not None else -1)
    return {"threshold": float(threshold),
            "in_scope_accuracy": float(np.mean(pred[~is_oos] == y[~is_oos])) if (~is_oos).any() else float("nan"),
            "in_scope_rejected": float(np.mean(rejected)) if len(rejected) else 0.0,
            "oos_recall": float(np.mean(pred[is_oos] == oos_index)) if is_oos.any() else None}


def _candidates(probs: np.ndarray) -> np.ndarray:
    conf = probs.max(axis=1)
    return np.unique(np.concatenate(([0.0], np.quantile(conf, np.linspace(0, 1, CURVE_POINTS)), [np.nextafter(conf.max(), 2.0)])))


def oos_curve(probs: np.ndarray, y: np.ndarray, oos_index: int | None) -> list[dict]:
    """The operating points over thresholds at the quantiles of the top probability."""
    return [operating_point(probs, y, oos_index, float(t)) for t in np.unique(np.quantile(probs.max(axis=1), np.linspace(0, 1, CURVE_POINTS)))]


def oos_auroc(probs: np.ndarray, y: np.ndarray, oos_index: int | None) -> float | None:
    """AUROC of telling out-of-scope queries from in-scope ones by a low top probability (None without both)."""
    from .metrics import auroc

    if oos_index is None or not (y == oos_index).any() or (y == oos_index).all():
        return None
    return auroc(y == oos_index, -probs.max(axis=1))


def calibrate_threshold(probs: np.ndarray, y: np.ndarray, oos_index: int | None, rule: str = "balanced",
                        max_reject: float = 0.01, min_recall: float = 0.9) -> OosCalibration:
    """The threshold of ``rule`` on validation ``probs`` / ``y`` (see the module docstring)."""
    if rule not in OOS_RULES:
        raise ValueError(f"unknown out-of-scope rule {rule!r}; choose from {', '.join(OOS_RULES)}")
    is_oos = y == oos_index if oos_index is not None else np.zeros(len(y), dtype=bool)
    note = ""
    if not is_oos.any() and rule != "max_reject":
        note, rule = f"no out-of-scope validation samples: {rule} cannot be measured, rejecting {max_reject:.1%} of in-scope instead", "max_reject"
    if rule == "max_reject":
        conf = np.sort(probs.max(axis=1)[~is_oos])
        k = int(np.floor(max_reject * len(conf)))
        threshold = float(conf[k]) if k < len(conf) else float(np.nextafter(conf[-1], 2.0))  # strictly fewer than k + 1 below it
        if max_reject <= 0:
            threshold = 0.0
    elif rule == "min_recall":
        points = [operating_point(probs, y, oos_index, float(t)) for t in _candidates(probs)]
        reached = [p for p in points if p["oos_recall"] >= min_recall]
        if reached:
            threshold = reached[0]["threshold"]
        else:
            best = max(points, key=lambda p: (p["oos_recall"], -p["threshold"]))
            threshold, note = best["threshold"], f"out-of-scope recall {min_recall:.1%} not reached on validation (at most {best['oos_recall']:.1%})"
    else:
        points = [operating_point(probs, y, oos_index, float(t)) for t in np.unique(np.concatenate(([0.0], np.quantile(probs.max(axis=1), np.linspace(0, 0.5, 101)))))]
        score = [(p["in_scope_accuracy"] + p["oos_recall"]) / 2 for p in points]
        best = max(score)
        tied = [p["threshold"] for p, s in zip(points, score) if s >= best - 1e-12]
        # several thresholds often score the same: the middle of that range (a margin on both sides) if it
        # scores as well, else the tied candidate nearest to it
        middle = (tied[0] + tied[-1]) / 2
        mid = operating_point(probs, y, oos_index, middle)
        threshold = middle if (mid["in_scope_accuracy"] + mid["oos_recall"]) / 2 >= best - 1e-12 else min(tied, key=lambda t: abs(t - middle))
    final = operating_point(probs, y, oos_index, threshold)
    return OosCalibration(threshold, rule, final["in_scope_accuracy"], final["oos_recall"], final["in_scope_rejected"], note)


def operating_points(val_probs: np.ndarray, val_y: np.ndarray, probs: np.ndarray, y: np.ndarray, oos_index: int | None,
                     budgets: tuple[float, ...] = (0.005, 0.01, 0.02, 0.05, 0.1)) -> list[dict]:
    """For each in-scope rejection budget: the ``max_reject`` threshold chosen on validation, measured on ``probs`` / ``y``."""
    return [{"max_reject": b, **operating_point(probs, y, oos_index, calibrate_threshold(val_probs, val_y, oos_index, "max_reject", b).threshold)}
            for b in budgets]


def plot_curve(curve: list[dict], chosen: dict, path, title: str) -> None:
    """In-scope accuracy against out-of-scope recall, the chosen point marked (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [p for p in curve if p["oos_recall"] is not None]
    fig, ax = plt.subplots(figsize=(5, 4), dpi=120)
    ax.plot([p["oos_recall"] for p in points], [p["in_scope_accuracy"] for p in points], "-", color="#336")
    ax.plot([chosen["oos_recall"]], [chosen["in_scope_accuracy"]], "o", color="#c33", label=f"chosen: threshold {chosen['threshold']:.3f}")
    ax.set_xlabel("out-of-scope recall")
    ax.set_ylabel("in-scope accuracy")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
