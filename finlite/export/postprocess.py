"""Post-processing the apps reproduce, and what each task's single output tensor means.

* intent: ``probs = softmax(logits)`` → top-k → out-of-scope threshold (:func:`postprocess_spec`,
  :func:`decide`);
* profile: one ``logits`` row = ``[lifecycle | tags | products]`` (:func:`profile_postprocess_spec`):
  softmax over the lifecycle slice → stage (arg-max); sigmoid of each tag logit → tag score;
  softmax over the product slice → top-3 products (:func:`decode_profile`).

:class:`TaskOutputs` (from :func:`task_outputs`) is the one place that knows, per task, the input
names, which columns decide "top-1" (parity, golden checks) and how a row of logits is decoded —
the exporter, the runtime and ``finlite verify`` / ``predict`` all use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..training.metrics import predict_with_threshold, softmax

TOP_K = 3
PROFILE_HEADS = ("lifecycle", "tags", "products")


def postprocess_spec(oos: dict) -> dict:
    """The manifest's ``postprocess`` block for an intent run's out-of-scope calibration."""
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


def profile_postprocess_spec(layout: dict[str, list[int]], labels: list[str], top_k: int = TOP_K) -> dict:
    """The manifest's ``postprocess`` block of a profile model whose output columns are ``layout``
    (``{"lifecycle": [start, stop], "tags": [...], "products": [...]}``; ``labels`` = the output names
    in column order, as in labels.txt)."""
    missing = [h for h in PROFILE_HEADS if h not in layout]
    if missing:
        raise ValueError(f"profile output layout lacks {missing}")
    stop = max(b for _, b in layout.values())
    if stop != len(labels):
        raise ValueError(f"profile output layout covers {stop} columns, but there are {len(labels)} labels")

    def head(name: str, **rule) -> dict:
        start, end = layout[name]
        return {"columns": [int(start), int(end)], "labels": list(labels[start:end]), **rule}

    return {
        "output": "logits",
        "layout": {name: [int(a), int(b)] for name, (a, b) in layout.items()},
        "heads": {
            "lifecycle": head("lifecycle", activation="softmax", answer="argmax"),
            "tags": head("tags", activation="sigmoid"),
            "products": head("products", activation="softmax", top_k=top_k),
        },
        "rule": (
            "stage = the lifecycle label with the largest softmax probability over the lifecycle columns; "
            "tag score = sigmoid(tag logit), each tag independent; products = softmax over the product "
            "columns, the top_k by probability (ties: lower index first)"
        ),
    }


def _sigmoid(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def decode_profile(logits: np.ndarray, post: dict) -> list[dict]:
    """Per row: ``stage``, ``stage_probs`` {stage: prob}, ``tags`` {tag: score} and ``top_products``
    [{product, index, prob}] (index within the product head), exactly as the apps must compute them."""
    logits = np.asarray(logits, dtype=np.float32)
    heads = post["heads"]
    life, tags, products = (heads[h] for h in PROFILE_HEADS)

    def cols(head: dict) -> np.ndarray:
        return logits[:, head["columns"][0] : head["columns"][1]]

    stage_probs = softmax(cols(life))
    tag_scores = _sigmoid(cols(tags))
    product_probs = softmax(cols(products))
    out = []
    for sp, ts, pp in zip(stage_probs, tag_scores, product_probs):
        top = np.argsort(-pp, kind="stable")[: products["top_k"]]
        out.append(
            {
                "stage": life["labels"][int(np.argmax(sp))],
                "stage_probs": {label: float(p) for label, p in zip(life["labels"], sp)},
                "tags": {label: float(s) for label, s in zip(tags["labels"], ts)},
                "top_products": [{"product": products["labels"][i], "index": int(i), "prob": float(pp[i])} for i in top],
            }
        )
    return out


def _decode_intent(logits: np.ndarray, labels: list[str], post: dict) -> list[dict]:
    probs = softmax(np.asarray(logits, dtype=np.float32))
    return [{"probs": p.tolist(), **d} for p, d in zip(probs, decide(probs, labels, post))]


@dataclass(frozen=True)
class TaskOutputs:
    """What a task's model takes and returns.

    ``input_names``: the model inputs in argument order; ``top1_head`` / ``top1_columns``: the output
    columns whose arg-max is the model's decision (parity and golden top-1 checks; None = all
    columns); ``postprocess``: the manifest block; ``decode(logits)``: one dict per row, the
    post-processed answer the apps must reproduce.
    """

    task: str
    input_names: tuple[str, ...]
    top1_head: str
    top1_columns: tuple[int, int] | None
    labels: list[str]
    postprocess: dict
    _decode: Callable[[np.ndarray], list[dict]] = field(repr=False, compare=False)

    def decode(self, logits: np.ndarray) -> list[dict]:
        return self._decode(logits)

    def top1(self, logits: np.ndarray) -> np.ndarray:
        """Arg-max over the decision columns (offsets within them)."""
        logits = np.asarray(logits)
        if self.top1_columns is not None:
            logits = logits[:, self.top1_columns[0] : self.top1_columns[1]]
        return logits.argmax(axis=1)


def task_outputs(task: str, labels: list[str], post: dict) -> TaskOutputs:
    """The :class:`TaskOutputs` of a bundle's (or run's) ``task``, ``labels`` and ``postprocess`` block."""
    if task == "intent":
        return TaskOutputs("intent", ("ids",), "logits", None, list(labels), post, lambda x: _decode_intent(x, list(labels), post))
    if task == "profile":
        start, stop = post["heads"]["lifecycle"]["columns"]
        return TaskOutputs("profile", ("cat", "num", "static"), "lifecycle", (int(start), int(stop)), list(labels), post, lambda x: decode_profile(x, post))
    raise ValueError(f"unknown task {task!r} (this finlite knows intent and profile)")
