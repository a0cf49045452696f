"""A trained run on disk: ``model.pt`` (weights only) + ``run.json`` (everything to rebuild it); and the
training checkpoints ``--resume`` continues from, written with a sha256 trailer so that a truncated or
corrupted one is refused with a clear error instead of resuming from damaged state."""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..bundle.files import write_json
from ..errors import FinliteError
from ..models import get_model
from ..tasks import get_task

WEIGHTS = "model.pt"
RUN_INFO = "run.json"
METRICS = "metrics.json"
SAMPLES = "samples.json"  # what the exporter calibrates and checks parity on (the task decides)


class RunError(FinliteError):
    """A run directory that is missing or incomplete."""


@dataclass
class RunInfo:
    """Facts about a trained model: how to rebuild it, what it predicts, how it was trained."""

    task: str
    model: str
    model_kwargs: dict[str, Any]
    labels: list[str]
    preprocess: dict[str, Any]  # the preprocess.json content
    train_config: dict[str, Any]
    oos: dict[str, Any] = field(default_factory=dict)  # label, threshold, method
    data: dict[str, Any] = field(default_factory=dict)  # paths and sizes of the data used

    def architecture_kwargs(self) -> dict[str, Any]:
        """``model_kwargs`` completed by the task with settings that older runs did not record."""
        return get_task(self.task).architecture_kwargs(self.model_kwargs)

    def build_model(self) -> nn.Module:
        return get_model(self.model, **self.architecture_kwargs())


def save_run(out_dir: Path, model: nn.Module, info: RunInfo) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, out_dir / WEIGHTS)
    write_json(out_dir / RUN_INFO, asdict(info))


def _torch_load(source, path: Path, what: str) -> Any:
    """``torch.load`` (weights only); RunError naming the file when it cannot be read."""
    try:
        return torch.load(source, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises RuntimeError, UnpicklingError, EOFError, ... for damaged files
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise RunError(f"{path}: the {what} is damaged (truncated or corrupted: {reason[:160]})") from None


def load_weights(path: Path, what: str) -> Any:
    """Tensors saved with ``torch.save`` (weights only); RunError naming the file when missing or damaged."""
    if not Path(path).is_file():
        raise RunError(f"{path}: no {what} file")
    return _torch_load(path, Path(path), what)


def load_run(run_dir: Path) -> tuple[nn.Module, RunInfo]:
    """Rebuild the eval-mode model of a run (weights loaded with ``weights_only=True``)."""
    run_dir = Path(run_dir)
    for name in (WEIGHTS, RUN_INFO):
        if not (run_dir / name).is_file():
            raise RunError(f"{run_dir}: no {name} — is this a directory written by 'finlite train'?")
    try:
        info = RunInfo(**json.loads((run_dir / RUN_INFO).read_text(encoding="utf-8")))
    except (ValueError, TypeError) as err:
        raise RunError(f"{run_dir / RUN_INFO}: not a run description written by 'finlite train' ({err})") from None
    model = info.build_model()
    weights = _torch_load(run_dir / WEIGHTS, run_dir / WEIGHTS, "model file")
    try:
        model.load_state_dict(weights)
    except (RuntimeError, TypeError, AttributeError) as err:
        raise RunError(f"{run_dir / WEIGHTS}: does not fit the model run.json describes ({str(err).splitlines()[0][:160]})") from None
    return model.eval(), info


# Checkpoints: torch.save bytes + MAGIC + sha256 of those bytes.
_MAGIC = b"\nfinlite-checkpoint-sha256:"
CHECKPOINT_KEYS = ("model", "optimizer", "schedule", "torch_rng", "best_state", "best_epoch", "best_val", "history", "epoch", "step", "done")


def save_checkpoint(state: dict, path: Path) -> None:
    """Write ``state`` to ``path`` atomically (a kill during the write leaves the previous checkpoint)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data + _MAGIC + hashlib.sha256(data).digest())
    os.replace(tmp, path)


def load_checkpoint(path: Path, keys: tuple[str, ...] = CHECKPOINT_KEYS) -> dict:
    """The state :func:`save_checkpoint` wrote; RunError naming the file when it is truncated, corrupted or
    not a checkpoint with ``keys`` (the training loop's by default)."""
    path = Path(path)
    raw = path.read_bytes()
    data, magic, digest = raw[:-len(_MAGIC) - 32], raw[-len(_MAGIC) - 32:-32], raw[-32:]
    hint = "; delete it to train from the start"
    if magic != _MAGIC:
        raise RunError(f"{path}: the checkpoint is truncated or damaged (no integrity trailer){hint}")
    if hashlib.sha256(data).digest() != digest:
        raise RunError(f"{path}: the checkpoint is corrupted (its sha256 does not match){hint}")
    state = _torch_load(io.BytesIO(data), path, "checkpoint")
    missing = [key for key in keys if not isinstance(state, dict) or key not in state]
    if missing:
        raise RunError(f"{path}: not a finlite training checkpoint (missing {', '.join(missing)}){hint}")
    return state
