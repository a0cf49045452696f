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
from . import distributed
from .checkpoint import METRICS, SAMPLES, RunInfo, save_run
from .config import IntentTrainConfig, write_json
from .metrics import calibrate_threshold, classification_report, softmax
from .trainer import ArraySplit, ClassificationTask, FitSettings, fit, predict, seed_everything

Log = Callable[[str], None]
CALIBRATION_SAMPLES = 256
HOLDOUT_SAMPLES = 512


def _settings(config: IntentTrainConfig, epochs: int, seed: int) -> FitSettings:
    return FitSettings(
        epochs=epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        weight_decay=config.weight_decay,
        ema_decay=config.ema_decay,
        patience=config.patience,
        seed=seed,
        checkpoint_every=config.checkpoint_every,
    )


def _task(config: IntentTrainConfig, distill: bool) -> ClassificationTask:
    if not distill:
        return ClassificationTask(config.label_smoothing)
    return ClassificationTask(config.label_smoothing, config.distill_alpha, config.temperature)


def _logits(model: torch.nn.Module, ids: np.ndarray) -> np.ndarray:
    return predict(model, (ids,))


def _noisy_ids(texts: list[str], ids: np.ndarray, encoder: TextEncoder, fraction: float):
    """Augment: every epoch, re-encode ``fraction`` of the texts with one character edit."""

    def augment(rng: np.random.Generator) -> tuple[np.ndarray]:
        out = ids.copy()
        for i in np.nonzero(rng.random(len(texts)) < fraction)[0]:
            out[i] = encoder.encode(char_noise(texts[i], rng))
        return (out,)

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
    resume: bool = False,
) -> dict:
    """Train an intent model; write ``model.pt``, ``run.json`` and ``metrics.json`` to ``out_dir``.

    Training state is checkpointed under ``out_dir/checkpoints`` (every epoch and every
    ``config.checkpoint_every`` steps); ``resume=True`` continues a killed run from there.
    Under ``torchrun`` every process trains on its share of each batch; rank 0 writes the files."""
    start = time.perf_counter()
    distributed.init_from_env()
    if distributed.rank() != 0:
        log = lambda _msg: None  # noqa: E731
    checkpoints = out_dir / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
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
    train_ids, train_y = all_ids[keep], all_y[keep]
    train, val = ArraySplit((train_ids,), (train_y,)), ArraySplit((all_ids[held],), (all_y[held],))
    augment = _noisy_ids([data.texts[i] for i in keep], train_ids, encoder, config.char_noise)
    log(f"train {len(train)} / validation {len(val)} (stratified, seed {config.seed})")

    teachers: list[dict] = []
    if config.distill:
        teacher_probs = []
        for k, name in enumerate(n.strip() for n in config.teachers.split(",") if n.strip()):
            teacher = get_model(name, **_model_kwargs(config, name, len(labels)))
            fitted = fit(
                teacher,
                train,
                val,
                _task(config, distill=False),
                _settings(config, config.teacher_epochs or config.epochs, config.seed + 1000 + k),
                augment=augment,
                checkpoint=checkpoints / f"teacher{k}-{name}.pt",
                resume=resume,
                desc=f"teacher {name}",
            )
            teachers.append({"model": name, "val": fitted.best_val, "seconds": round(fitted.seconds, 1)})
            teacher_probs.append(softmax(_logits(teacher, train_ids) / config.temperature))
        soft = np.mean(teacher_probs, axis=0).astype(np.float32)
        train = ArraySplit((train_ids,), (train_y, soft))

    kwargs = _model_kwargs(config, config.model, len(labels))
    model = get_model(config.model, **kwargs)
    fitted = fit(
        model,
        train,
        val,
        _task(config, config.distill),
        _settings(config, config.epochs, config.seed),
        augment=augment,
        checkpoint=checkpoints / f"student-{config.model}.pt",
        resume=resume,
        desc=config.model,
    )

    val_ids, val_y = val.inputs[0], val.targets[0]
    val_logits = _logits(model, val_ids)
    calibration = calibrate_threshold(softmax(val_logits), val_y, oos_index, config.oos_reject_in_scope)
    metrics: dict = {"val": classification_report(val_logits, val_y, calibration.threshold, oos_index)}
    if evaluation is not None:
        eval_ids = encoder.encode_batch(evaluation.texts)
        eval_y = np.array([index[label] for label in evaluation.labels], dtype=np.int64)
        metrics["eval"] = classification_report(_logits(model, eval_ids), eval_y, calibration.threshold, oos_index)
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
            "n_train": len(train_y),
            "n_val": len(val_y),
            "n_eval": len(evaluation.texts) if evaluation else 0,
        },
    )
    if distributed.rank() == 0:
        save_run(out_dir, model, info)
        write_json(out_dir / METRICS, metrics)
        write_json(out_dir / SAMPLES, _export_samples(data, keep, held, evaluation, config.seed))
    distributed.barrier()
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
