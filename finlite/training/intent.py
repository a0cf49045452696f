"""``finlite train intent``: data files → (teachers →) distilled student → calibrated run directory."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..data.augment import char_noise
from ..data.loaders import DataError, TextDataset, check_known_labels, load_text_dataset
from ..data.splits import stratified_split
from ..data.text import TextEncoder
from ..models import count_macs, count_params, get_model
from .checkpoint import METRICS, SAMPLES, RunInfo, save_run
from .config import IntentTrainConfig, write_json
from .metrics import calibrate_threshold, classification_report, softmax
from .trainer import EncodedSplit, FitSettings, fit, predict_logits, seed_everything

Log = Callable[[str], None]
CALIBRATION_SAMPLES = 256
HOLDOUT_SAMPLES = 512


def _settings(config: IntentTrainConfig, epochs: int, seed: int, distill: bool) -> FitSettings:
    return FitSettings(
        epochs=epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        weight_decay=config.weight_decay,
        label_smoothing=config.label_smoothing,
        ema_decay=config.ema_decay,
        patience=config.patience,
        seed=seed,
        distill_alpha=config.distill_alpha if distill else 1.0,
        temperature=config.temperature if distill else 1.0,
    )


def _noisy_ids(texts: list[str], ids: np.ndarray, encoder: TextEncoder, fraction: float):
    """Augment: every epoch, re-encode ``fraction`` of the texts with one character edit."""

    def augment(rng: np.random.Generator) -> np.ndarray:
        out = ids.copy()
        for i in np.nonzero(rng.random(len(texts)) < fraction)[0]:
            out[i] = encoder.encode(char_noise(texts[i], rng))
        return out

    return augment if fraction > 0 else None


def _model_kwargs(config: IntentTrainConfig, name: str, num_classes: int) -> dict:
    kwargs = {"num_classes": num_classes, "buckets": config.buckets}
    if name != "intent_bag":
        kwargs["dropout"] = config.dropout
    return kwargs


def train_intent(
    train_path: Path,
    eval_path: Path | None,
    out_dir: Path,
    config: IntentTrainConfig,
    text_column: str | None = None,
    label_column: str | None = None,
    log: Log = print,
) -> dict:
    """Train an intent model; write ``model.pt``, ``run.json`` and ``metrics.json`` to ``out_dir``."""
    start = time.perf_counter()
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    data = load_text_dataset(train_path, text_column, label_column)
    labels = data.label_set()
    if len(labels) < 2:
        raise DataError(f"needs at least two labels to train a classifier, found {labels}", str(train_path), field=data.label_column)
    evaluation: TextDataset | None = None
    if eval_path is not None:
        evaluation = load_text_dataset(eval_path, text_column, label_column)
        check_known_labels(evaluation, labels)
    index = {label: i for i, label in enumerate(labels)}
    oos_index = index.get(config.oos_label)
    encoder = TextEncoder(config.text_spec())

    log(f"encoding {len(data.texts)} texts from {train_path} ({len(labels)} labels)")
    all_ids = encoder.encode_batch(data.texts)
    all_y = np.array([index[label] for label in data.labels], dtype=np.int64)
    keep, held = stratified_split(data.labels, config.val_fraction, config.seed)
    train, val = EncodedSplit(all_ids[keep], all_y[keep]), EncodedSplit(all_ids[held], all_y[held])
    augment = _noisy_ids([data.texts[i] for i in keep], train.ids, encoder, config.char_noise)
    log(f"train {len(train)} / validation {len(val)} (stratified, seed {config.seed})")

    teachers: list[dict] = []
    soft = None
    if config.distill:
        teacher_probs = []
        for k, name in enumerate(n.strip() for n in config.teachers.split(",") if n.strip()):
            teacher = get_model(name, **_model_kwargs(config, name, len(labels)))
            fitted = fit(
                teacher,
                train,
                val,
                _settings(config, config.teacher_epochs or config.epochs, config.seed + 1000 + k, False),
                augment=augment,
                desc=f"teacher {name}",
            )
            teachers.append({"model": name, "val": fitted.best_val, "seconds": round(fitted.seconds, 1)})
            teacher_probs.append(softmax(predict_logits(teacher, train.ids) / config.temperature))
        soft = np.mean(teacher_probs, axis=0)

    kwargs = _model_kwargs(config, config.model, len(labels))
    model = get_model(config.model, **kwargs)
    fitted = fit(
        model,
        train,
        val,
        _settings(config, config.epochs, config.seed, config.distill),
        soft_targets=soft,
        augment=augment,
        desc=config.model,
    )

    val_probs = softmax(predict_logits(model, val.ids))
    calibration = calibrate_threshold(val_probs, val.y, oos_index, config.oos_reject_in_scope)
    metrics: dict = {"val": classification_report(predict_logits(model, val.ids), val.y, calibration.threshold, oos_index)}
    if evaluation is not None:
        eval_ids = encoder.encode_batch(evaluation.texts)
        eval_y = np.array([index[label] for label in evaluation.labels], dtype=np.int64)
        metrics["eval"] = classification_report(predict_logits(model, eval_ids), eval_y, calibration.threshold, oos_index)
    sample = torch.from_numpy(all_ids[:1])
    metrics["model"] = {"name": config.model, "params": count_params(model), "macs": count_macs(model, sample)}
    metrics["train"] = {
        "best_epoch": fitted.best_epoch,
        "history": fitted.history,
        "seconds": round(time.perf_counter() - start, 1),
        "teachers": teachers,
    }
    metrics["oos"] = {"label": config.oos_label if oos_index is not None else None, **asdict(calibration)}

    info = RunInfo(
        task="intent",
        model=config.model,
        model_kwargs=kwargs,
        labels=labels,
        preprocess={"format": "finlite.preprocess/1", "task": "intent", "text": encoder.spec.to_json()},
        train_config=config.to_json(),
        oos={"label": config.oos_label, "index": oos_index, "threshold": calibration.threshold, "method": calibration.method},
        data={
            "train": str(train_path),
            "eval": str(eval_path) if eval_path else None,
            "n_train": len(train),
            "n_val": len(val),
            "n_eval": len(evaluation.texts) if evaluation else 0,
        },
    )
    save_run(out_dir, model, info)
    write_json(out_dir / METRICS, metrics)
    write_json(out_dir / SAMPLES, _export_samples(data, keep, held, evaluation, config.seed))
    return metrics


def _export_samples(data: TextDataset, keep: np.ndarray, held: np.ndarray, evaluation: TextDataset | None, seed: int) -> dict:
    """Texts the exporter calibrates on (training split) and checks parity on (never seen by either)."""
    rng = np.random.default_rng(seed)
    calibration = rng.permutation(keep)[:CALIBRATION_SAMPLES]
    if evaluation is not None:
        texts, labels = evaluation.texts, evaluation.labels
        source = "eval"
    else:
        texts, labels = [data.texts[i] for i in held], [data.labels[i] for i in held]
        source = "validation"
    pick = rng.permutation(len(texts))[:HOLDOUT_SAMPLES]
    return {
        "calibration": [data.texts[i] for i in calibration],
        "holdout_source": source,
        "holdout": [{"text": texts[i], "label": labels[i]} for i in pick],
    }
