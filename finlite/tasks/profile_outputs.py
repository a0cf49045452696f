"""The profile task's numbers: the heads' probabilities from one logits row, the decoded answer the
apps reproduce, and the quality metrics of a set of users."""

from __future__ import annotations

import numpy as np

from ..bundle.postprocess import sigmoid, softmax, top_k
from .profile import HEADS, TOP_K


def head_probabilities(logits: np.ndarray, layout: dict[str, list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Logits → lifecycle probabilities, tag scores (sigmoid), P(buy) (sigmoid, shape (B,)),
    P(product | buy) (softmax)."""
    logits = np.asarray(logits)
    life, tags, buy, products = (logits[:, layout[h][0] : layout[h][1]] for h in HEADS)
    return softmax(life), sigmoid(tags), sigmoid(buy)[:, 0], softmax(products)


def profile_metrics(lifecycle_probs: np.ndarray, tag_scores: np.ndarray, buy_probs: np.ndarray, product_scores: np.ndarray,
                    labels, tag_names: tuple[str, ...] | None = None) -> dict[str, float]:
    """Lifecycle accuracy and macro-F1, AUROC per tag (truth binarised at 0.5) and their mean, AUROC of
    buy vs no buy, next-product Recall@3 and NDCG@3 among the buyers, and ``score`` = the mean of
    macro-F1, mean tag AUROC and NDCG@3."""
    from .metrics import auroc, macro_f1, ndcg_at_k, recall_at_k

    names = tag_names or tuple(f"tag{j}" for j in range(tag_scores.shape[1]))
    pred = lifecycle_probs.argmax(axis=1)
    per_tag = {f"auroc_{t}": auroc(labels.tags[:, j] >= 0.5, tag_scores[:, j]) for j, t in enumerate(names)}
    valid = [v for v in per_tag.values() if not np.isnan(v)]
    buyers = labels.next_product >= 0
    out = {
        "lifecycle_accuracy": float(np.mean(pred == labels.lifecycle)),
        "lifecycle_macro_f1": macro_f1(labels.lifecycle, pred),
        "tag_auroc_mean": float(np.mean(valid)) if valid else float("nan"),
        **per_tag,
        "buyers": int(buyers.sum()),
        "buy_auroc": auroc(buyers, buy_probs),
        f"product_recall@{TOP_K}": recall_at_k(labels.next_product[buyers], product_scores[buyers], TOP_K) if buyers.any() else float("nan"),
        f"product_ndcg@{TOP_K}": ndcg_at_k(labels.next_product[buyers], product_scores[buyers], TOP_K) if buyers.any() else float("nan"),
    }
    parts = [out["lifecycle_macro_f1"], out["tag_auroc_mean"], out[f"product_ndcg@{TOP_K}"]]
    out["score"] = float(np.nanmean(parts)) if not all(np.isnan(parts)) else float("nan")
    return out


def decode_profile(logits: np.ndarray, post: dict) -> list[dict]:
    """Per row: ``stage``, ``stage_probs`` {stage: prob}, ``tags`` {tag: score}, ``buy_prob`` and
    ``top_products`` [{product, index, prob = P(product | buy), propensity = P(buy) × prob}] (index within
    the product head), exactly as the apps must compute them."""
    heads = post["heads"]
    life, tags, products = heads["lifecycle"], heads["tags"], heads["products"]
    stage_probs, tag_scores, buy_probs, product_probs = head_probabilities(np.asarray(logits, dtype=np.float32), {h: heads[h]["columns"] for h in HEADS})
    return [
        {
            "stage": life["labels"][int(np.argmax(sp))],
            "stage_probs": {label: float(p) for label, p in zip(life["labels"], sp)},
            "tags": {label: float(s) for label, s in zip(tags["labels"], ts)},
            "buy_prob": float(bp),
            "top_products": [{"product": products["labels"][i], "index": int(i), "prob": float(pp[i]), "propensity": float(np.float32(bp) * pp[i])}
                             for i in top_k(pp, products["top_k"])],
        }
        for sp, ts, bp, pp in zip(stage_probs, tag_scores, buy_probs, product_probs)
    ]
