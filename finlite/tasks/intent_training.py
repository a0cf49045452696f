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

CALIBRATION_SAMPLES = 256
HOLDOUT_SAMPLES = 512


def prepare(task, config, data: dict[str, Any], log: Log) -> Prepared:
    """Load the training (and evaluation) texts, encode them and carve a stratified validation split."""
    from ..data.loaders import DataError, check_known_labels, load_text_dataset
    from ..data.splits import stratified_split

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
    keep, held = stratified_split(dataset.labels, config.val_fraction, config.seed)
    train = ArraySplit((all_ids[keep],), (all_y[keep],))
    val = ArraySplit((all_ids[held],), (all_y[held],))
    log(f"train {len(train)} / validation {len(val)} (stratified, seed {config.seed})")
    return Prepared(
        train=train,
        val=val,
        labels=labels,
        preprocess={"format": formats.PREPROCESS, "task": task.name, "text": encoder.spec.to_json()},
        model_kwargs={"num_classes": len(labels), "buckets": config.buckets, "dropout": config.dropout},
        data={"train": str(train_path), "eval": str(eval_path) if eval_path else None, "n_train": len(train),
              "n_val": len(val), "n_eval": len(evaluation.texts) if evaluation else 0},
        augment=_noisy_ids([dataset.texts[i] for i in keep], train.inputs[0], encoder, config.char_noise),
        extra={"dataset": dataset, "evaluation": evaluation, "keep": keep, "held": held, "encoder": encoder},
    )


def teacher_targets(task, config, prepared: Prepared, ctx: TrainContext) -> tuple[np.ndarray, ...]:
    """The teachers' averaged softened predictions on the training texts; each teacher is one of the
    registered models named by ``config.teachers``, trained first with the run's settings."""
    from ..models import get_model

    teachers, probs = [], []
    kwargs = {"num_classes": len(prepared.labels), "buckets": config.buckets}
    for k, name in enumerate(n.strip() for n in config.teachers.split(",") if n.strip()):
        teacher = get_model(name, **kwargs)
        fitted = ctx.fit(teacher, prepared.train, prepared.val, task.objective(config, prepared, distilled=False), name=f"teacher{k}-{name}",
                         desc=f"teacher {name}", epochs=config.teacher_epochs or config.epochs, seed=config.seed + 1000 + k,
                         augment=prepared.augment)
        teachers.append({"model": name, "val": fitted.best_val, "seconds": round(fitted.seconds, 1)})
        probs.append(softmax(ctx.predict(teacher, prepared.train.inputs) / config.temperature))
    prepared.extra["teachers"] = teachers
    return (np.mean(probs, axis=0).astype(np.float32),)


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
        eval_logits = ctx.predict(model, (extra["encoder"].encode_batch(evaluation.texts),))
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
        train_metrics={"teachers": extra.get("teachers", [])},
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

