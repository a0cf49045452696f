"""The intent task's training hooks: texts → encoded splits (with character noise), teachers'
soft targets, and after training the out-of-scope threshold, the metrics and samples.json."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from ..bundle import formats
from ..bundle.postprocess import softmax
from ..data.text import TextEncoder
from .base import ArraySplit, Finished, Log, Prepared, TrainContext
from .config import ConfigError

CALIBRATION_SAMPLES = 256
HOLDOUT_SAMPLES = 512


def prepare(task, config, data: dict[str, Any], log: Log) -> Prepared:
    """Load the training (and evaluation) texts, encode them and carve a stratified validation split."""
    from ..data.loaders import DataError, check_known_labels, load_text_dataset
    from ..data.splits import stratified_split

    if config.distill:
        teacher_specs(config)  # a bad teachers= / teacher_weights= setting fails before any work
    if config.distill_augment < 0 or (config.distill_augment and not config.distill):
        raise ConfigError(f"distill_augment must be >= 0 and needs distill=true (the teachers score the variants), got "
                          f"distill_augment={config.distill_augment}, distill={str(config.distill).lower()}")
    train_path, eval_path = data["train"], data.get("eval")
    dataset = load_text_dataset(train_path, data.get("text_column"), data.get("label_column"))
    labels = dataset.label_set()
    if len(labels) < 2:
        raise DataError(f"needs at least two labels to train a classifier, found {labels}", str(train_path), field=dataset.label_column)
    evaluation = None
    if eval_path is not None:
        evaluation = load_text_dataset(eval_path, data.get("text_column"), data.get("label_column"))
        check_known_labels(evaluation, labels)
    index = {label: i for i, label in enumerate(labels)}
    encoder = TextEncoder(config.text_spec())
    log(f"encoding {len(dataset.texts)} texts from {train_path} ({len(labels)} labels)")
    all_ids = encoder.encode_batch(dataset.texts)
    all_y = np.array([index[label] for label in dataset.labels], dtype=np.int64)
    split_seed = split_seed_of(config)
    keep, held = stratified_split(dataset.labels, config.val_fraction, split_seed)
    train = ArraySplit((all_ids[keep],), (all_y[keep],))
    val = ArraySplit((all_ids[held],), (all_y[held],))
    log(f"train {len(train)} / validation {len(val)} (stratified, seed {split_seed})")
    return Prepared(
        train=train,
        val=val,
        labels=labels,
        preprocess={"format": formats.PREPROCESS, "task": task.name, "text": encoder.spec.to_json()},
        model_kwargs={"num_classes": len(labels), "buckets": config.buckets, "dropout": config.dropout},
        data={"train": str(train_path), "eval": str(eval_path) if eval_path else None, "n_train": len(train),
              "n_val": len(val), "n_eval": len(evaluation.texts) if evaluation else 0},
        augment=_noisy_ids([dataset.texts[i] for i in keep], train.inputs[0], encoder, config.char_noise),
        extra={"dataset": dataset, "evaluation": evaluation, "keep": keep, "held": held, "encoder": encoder,
               "eval_ids": (encoder.encode_batch(evaluation.texts),) if evaluation is not None else None},
    )


def split_seed_of(config) -> int:
    """The validation split's seed: ``split_seed``, or the training seed when it is -1."""
    return config.seed if config.split_seed < 0 else config.split_seed


def teacher_specs(config) -> list[tuple[str, float]]:
    """``(name, weight)`` of every teacher in ``config.teachers``, weights normalised to sum 1; a
    :class:`ConfigError` naming the problem for unknown or repeated names and bad weights, and
    :class:`~finlite.tasks.intent_teacher.TeacherUnavailable` for ``minilm`` without its extra."""
    from ..models import list_models
    from .intent_teacher import NAME, require_teacher

    names = [n.strip() for n in config.teachers.split(",") if n.strip()]
    if not names:
        raise ConfigError("distillation needs at least one teacher in teachers=...; or set distill=false")
    known = list_models("intent")
    for name in names:
        if name != NAME and name not in known:
            raise ConfigError(f"unknown teacher {name!r} in teachers=; known: {NAME}, {', '.join(known)}")
    if len(set(names)) < len(names):
        raise ConfigError(f"teachers= names a teacher twice ({config.teachers!r}); weigh it with teacher_weights instead")
    if not config.teacher_weights.strip():
        weights = [1.0] * len(names)
    else:
        try:
            weights = [float(w) for w in config.teacher_weights.split(",")]
        except ValueError:
            raise ConfigError(f"teacher_weights must be comma-separated numbers, got {config.teacher_weights!r}") from None
        if len(weights) != len(names):
            raise ConfigError(f"teacher_weights has {len(weights)} values for {len(names)} teachers ({', '.join(names)})")
        if any(not np.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
            raise ConfigError(f"teacher_weights must be >= 0 and not all 0, got {config.teacher_weights!r}")
    if NAME in names:
        require_teacher()
    total = sum(weights)
    return [(name, w / total) for name, w in zip(names, weights)]


def mix_soft_targets(probs: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """The weighted average of the teachers' (softened) probability rows; ``weights`` sum to 1."""
    if not probs or len(probs) != len(weights):
        raise ValueError(f"needs one weight per teacher, got {len(probs)} teachers and {len(weights)} weights")
    if len({p.shape for p in probs}) != 1:
        raise ValueError(f"teachers disagree on the shape of their predictions: {[p.shape for p in probs]}")
    return np.sum([w * p for w, p in zip(weights, probs)], axis=0).astype(np.float32)


def _accuracy(logits: np.ndarray | None, y: np.ndarray | None) -> float | None:
    return None if logits is None or y is None else float(np.mean(logits.argmax(1) == y))


def teacher_targets(task, config, prepared: Prepared, ctx: TrainContext) -> tuple[np.ndarray, ...]:
    """The teachers' weighted averaged softened predictions on the training texts; with ``distill_augment``, also
    on that many variants of each text, which then extend ``prepared.train`` (and its noise). A teacher is one of the
    registered models named by ``config.teachers`` (trained first with the run's settings) or ``minilm``
    (fine-tuned or read from the cache, :mod:`finlite.tasks.intent_teacher`). Each teacher's validation and
    evaluation accuracy, its weight and its time land in ``prepared.extra["teachers"]``."""
    import time

    from ..models import get_model
    from .intent_teacher import NAME

    specs = teacher_specs(config)
    extra = prepared.extra
    train_texts = [extra["dataset"].texts[i] for i in extra["keep"]]
    variants, variant_of = word_variants(train_texts, config.distill_augment, split_seed_of(config))
    variant_ids = (extra["encoder"].encode_batch(variants),) if variants else None
    evaluation = extra["evaluation"]
    index = {label: i for i, label in enumerate(prepared.labels)}
    eval_y = np.array([index[label] for label in evaluation.labels], dtype=np.int64) if evaluation is not None else None
    eval_ids = extra["eval_ids"]
    teachers, logits = [], {"train": [], "val": [], "eval": [], "variants": []}
    kwargs = {"num_classes": len(prepared.labels), "buckets": config.buckets}
    for k, (name, weight) in enumerate(specs):
        start = time.perf_counter()
        if name == NAME:
            out = _minilm_logits(config, prepared, ctx, variants)
            row = {"cached": out.cached, "cache_key": out.key, "epochs": out.history, "stage_seconds": out.seconds}
            train_logits, val_logits, eval_logits, variant_logits = out.train, out.val, out.eval, out.variants
        else:
            teacher = get_model(name, **kwargs)
            fitted = ctx.fit(teacher, prepared.train, prepared.val, task.objective(config, prepared, distilled=False), name=f"teacher{k}-{name}",
                             desc=f"teacher {name}", epochs=config.teacher_epochs or config.epochs, seed=config.seed + 1000 + k,
                             augment=prepared.augment)
            row = {"best_epoch": fitted.best_epoch}
            train_logits, val_logits = ctx.predict(teacher, prepared.train.inputs), ctx.predict(teacher, prepared.val.inputs)
            eval_logits = ctx.predict(teacher, eval_ids) if eval_ids is not None else None
            variant_logits = ctx.predict(teacher, variant_ids) if variant_ids is not None else None
        for split, value in (("train", train_logits), ("val", val_logits), ("eval", eval_logits), ("variants", variant_logits)):
            logits[split].append(value)
        teachers.append({"model": name, "weight": round(weight, 6), "val": {"accuracy": _accuracy(val_logits, prepared.val.targets[0])},
                         "eval": {"accuracy": _accuracy(eval_logits, eval_y)}, **row, "seconds": round(time.perf_counter() - start, 1)})
        ctx.log(f"teacher {name}: validation accuracy {teachers[-1]['val']['accuracy']:.4f}"
                + (f", evaluation accuracy {teachers[-1]['eval']['accuracy']:.4f}" if eval_y is not None else "")
                + f" ({teachers[-1]['seconds']:.0f} s)")
    weights = [w for _, w in specs]

    def mixed(split: str) -> np.ndarray:
        return mix_soft_targets([softmax(x / config.temperature) for x in logits[split]], weights)

    ensemble = {"val": {"accuracy": _accuracy(mixed("val"), prepared.val.targets[0])}}
    if eval_y is not None and all(x is not None for x in logits["eval"]):
        ensemble["eval"] = {"accuracy": _accuracy(mixed("eval"), eval_y)}
    extra["teachers"] = teachers
    extra["teacher_ensemble"] = ensemble
    if not variants:
        return (mixed("train"),)
    # the student's training split grows by the variants, labelled as their originals, softened by the teachers
    ids, y = prepared.train.inputs[0], prepared.train.targets[0]
    prepared.train = ArraySplit((np.concatenate([ids, variant_ids[0]]),), (np.concatenate([y, y[variant_of]]),))
    prepared.augment = _noisy_ids(train_texts + variants, prepared.train.inputs[0], extra["encoder"], config.char_noise)
    extra["distill_variants"] = len(variants)
    ctx.log(f"student: {len(ids)} training texts and {len(variants)} teacher-scored variants")
    return (np.concatenate([mixed("train"), mixed("variants")]),)


def word_variants(texts: list[str], per_text: int, seed: int) -> tuple[list[str], np.ndarray]:
    """``per_text`` variants of every text (:func:`finlite.data.augment.word_variant`) and the index of each
    variant's original; seeded by the validation split's seed, so student seeds share a teacher's cached scores."""
    from ..data.augment import word_variant

    rng = np.random.default_rng([seed, 20])
    of = np.repeat(np.arange(len(texts)), per_text)
    return [word_variant(texts[i], rng) for i in of], of


def _minilm_logits(config, prepared: Prepared, ctx: TrainContext, variants: list[str]):
    """The MiniLM teacher's logits for this run's splits and the training-text variants (cached under ``teacher_cache``)."""
    from pathlib import Path

    from .intent_teacher import CheckpointFiles, MiniLMSettings, teacher_logits

    extra = prepared.extra
    texts = extra["dataset"].texts
    settings = MiniLMSettings(epochs=config.minilm_epochs, batch_size=config.minilm_batch_size, lr=config.minilm_lr,
                              head_lr=config.minilm_head_lr, weight_decay=config.weight_decay, label_smoothing=config.label_smoothing,
                              max_tokens=config.minilm_max_tokens, seed=split_seed_of(config))
    cache = Path(config.teacher_cache) if config.teacher_cache else ctx.run_dir / "teacher_cache"
    evaluation = extra["evaluation"]
    return teacher_logits(([texts[i] for i in extra["keep"]], prepared.train.targets[0]), ([texts[i] for i in extra["held"]], prepared.val.targets[0]),
                          prepared.labels, evaluation.texts if evaluation is not None else None, settings, cache,
                          CheckpointFiles(ctx.save_checkpoint, ctx.load_checkpoint), ctx.log, variants)


def finish(model, config, prepared: Prepared, ctx: TrainContext) -> Finished:
    """The out-of-scope threshold calibrated on the validation split, the metrics, samples.json."""
    from .metrics import classification_report
    from .oos_points import calibrate_threshold, oos_auroc, oos_curve, operating_point, operating_points, plot_curve

    extra = prepared.extra
    index = {label: i for i, label in enumerate(prepared.labels)}
    oos_index = index.get(config.oos_label)
    val_logits = ctx.predict(model, prepared.val.inputs)
    val_y = prepared.val.targets[0]
    val_probs = softmax(val_logits)
    calibration = calibrate_threshold(val_probs, val_y, oos_index, config.oos_rule, config.oos_reject_in_scope, config.oos_min_recall)
    if calibration.note:
        ctx.log(f"out-of-scope threshold: {calibration.note}")
    metrics: dict = {"val": classification_report(val_logits, val_y, calibration.threshold, oos_index)}
    evaluation = extra["evaluation"]
    probs, y, measured_on = val_probs, val_y, "validation"
    if evaluation is not None:
        eval_y = np.array([index[label] for label in evaluation.labels], dtype=np.int64)
        eval_logits = ctx.predict(model, extra["eval_ids"])
        metrics["eval"] = classification_report(eval_logits, eval_y, calibration.threshold, oos_index)
        probs, y, measured_on = softmax(eval_logits), eval_y, "evaluation"
    curve = oos_curve(probs, y, oos_index)
    metrics["oos"] = {"label": config.oos_label if oos_index is not None else None, **asdict(calibration),
                      "measured_on": measured_on, "auroc": oos_auroc(probs, y, oos_index),
                      "operating_points": operating_points(val_probs, val_y, probs, y, oos_index), "curve": curve}
    figures = {}
    if oos_index is not None and (y == oos_index).any():
        chosen = operating_point(probs, y, oos_index, calibration.threshold)
        title = f"out-of-scope operating points on the {measured_on} texts (rule {calibration.method})"
        figures["oos_curve.png"] = lambda path: plot_curve(curve, chosen, path, title)
    return Finished(
        metrics=metrics,
        train_metrics={"teachers": extra.get("teachers", []), "teacher_ensemble": extra.get("teacher_ensemble"),
                       "distill_variants": extra.get("distill_variants", 0)},
        samples=_export_samples(extra["dataset"], extra["keep"], extra["held"], evaluation, config.seed),
        oos={"label": config.oos_label, "index": oos_index, "threshold": calibration.threshold, "method": calibration.method},
        figures=figures,
    )


def _noisy_ids(texts: list[str], ids: np.ndarray, encoder: TextEncoder, fraction: float):
    """Augment: every epoch, re-encode ``fraction`` of the texts with one character edit."""
    from ..data.augment import char_noise

    def augment(rng: np.random.Generator) -> tuple[np.ndarray]:
        out = ids.copy()
        for i in np.nonzero(rng.random(len(texts)) < fraction)[0]:
            out[i] = encoder.encode(char_noise(texts[i], rng))
        return (out,)

    return augment if fraction > 0 else None


def _export_samples(data, keep: np.ndarray, held: np.ndarray, evaluation, seed: int) -> dict:
    """Texts the exporter calibrates on (training split) and checks parity on (never seen by either)."""
    rng = np.random.default_rng(seed)
    calibration = rng.permutation(keep)[:CALIBRATION_SAMPLES]
    if evaluation is not None:
        texts, labels, source = evaluation.texts, evaluation.labels, "eval"
    else:
        texts, labels, source = [data.texts[i] for i in held], [data.labels[i] for i in held], "validation"
    pick = rng.permutation(len(texts))[:HOLDOUT_SAMPLES]
    return {
        "calibration": [data.texts[i] for i in calibration],
        "holdout_source": source,
        "holdout": [{"text": texts[i], "label": labels[i]} for i in pick],
    }

