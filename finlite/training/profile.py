"""``finlite train profile``: events + attributes + labels → multi-task profile network, compared
with a HistGradientBoosting baseline on the same held-out users."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..data.event_schema import LIFECYCLE_STAGES, OFFERABLE_PRODUCTS, TAGS
from ..data.events import load_attributes, load_events
from ..data.profile_features import ProfileEncoder, ProfileSpec, fit_normalisation
from ..data.profile_labels import ProfileLabels, load_profile_labels
from ..models import count_macs, count_params, get_model
from . import distributed
from .checkpoint import METRICS, SAMPLES, RunInfo, save_run
from .class_offsets import fit_class_offsets
from .config import ProfileTrainConfig, write_json
from .metrics import auroc, macro_f1, ndcg_at_k, recall_at_k, softmax
from .profile_baseline import fit_baseline, user_aggregates
from .trainer import ArraySplit, FitSettings, fit, predict, seed_everything

Log = Callable[[str], None]
N_LIFE, N_TAGS, N_PRODUCTS = len(LIFECYCLE_STAGES), len(TAGS), len(OFFERABLE_PRODUCTS)
TOP_K = 3


def profile_metrics(lifecycle_probs: np.ndarray, tag_scores: np.ndarray, product_scores: np.ndarray, labels: ProfileLabels) -> dict[str, float]:
    """Lifecycle accuracy and macro-F1, AUROC per tag (truth binarised at 0.5) and their mean,
    next-product Recall@3 and NDCG@3, and ``score`` = the mean of macro-F1, mean AUROC and NDCG@3."""
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


def split_heads(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Network logits → lifecycle probabilities, tag scores (sigmoid), product probabilities."""
    life = softmax(outputs[:, :N_LIFE])
    tags = 1.0 / (1.0 + np.exp(-outputs[:, N_LIFE : N_LIFE + N_TAGS]))
    products = softmax(outputs[:, N_LIFE + N_TAGS :])
    return life, tags, products


class ProfileTask:
    """Weighted sum of lifecycle cross-entropy, tag binary cross-entropy (soft targets) and
    next-product cross-entropy. Targets: ``(lifecycle, tags, next_product)``, optionally followed by
    a teacher's ``(lifecycle probabilities, tag scores, product probabilities)``: then the loss is
    ``(1 - distill) × loss(labels) + distill × loss(teacher)``, where the teacher's tag scores are
    replaced by the labels' unless ``distill_tags``."""

    selection = ("score",)

    def __init__(self, config: ProfileTrainConfig):
        self.weights = (config.lifecycle_weight, config.tags_weight, config.products_weight)
        self.distill = config.distill_baseline
        self.distill_tags = config.distill_tags

    def _loss(self, outputs: torch.Tensor, life: torch.Tensor, tags: torch.Tensor, products: torch.Tensor) -> torch.Tensor:
        """Cross-entropies against class indices or probability rows (F.cross_entropy takes both)."""
        w_life, w_tags, w_products = self.weights
        return (
            w_life * F.cross_entropy(outputs[:, :N_LIFE], life)
            + w_tags * F.binary_cross_entropy_with_logits(outputs[:, N_LIFE : N_LIFE + N_TAGS], tags)
            + w_products * F.cross_entropy(outputs[:, N_LIFE + N_TAGS :], products)
        )

    def loss(self, outputs: torch.Tensor, targets: Sequence[torch.Tensor]) -> torch.Tensor:
        hard = self._loss(outputs, *targets[:3])
        if len(targets) < 6 or self.distill <= 0:
            return hard
        life, tags, products = targets[3:6]
        soft = self._loss(outputs, life, tags if self.distill_tags else targets[1], products)
        return (1.0 - self.distill) * hard + self.distill * soft

    def evaluate(self, outputs: np.ndarray, targets: Sequence[np.ndarray]) -> dict[str, float]:
        labels = ProfileLabels([], targets[0], targets[1], targets[2])
        full = profile_metrics(*split_heads(outputs), labels)
        return {k: full[k] for k in ("lifecycle_macro_f1", "tag_auroc_mean", f"product_ndcg@{TOP_K}", "score")}


def split_user_ids(users: Sequence[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """Deterministic split of users into (kept, held out)."""
    ordered = sorted(users)
    held = set(np.random.default_rng(seed).permutation(len(ordered))[: int(round(fraction * len(ordered)))].tolist())
    return [u for i, u in enumerate(ordered) if i not in held], [u for i, u in enumerate(ordered) if i in held]


def _arrays(encoder: ProfileEncoder, events, attrs, labels: ProfileLabels, as_of_ms: int) -> ArraySplit:
    inputs = encoder.encode(events, attrs, labels.user_ids, as_of_ms).as_tuple()
    return ArraySplit(inputs, (labels.lifecycle.astype(np.int64), labels.tags.astype(np.float32), labels.next_product.astype(np.int64)))


def train_profile(
    events_path: Path,
    users_path: Path,
    labels_path: Path,
    out_dir: Path,
    config: ProfileTrainConfig,
    as_of_ms: int | None = None,
    resume: bool = False,
    log: Log = print,
) -> dict:
    """Train a profile model on held-out users; write model.pt, run.json and metrics.json."""
    start = time.perf_counter()
    distributed.init_from_env()
    if distributed.rank() != 0:
        log = lambda _msg: None  # noqa: E731
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    events, attrs, labels = load_events(events_path), load_attributes(users_path), load_profile_labels(labels_path)
    for report in (events.report, attrs.report):
        log(report.summary())
    as_of_ms = int(as_of_ms if as_of_ms is not None else int(events.ts_ms.max()) + 1)
    kept, held = split_user_ids(labels.user_ids, config.eval_fraction, config.seed)
    fit_users, val_users = split_user_ids(kept, config.val_fraction, config.seed + 1)
    log(f"{len(fit_users)} training / {len(val_users)} validation / {len(held)} evaluation users")

    spec = fit_normalisation(events, attrs, as_of_ms, ProfileSpec(max_events=config.max_events, utc_offset_minutes=config.utc_offset_minutes))
    encoder = ProfileEncoder(spec)
    train, val, evaluation = (_arrays(encoder, events, attrs, labels.subset(u), as_of_ms) for u in (fit_users, val_users, held))
    if config.distill_baseline > 0:
        teacher = baseline_soft_targets(events, attrs, labels.subset(fit_users), as_of_ms, config.seed, log=log)
        train = ArraySplit(train.inputs, (*train.targets, *teacher))
    kwargs = {
        "num_lifecycle": N_LIFE,
        "num_tags": N_TAGS,
        "num_products": N_PRODUCTS,
        "static_features": spec.static_features,
        "num_features": spec.num_features,
        "dropout": config.dropout,
        "count_log": config.count_log,
        "tally_windows": config.tally_windows,
    }
    model = get_model(config.model, **kwargs)
    checkpoints = out_dir / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    settings = FitSettings(
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        weight_decay=config.weight_decay,
        ema_decay=config.ema_decay,
        patience=config.patience,
        seed=config.seed,
        checkpoint_every=config.checkpoint_every,
    )
    fitted = fit(model, train, val, ProfileTask(config), settings, checkpoint=checkpoints / f"{config.model}.pt", resume=resume, desc=config.model)
    offsets = _tune_lifecycle_offsets(model, val, log) if config.tune_lifecycle_offsets else None
    eval_labels = labels.subset(held)
    metrics: dict = {"eval": profile_metrics(*split_heads(predict(model, evaluation.inputs)), eval_labels)}
    sample = tuple(torch.from_numpy(a[:1]) for a in evaluation.inputs)
    metrics["model"] = {"name": config.model, "params": count_params(model), "macs": count_macs(model, *sample)}
    if config.baseline and distributed.rank() == 0:
        metrics["baseline"] = _baseline(events, attrs, labels, kept, held, as_of_ms, config.seed, log)
    metrics["train"] = {"best_epoch": fitted.best_epoch, "history": fitted.history, "lifecycle_offsets": offsets,
                        "seconds": round(time.perf_counter() - start, 1)}
    metrics["data"] = {"users": len(labels.user_ids), "events": len(events), "as_of_ms": as_of_ms}
    info = RunInfo(
        task="profile",
        model=config.model,
        model_kwargs=kwargs,
        labels=[*LIFECYCLE_STAGES, *TAGS, *OFFERABLE_PRODUCTS],
        preprocess={"format": "finlite.preprocess/1", "task": "profile", "profile": spec.to_json(), "tensors": encoder.describe()},
        train_config=config.to_json(),
        data={"events": str(events_path), "users": str(users_path), "labels": str(labels_path), "as_of_ms": as_of_ms,
              "n_train": len(fit_users), "n_val": len(val_users), "n_eval": len(held)},
    )
    if distributed.rank() == 0:
        save_run(out_dir, model, info)
        write_json(out_dir / METRICS, metrics)
        # the exporter calibrates int8 on training users and checks parity on exactly these held-out users
        write_json(out_dir / SAMPLES, {"calibration_users": fit_users, "validation_users": val_users, "holdout_users": held})
    distributed.barrier()
    return metrics


def _tune_lifecycle_offsets(model: torch.nn.Module, val: ArraySplit, log: Log) -> dict:
    """Fit per-stage logit offsets for macro-F1 on the validation users and add them to the lifecycle
    columns of the output layer's bias, so every exported artifact decides the same way."""
    logits = predict(model, val.inputs)[:, :N_LIFE]
    offsets = fit_class_offsets(logits, val.targets[0])
    with torch.no_grad():
        model.head.bias[:N_LIFE] += torch.as_tensor(offsets, dtype=model.head.bias.dtype)
    before, after = macro_f1(val.targets[0], logits.argmax(1)), macro_f1(val.targets[0], (logits + offsets).argmax(1))
    log(f"lifecycle offsets {dict(zip(LIFECYCLE_STAGES, offsets.round(2).tolist()))}: validation macro-F1 {before:.4f} → {after:.4f}")
    return {"offsets": dict(zip(LIFECYCLE_STAGES, offsets.tolist())), "val_macro_f1_before": before, "val_macro_f1_after": after}


def baseline_soft_targets(events, attrs, labels: ProfileLabels, as_of_ms: int, seed: int, folds: int = 5, log: Log = print) -> tuple[np.ndarray, ...]:
    """Out-of-fold HistGradientBoosting predictions for the users of ``labels`` — lifecycle and product
    probabilities, tag scores (float32) — each user's from a baseline fitted on the other folds, so the
    network learns what the aggregates reveal, not the baseline's fit to that user's own label."""
    start = time.perf_counter()
    x, _ = user_aggregates(events, attrs, labels.user_ids, as_of_ms)
    fold = np.random.default_rng(seed).permutation(len(x)) % folds
    life, tags, products = np.zeros((len(x), N_LIFE)), np.zeros((len(x), N_TAGS)), np.zeros((len(x), N_PRODUCTS))
    for k in range(folds):
        fit_rows, out_rows = fold != k, fold == k
        models = fit_baseline(x[fit_rows], labels.lifecycle[fit_rows], labels.tags[fit_rows], labels.next_product[fit_rows], N_LIFE, N_PRODUCTS, seed)
        life[out_rows], tags[out_rows], products[out_rows] = models.predict(x[out_rows])
    log(f"teacher: out-of-fold HistGradientBoosting predictions for {len(x)} training users ({folds} folds, {time.perf_counter() - start:.0f} s)")
    return life.astype(np.float32), tags.astype(np.float32), products.astype(np.float32)


def _baseline(events, attrs, labels: ProfileLabels, kept: list[str], held: list[str], as_of_ms: int, seed: int, log: Log) -> dict:
    start = time.perf_counter()
    train_labels, eval_labels = labels.subset(kept), labels.subset(held)
    x_train, _ = user_aggregates(events, attrs, kept, as_of_ms)
    x_eval, _ = user_aggregates(events, attrs, held, as_of_ms)
    models = fit_baseline(x_train, train_labels.lifecycle, train_labels.tags, train_labels.next_product, N_LIFE, N_PRODUCTS, seed)
    result = profile_metrics(*models.predict(x_eval), eval_labels)
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["features"] = int(x_train.shape[1])
    log(f"HistGradientBoosting baseline: lifecycle macro-F1 {result['lifecycle_macro_f1']:.4f}, mean tag AUROC {result['tag_auroc_mean']:.4f}")
    return result
