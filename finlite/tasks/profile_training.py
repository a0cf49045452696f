"""The profile task's training hooks: data → encoded splits, the multi-task objective, and after
training the stage offsets, the evaluation and the HistGradientBoosting baseline."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..bundle import formats
from ..data.event_schema import LIFECYCLE_STAGES, OFFERABLE_PRODUCTS, TAGS
from ..data.splits import fit_val_eval_users
from .base import ArraySplit, Finished, Log, Prepared, TrainContext
from .profile import DEFAULT_LAYOUT, LABELS, TOP_K, ProfileTrainConfig
from .profile_outputs import head_probabilities, profile_metrics


def prepare(task, config: ProfileTrainConfig, data: dict[str, Any], log: Log) -> Prepared:
    """Load events, attributes and labels; split users into training / validation / evaluation; fit
    the numeric normalisation on the data and encode every split."""
    from ..data.events import load_attributes, load_events
    from ..data.profile_features import ProfileEncoder
    from ..data.profile_labels import load_profile_labels
    from ..data.profile_normalisation import fit_normalisation
    from ..data.profile_spec import ProfileSpec

    events, attrs, labels = load_events(data["events"]), load_attributes(data["users"]), load_profile_labels(data["labels"])
    for report in (events.report, attrs.report):
        log(report.summary())
    as_of = data.get("as_of_ms")
    as_of_ms = int(as_of if as_of is not None else int(events.ts_ms.max()) + 1)
    fit_users, val_users, held = fit_val_eval_users(labels.user_ids, config.eval_fraction, config.val_fraction, config.seed)
    log(f"{len(fit_users)} training / {len(val_users)} validation / {len(held)} evaluation users")
    spec = fit_normalisation(events, attrs, as_of_ms, ProfileSpec(max_events=config.max_events, utc_offset_minutes=config.utc_offset_minutes))
    encoder = ProfileEncoder(spec)
    train, val, evaluation = (profile_arrays(encoder, events, attrs, labels.subset(u), as_of_ms) for u in (fit_users, val_users, held))
    kwargs = {
        "num_lifecycle": len(LIFECYCLE_STAGES),
        "num_tags": len(TAGS),
        "num_products": len(OFFERABLE_PRODUCTS),
        "static_features": spec.static_features,
        "num_features": spec.num_features,
        "dropout": config.dropout,
        "count_log": config.count_log,
        "tally_windows": config.tally_windows,
    }
    return Prepared(
        train=train,
        val=val,
        labels=list(LABELS),
        preprocess={"format": formats.PREPROCESS, "task": task.name, "profile": spec.to_json(), "tensors": encoder.describe()},
        model_kwargs=kwargs,
        data={"events": str(data["events"]), "users": str(data["users"]), "labels": str(data["labels"]), "as_of_ms": as_of_ms,
              "n_train": len(fit_users), "n_val": len(val_users), "n_eval": len(held)},
        extra={"events": events, "attrs": attrs, "labels": labels, "as_of_ms": as_of_ms, "held": held,
               "fit_users": fit_users, "val_users": val_users, "evaluation": evaluation},
    )


class ProfileObjective:
    """Weighted sum of lifecycle cross-entropy, tag binary cross-entropy (soft targets) and
    next-product cross-entropy. Targets: ``(lifecycle, tags, next_product)``, optionally followed by
    a teacher's ``(lifecycle probabilities, tag scores, product probabilities)``: then the loss is
    ``(1 - distill) × loss(labels) + distill × loss(teacher)``, where the teacher's tag scores are
    replaced by the labels' unless ``distill_tags``."""

    selection = ("score",)

    def __init__(self, config: ProfileTrainConfig, layout: dict[str, list[int]] = DEFAULT_LAYOUT):
        self.weights = (config.lifecycle_weight, config.tags_weight, config.products_weight)
        self.distill = config.distill_baseline
        self.distill_tags = config.distill_tags
        self.layout = layout
        self.slices = tuple(slice(*layout[h]) for h in ("lifecycle", "tags", "products"))

    def _loss(self, outputs: torch.Tensor, life: torch.Tensor, tags: torch.Tensor, products: torch.Tensor) -> torch.Tensor:
        """Cross-entropies against class indices or probability rows (F.cross_entropy takes both)."""
        (w_life, w_tags, w_products), (s_life, s_tags, s_products) = self.weights, self.slices
        return (
            w_life * F.cross_entropy(outputs[:, s_life], life)
            + w_tags * F.binary_cross_entropy_with_logits(outputs[:, s_tags], tags)
            + w_products * F.cross_entropy(outputs[:, s_products], products)
        )

    def loss(self, outputs: torch.Tensor, targets: Sequence[torch.Tensor]) -> torch.Tensor:
        hard = self._loss(outputs, *targets[:3])
        if len(targets) < 6 or self.distill <= 0:
            return hard
        life, tags, products = targets[3:6]
        soft = self._loss(outputs, life, tags if self.distill_tags else targets[1], products)
        return (1.0 - self.distill) * hard + self.distill * soft

    def evaluate(self, outputs: np.ndarray, targets: Sequence[np.ndarray]) -> dict[str, float]:
        from ..data.profile_labels import ProfileLabels

        labels = ProfileLabels([], targets[0], targets[1], targets[2])
        full = profile_metrics(*head_probabilities(outputs, self.layout), labels)
        return {k: full[k] for k in ("lifecycle_macro_f1", "tag_auroc_mean", f"product_ndcg@{TOP_K}", "score")}


def tune_lifecycle_offsets(model: torch.nn.Module, val: ArraySplit, predict, log: Log, columns: Sequence[int] = DEFAULT_LAYOUT["lifecycle"]) -> dict:
    """Fit per-stage logit offsets for macro-F1 on the validation users and add them to the lifecycle
    columns of the output layer's bias, so every exported artifact decides the same way."""
    from .class_offsets import fit_class_offsets
    from .metrics import macro_f1

    start, stop = columns
    logits = predict(model, val.inputs)[:, start:stop]
    offsets = fit_class_offsets(logits, val.targets[0])
    with torch.no_grad():
        model.head.bias[start:stop] += torch.as_tensor(offsets, dtype=model.head.bias.dtype)
    before, after = macro_f1(val.targets[0], logits.argmax(1)), macro_f1(val.targets[0], (logits + offsets).argmax(1))
    log(f"lifecycle offsets {dict(zip(LIFECYCLE_STAGES, offsets.round(2).tolist()))}: validation macro-F1 {before:.4f} → {after:.4f}")
    return {"offsets": dict(zip(LIFECYCLE_STAGES, offsets.tolist())), "val_macro_f1_before": before, "val_macro_f1_after": after}


def finish(model, config: ProfileTrainConfig, prepared: Prepared, ctx: TrainContext) -> Finished:
    """Stage offsets, metrics on the evaluation users, the baseline on the same split, samples.json."""
    from .profile_baseline import baseline_report

    e = prepared.extra
    offsets = tune_lifecycle_offsets(model, prepared.val, ctx.predict, ctx.log) if config.tune_lifecycle_offsets else None
    labels = e["labels"]
    metrics: dict = {"eval": profile_metrics(*head_probabilities(ctx.predict(model, e["evaluation"].inputs), DEFAULT_LAYOUT), labels.subset(e["held"]))}
    if config.baseline and ctx.rank == 0:
        metrics["baseline"] = baseline_report(e["events"], e["attrs"], labels, sorted(e["fit_users"] + e["val_users"]), e["held"], e["as_of_ms"], config.seed, ctx.log)
    metrics["data"] = {"users": len(labels.user_ids), "events": len(e["events"]), "as_of_ms": e["as_of_ms"]}
    return Finished(
        metrics=metrics,
        train_metrics={"lifecycle_offsets": offsets},
        # the exporter calibrates int8 on training users and checks parity on exactly these held-out users
        samples={"calibration_users": e["fit_users"], "validation_users": e["val_users"], "holdout_users": e["held"]},
    )


def profile_arrays(encoder, events, attrs, labels, as_of_ms: int) -> ArraySplit:
    """Model inputs and ``(lifecycle, tags, next_product)`` targets of the users of ``labels``."""
    inputs = encoder.encode(events, attrs, labels.user_ids, as_of_ms).as_tuple()
    return ArraySplit(inputs, (labels.lifecycle.astype(np.int64), labels.tags.astype(np.float32), labels.next_product.astype(np.int64)))
