"""Post-processing the apps reproduce: softmax → top-k → out-of-scope threshold."""

from __future__ import annotations

import numpy as np

from ..training.metrics import predict_with_threshold

TOP_K = 3


def postprocess_spec(oos: dict) -> dict:
    """The manifest's ``postprocess`` block for a run's out-of-scope calibration."""
    return {
        "output": "logits",
        "activation": "softmax",
        "top_k": TOP_K,
        "oos_threshold": oos.get("threshold", 0.0),
        "oos_label": oos.get("label", "out_of_scope"),
        "rule": "if max softmax probability < oos_threshold, answer oos_label; otherwise the arg-max label",
    }


def decide(probs: np.ndarray, labels: list[str], post: dict) -> list[dict]:
    """Top-k labels and the final answer of each row, exactly as the apps must compute them."""
    oos_index = labels.index(post["oos_label"]) if post["oos_label"] in labels else None
    final = predict_with_threshold(probs, post["oos_threshold"], oos_index)
    out = []
    for row, answer in zip(probs, final):
        top = np.argsort(-row, kind="stable")[: post["top_k"]]
        out.append(
            {
                "top_k": [{"label": labels[i], "index": int(i), "prob": float(row[i])} for i in top],
                "label": post["oos_label"] if answer < 0 else labels[int(answer)],
            }
        )
    return out
