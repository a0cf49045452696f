"""The profile task's numbers: the heads' probabilities from one logits row, the decoded answer the
apps reproduce, and the quality metrics of a set of users."""

from __future__ import annotations

import numpy as np

from ..bundle.postprocess import sigmoid, softmax, top_k
from ..data.event_schema import TAGS
from .profile import HEADS, TOP_K


def head_probabilities(logits: np.ndarray, layout: dict[str, list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logits → lifecycle probabilities, tag scores (sigmoid), product probabilities."""
    logits = np.asarray(logits)
    life, tags, products = (logits[:, layout[h][0] : layout[h][1]] for h in HEADS)
    return softmax(life), sigmoid(tags), softmax(products)


def profile_metrics(lifecycle_probs: np.ndarray, tag_scores: np.ndarray, product_scores: np.ndarray, labels) -> dict[str, float]:
    """Lifecycle accuracy and macro-F1, AUROC per tag (truth binarised at 0.5) and their mean,
    next-product Recall@3 and NDCG@3, and ``score`` = the mean of macro-F1, mean AUROC and NDCG@3."""
    from .metrics import auroc, macro_f1, ndcg_at_k, recall_at_k

    pred = lifecycle_probs.argmax(axis=1)
    per_tag = {f"auroc_{t}": auroc(labels.tags[:, j] >= 0.5, tag_scores[:, j]) for j, t in enumerate(TAGS)}
    valid = [v for v in per_tag.values() if not np.isnan(v)]
    out = {
        "lifecycle_accuracy": float(np.mean(pred == labels.lifecycle)),
        "lifecycle_macro_f1": macro_f1(labels.lifecycle, pred),
        "tag_auroc_mean": float(np.mean(valid)) if valid else float("nan"),
        **per_tag,
        f"product_recall@{TOP_K}": recall_at_k(labels.next_product, product_scores, TOP_K),
        f"product_ndcg@{TOP_K}": ndcg_at_k(labels.next_product, product_scores, TOP_K),
    }
    out["score"] = float(np.mean([out["lifecycle_macro_f1"], out["tag_auroc_mean"], out[f"product_ndcg@{TOP_K}"]]))
    return out


def decode_profile(logits: np.ndarray, post: dict) -> list[dict]:
    """Per row: ``stage``, ``stage_probs`` {stage: prob}, ``tags`` {tag: score} and ``top_products``
    [{product, index, prob}] (index within the product head), exactly as the apps must compute them."""
    heads = post["heads"]
    life, tags, products = (heads[h] for h in HEADS)
    stage_probs, tag_scores, product_probs = head_probabilities(np.asarray(logits, dtype=np.float32), {h: heads[h]["columns"] for h in HEADS})
    return [
        {
            "stage": life["labels"][int(np.argmax(sp))],
            "stage_probs": {label: float(p) for label, p in zip(life["labels"], sp)},
            "tags": {label: float(s) for label, s in zip(tags["labels"], ts)},
            "top_products": [{"product": products["labels"][i], "index": int(i), "prob": float(pp[i])} for i in top_k(pp, products["top_k"])],
        }
        for sp, ts, pp in zip(stage_probs, tag_scores, product_probs)
    ]
