"""``finlite train TASK``: the one training run every task goes through.

The task object (:mod:`finlite.tasks`) loads and encodes the data, names the model and its
arguments, gives the objective, optional teacher targets, and calibrates and measures the trained
model; this module does the rest the same way for every task: threads and seeds, ``torchrun``
processes, checkpoints and resume, the training loop, MACs and parameters, and the run folder
(``model.pt``, ``run.json``, ``metrics.json``, ``samples.json``) written by rank 0.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..bundle.files import write_json
from ..models import count_macs, count_params, get_model
from ..tasks.base import ArraySplit, Log, Task, TrainContext
from . import distributed
from .checkpoint import METRICS, SAMPLES, RunInfo, load_checkpoint, save_checkpoint, save_run
from .trainer import FitResult, FitSettings, fit, predict, seed_everything



def fit_settings(config: Any, epochs: int | None = None, seed: int | None = None) -> FitSettings:
    """The loop settings of a task config (every config has these fields)."""
    return FitSettings(
        epochs=config.epochs if epochs is None else epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        weight_decay=config.weight_decay,
        ema_decay=config.ema_decay,
        patience=config.patience,
        seed=config.seed if seed is None else seed,
        checkpoint_every=config.checkpoint_every,
    )


def _context(config: Any, checkpoints: Path, resume: bool, log: Log, run_dir: Path) -> TrainContext:
    def fit_model(model, train: ArraySplit, val: ArraySplit, objective, *, name: str, desc: str, epochs: int | None = None,
                  seed: int | None = None, augment=None) -> FitResult:
        """Fit ``model`` with the run's settings; ``name`` names its checkpoint file."""
        return fit(model, train, val, objective, fit_settings(config, epochs, seed), augment=augment,
                   checkpoint=checkpoints / f"{name}.pt", resume=resume, desc=desc)

    return TrainContext(log=log, rank=distributed.rank(), fit=fit_model, predict=predict, save_checkpoint=save_checkpoint,
                        load_checkpoint=load_checkpoint, run_dir=run_dir)


def train_run(task: Task, config: Any, data: dict[str, Any], out_dir: Path, resume: bool = False, log: Log = print) -> dict:
    """Train ``task``'s model on ``data`` (the task's data files); write the run to ``out_dir``.

    Training state is checkpointed under ``out_dir/checkpoints`` (every epoch and every
    ``config.checkpoint_every`` steps); ``resume=True`` continues a killed run from there. Under
    ``torchrun`` every process trains on its share of each batch; rank 0 writes the files."""
    start = time.perf_counter()
    out_dir = Path(out_dir)
    distributed.init_from_env()
    if distributed.rank() != 0:
        log = lambda _msg: None  # noqa: E731
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    checkpoints = out_dir / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    ctx = _context(config, checkpoints, resume, log, out_dir)

    prepared = task.prepare(config, data, log)
    soft = task.soft_targets(config, prepared, ctx)
    if soft:
        prepared.train = ArraySplit(prepared.train.inputs, (*prepared.train.targets, *soft))
    model = get_model(config.model, **prepared.model_kwargs)
    if prepared.init is not None:
        from .checkpoint import load_weights
        from .pretrain import load_encoder_state

        loaded = load_encoder_state(model, load_weights(prepared.init, "pretrained encoder"), str(prepared.init))
        log(f"started from the pretrained encoder {prepared.init} ({loaded} tensors)")
    fitted = ctx.fit(model, prepared.train, prepared.val, task.objective(config, prepared, distilled=bool(soft)),
                     name=f"student-{config.model}", desc=config.model, augment=prepared.augment)
    finished = task.finish(model, config, prepared, ctx)

    sample = tuple(torch.from_numpy(np.ascontiguousarray(a[:1])) for a in prepared.val.inputs)
    metrics = {**finished.metrics, "model": {"name": config.model, "params": count_params(model), "macs": count_macs(model, *sample)}}
    metrics["train"] = {"best_epoch": fitted.best_epoch, "history": fitted.history, **finished.train_metrics,
                        "student_seconds": round(fitted.seconds, 3), "seconds": round(time.perf_counter() - start, 1)}
    info = RunInfo(
        task=task.name,
        model=config.model,
        model_kwargs=prepared.model_kwargs,
        labels=prepared.labels,
        preprocess=prepared.preprocess,
        train_config=config.to_json(),
        oos=finished.oos,
        data=prepared.data,
    )
    if distributed.rank() == 0:
        save_run(out_dir, model, info)
        write_json(out_dir / METRICS, metrics)
        write_json(out_dir / SAMPLES, finished.samples)
        for name, document in finished.documents.items():
            write_json(out_dir / name, document)
        for name, draw in finished.figures.items():
            draw(out_dir / name)
    distributed.barrier()
    return metrics
