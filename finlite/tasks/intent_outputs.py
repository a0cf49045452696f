"""The intent task's answer, exactly as the apps compute it: softmax → top-k → out-of-scope rule."""

from __future__ import annotations

import numpy as np

from ..bundle.postprocess import apply_oos_threshold, softmax, top_k


def decide(probs: np.ndarray, labels: list[str], post: dict) -> list[dict]:
    """Top-k labels and the final answer of each row, exactly as the apps must compute them."""
    oos_index = labels.index(post["oos_label"]) if post["oos_label"] in labels else None
    final = apply_oos_threshold(probs, post["oos_threshold"], oos_index)
    return [
        {
            "top_k": [{"label": labels[i], "index": int(i), "prob": float(row[i])} for i in top_k(row, post["top_k"])],
            "label": post["oos_label"] if answer < 0 else labels[int(answer)],
        }
        for row, answer in zip(probs, final)
    ]


def decode_intent(logits: np.ndarray, labels: list[str], post: dict) -> list[dict]:
    """Per row: ``probs`` (softmax), ``top_k`` and ``label`` — what golden.json pins for each artifact."""
    probs = softmax(np.asarray(logits, dtype=np.float32))
    return [{"probs": p.tolist(), **d} for p, d in zip(probs, decide(probs, labels, post))]
