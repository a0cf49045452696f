"""The profile task's training hooks: data → encoded splits, the multi-task objective, and after
training the stage offsets, the evaluation and the HistGradientBoosting baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..bundle import formats
from ..data.splits import fit_val_eval_users
from .base import ArraySplit, Finished, Log, Prepared, TrainContext
from .profile import TOP_K, ProfileTrainConfig, schema_labels, schema_layout
from .profile_outputs import head_probabilities, profile_metrics


def load_schema(data: dict[str, Any], log: Log):
    """The run's schema: ``data["schema"]`` when given, else inferred from the three files (and logged)."""
    from ..data.schema_infer import infer_schema
    from ..data.schema_json import read_schema

    if data.get("schema"):
        return read_schema(data["schema"])
    from ..data.loaders import DataError

    try:
        schema, notes = infer_schema(data["events"], data["users"], data["labels"])
    except DataError as exc:
        raise DataError(f"{exc.message} (without --schema the schema is inferred: write one with `finlite schema infer` "
                        "and its column options, then pass --schema)", exc.path, exc.line, exc.field) from None
    log("schema inferred from the files (saved as schema.json in the run; pass --schema to use an edited one):")
    for note in notes:
        log(f"  {note}")
    return schema


def prepare(task, config: ProfileTrainConfig, data: dict[str, Any], log: Log) -> Prepared:
    """Load events, attributes and labels with the schema; split users into training / validation
    (/ evaluation: the ``eval_labels`` users, or ``eval_fraction`` of the labelled ones); fit the numeric
    normalisation on the data and encode every split. With ``data["shards"]`` the inputs come from
    shards written by ``finlite encode`` instead (:mod:`.profile_shards`)."""
    if data.get("shards"):
        from .profile_shards import prepare_from_shards

        return prepare_from_shards(task, config, data, log)
    from ..data.events import load_attributes, load_events
    from ..data.profile_features import ProfileEncoder
    from ..data.profile_normalisation import fit_normalisation
    from ..data.profile_spec import ProfileSpec

    pretrained = pretrained_spec(config, data)
    schema = pretrained.schema if pretrained is not None else load_schema(data, log)
    if pretrained is not None:
        log(f"encoding with the spec {data['init']} was pretrained with (its schema, windows of {pretrained.max_events} events, normalisation)")
    events, attrs = load_events(data["events"], schema), load_attributes(data["users"], schema)
    for report in (events.report, attrs.report):
        log(report.summary())
    as_of = data.get("as_of_ms")
    as_of_ms = int(as_of if as_of is not None else int(events.ts_ms.max()) + 1)
    labels, fit_users, val_users, held = split_labelled_users(config, data, schema, log)
    base = ProfileSpec(schema=schema, max_events=config.max_events, utc_offset_minutes=config.utc_offset_minutes)
    encoder = ProfileEncoder(pretrained if pretrained is not None else fit_normalisation(events, attrs, as_of_ms, base))
    train, val, evaluation = (profile_arrays(encoder, events, attrs, labels.subset(u), as_of_ms) for u in (fit_users, val_users, held or val_users))
    record = {"events": str(data["events"]), "users": str(data["users"])}
    return prepared_profile(task, config, encoder, (train, val, evaluation), data, record, as_of_ms,
                            {"events": events, "attrs": attrs, "n_events": len(events), "labels": labels, "held": held,
                             "fit_users": fit_users, "val_users": val_users})


def pretrained_spec(config: ProfileTrainConfig, data: dict[str, Any]):
    """With ``data["init"]``: the pretraining's spec (fine-tuning encodes as it did), after checking that
    the model and a given ``--schema`` agree with it; else None."""
    if not data.get("init"):
        return None
    from ..data.profile_spec import ProfileSpec
    from ..data.schema_json import read_schema
    from ..errors import FinliteError
    from .profile_pretrain import read_pretrained

    doc = read_pretrained(data["init"])
    if doc["model"] != config.model:
        raise FinliteError(f"{data['init']}: pretrained for {doc['model']}, but this run trains {config.model} (--model {doc['model']})")
    spec = ProfileSpec.from_json(doc["spec"])
    if data.get("schema") and read_schema(data["schema"]).to_json() != spec.schema.to_json():
        raise FinliteError(f"{data['schema']}: not the schema {data['init']} was pretrained with (leave out --schema to use that one)")
    return spec


def split_labelled_users(config: ProfileTrainConfig, data: dict[str, Any], schema, log: Log) -> tuple[Any, list[str], list[str], list[str]]:
    """``(labels, training, validation, evaluation users)`` of ``data["labels"]``: the evaluation users are
    those of ``data["eval_labels"]`` (joined to the labels) when given, else ``eval_fraction`` of the labelled ones."""
    from ..data.profile_labels import load_profile_labels

    labels = load_profile_labels(data["labels"], schema)
    if data.get("eval_labels"):
        eval_labels = load_profile_labels(data["eval_labels"], schema)
        held = list(eval_labels.user_ids)
        overlap = set(held) & set(labels.user_ids)
        if overlap:
            log(f"{len(overlap)} users of {data['eval_labels']} are also in {data['labels']}: they are evaluated, not trained on")
        train_users = [u for u in labels.user_ids if u not in overlap]
        fit_users, val_users, _ = fit_val_eval_users(train_users, 0.0, config.val_fraction, config.seed)
        labels = labels.subset(train_users).joined(eval_labels)
    else:
        fit_users, val_users, held = fit_val_eval_users(labels.user_ids, config.eval_fraction, config.val_fraction, config.seed)
    log(f"{len(fit_users)} training / {len(val_users)} validation / {len(held)} evaluation users")
    return labels, fit_users, val_users, held


def prepared_profile(task, config: ProfileTrainConfig, encoder, splits: tuple[ArraySplit, ArraySplit, ArraySplit], data: dict[str, Any],
                     record: dict[str, Any], as_of_ms: int, extra: dict[str, Any]) -> Prepared:
    """The :class:`Prepared` of encoded ``(train, val, evaluation)`` splits; ``record`` = where the inputs
    came from (run.json's ``data``), ``extra`` = what the later hooks need."""
    from .profile_pretrain import model_kwargs_of

    spec, schema = encoder.spec, encoder.spec.schema
    kwargs = {**model_kwargs_of(spec), "dropout": config.dropout, "count_log": config.count_log, "tally_windows": config.tally_windows}
    train, val, evaluation = splits
    init = None
    if data.get("init"):
        from .profile_pretrain import ENCODER_WEIGHTS

        record, init = {**record, "init": str(data["init"])}, Path(data["init"]) / ENCODER_WEIGHTS
    return Prepared(
        train=train,
        val=val,
        labels=schema_labels(schema),
        preprocess={"format": formats.PREPROCESS, "task": task.name, "profile": spec.to_json(), "tensors": encoder.describe()},
        model_kwargs=kwargs,
        data={**record, "labels": str(data["labels"]), "as_of_ms": as_of_ms,
              "schema": str(data["schema"]) if data.get("schema") else None,
              "eval_labels": str(data["eval_labels"]) if data.get("eval_labels") else None,
              "n_train": len(extra["fit_users"]), "n_val": len(extra["val_users"]), "n_eval": len(extra["held"])},
        extra={"schema": schema, "layout": schema_layout(schema), "as_of_ms": as_of_ms, "evaluation": evaluation, **extra},
        init=init,
    )


class ProfileObjective:
    """Weighted sum of lifecycle cross-entropy, tag binary cross-entropy (soft targets), buy binary
    cross-entropy and next-product cross-entropy over the buyers. Targets: ``(lifecycle, tags,
    next_product)`` (next_product -1 = bought nothing), optionally followed by a teacher's
    ``(lifecycle probabilities, tag scores, P(buy), product probabilities)``: then the loss is
    ``(1 - distill) × loss(labels) + distill × loss(teacher)``, where the teacher's tag scores are
    replaced by the labels' unless ``distill_tags``."""

    selection = ("score",)

    def __init__(self, config: ProfileTrainConfig, layout: dict[str, list[int]]):
        self.weights = (config.lifecycle_weight, config.tags_weight, config.buy_weight, config.products_weight)
        self.distill = config.distill_baseline
        self.distill_tags = config.distill_tags
        self.layout = layout
        self.slices = tuple(slice(*layout[h]) for h in ("lifecycle", "tags", "buy", "products"))

    def _loss(self, outputs: torch.Tensor, life, tags, buy, products, buyers: torch.Tensor) -> torch.Tensor:
        """Cross-entropies against class indices or probability rows (F.cross_entropy takes both);
        the product term averages over ``buyers`` only."""
        (w_life, w_tags, w_buy, w_products), (s_life, s_tags, s_buy, s_products) = self.weights, self.slices
        loss = (
            w_life * F.cross_entropy(outputs[:, s_life], life)
            + w_tags * F.binary_cross_entropy_with_logits(outputs[:, s_tags], tags)
            + w_buy * F.binary_cross_entropy_with_logits(outputs[:, s_buy].squeeze(1), buy)
        )
        if bool(buyers.any()):
            loss = loss + w_products * F.cross_entropy(outputs[buyers][:, s_products], products[buyers])
        return loss

    def loss(self, outputs: torch.Tensor, targets: Sequence[torch.Tensor]) -> torch.Tensor:
        life, tags, product = targets[:3]
        buyers = product >= 0
        hard = self._loss(outputs, life, tags, buyers.to(outputs.dtype), product.clamp(min=0), buyers)
        if len(targets) < 7 or self.distill <= 0:
            return hard
        s_life, s_tags, s_buy, s_products = targets[3:7]
        soft = self._loss(outputs, s_life, s_tags if self.distill_tags else tags, s_buy, s_products, buyers)
        return (1.0 - self.distill) * hard + self.distill * soft

    def evaluate(self, outputs: np.ndarray, targets: Sequence[np.ndarray]) -> dict[str, float]:
        from ..data.profile_labels import ProfileLabels

        labels = ProfileLabels([], targets[0], targets[1], targets[2])
        full = profile_metrics(*head_probabilities(outputs, self.layout), labels)
        return {k: full[k] for k in ("lifecycle_macro_f1", "tag_auroc_mean", f"product_ndcg@{TOP_K}", "score")}


def tune_lifecycle_offsets(model: torch.nn.Module, val: ArraySplit, predict, log: Log, columns: Sequence[int], stages: Sequence[str]) -> dict:
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
    log(f"lifecycle offsets {dict(zip(stages, offsets.round(2).tolist()))}: validation macro-F1 {before:.4f} → {after:.4f}")
    return {"offsets": dict(zip(stages, offsets.tolist())), "val_macro_f1_before": before, "val_macro_f1_after": after}


def finish(model, config: ProfileTrainConfig, prepared: Prepared, ctx: TrainContext) -> Finished:
    """Stage offsets, metrics on the evaluation users, the baseline on the same split, samples.json."""
    from .profile_baseline import baseline_report

    e = prepared.extra
    schema, layout = e["schema"], e["layout"]
    offsets = (tune_lifecycle_offsets(model, prepared.val, ctx.predict, ctx.log, layout["lifecycle"], schema.labels.stages)
               if config.tune_lifecycle_offsets else None)
    labels = e["labels"]
    # without evaluation users the figures are the validation users' (which chose the epoch and the offsets)
    eval_users = e["held"] or e["val_users"]
    metrics: dict = {"eval": profile_metrics(*head_probabilities(ctx.predict(model, e["evaluation"].inputs), layout), labels.subset(eval_users), schema.tag_names),
                     "eval_users": "evaluation" if e["held"] else "validation (no users held out)"}
    if config.baseline and e["events"] is None:
        ctx.log("trained from shards: the HistGradientBoosting baseline needs the raw events (train from --events/--users to compare)")
    elif config.baseline and ctx.rank == 0:
        metrics["baseline"] = baseline_report(schema, e["events"], e["attrs"], labels, sorted(e["fit_users"] + e["val_users"]) if e["held"] else e["fit_users"],
                                              eval_users, e["as_of_ms"], config.seed, ctx.log)
    metrics["data"] = {"users": len(labels.user_ids), "events": e["n_events"], "as_of_ms": e["as_of_ms"],
                       "buyers": float(labels.buys.mean())}
    return Finished(
        metrics=metrics,
        train_metrics={"lifecycle_offsets": offsets},
        # the exporter calibrates int8 on training users and checks parity on exactly these held-out users
        samples={"calibration_users": e["fit_users"], "validation_users": e["val_users"], "holdout_users": eval_users},
        documents={"schema.json": schema.to_json()},
    )


def profile_arrays(encoder, events, attrs, labels, as_of_ms: int) -> ArraySplit:
    """Model inputs and ``(lifecycle, tags, next_product)`` targets of the users of ``labels``."""
    return ArraySplit(encoder.encode(events, attrs, labels.user_ids, as_of_ms).as_tuple(), profile_targets(labels))


def profile_targets(labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lifecycle, tags, next_product)`` training targets of :class:`~finlite.data.profile_labels.ProfileLabels`."""
    return labels.lifecycle.astype(np.int64), labels.tags.astype(np.float32), labels.next_product.astype(np.int64)
