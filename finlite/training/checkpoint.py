"""A trained run on disk: ``model.pt`` (weights only) + ``run.json`` (everything to rebuild it)."""

from __future__ import annotations

import json
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


def load_run(run_dir: Path) -> tuple[nn.Module, RunInfo]:
    """Rebuild the eval-mode model of a run (weights loaded with ``weights_only=True``)."""
    run_dir = Path(run_dir)
    for name in (WEIGHTS, RUN_INFO):
        if not (run_dir / name).is_file():
            raise RunError(f"{run_dir}: no {name} — is this a directory written by 'finlite train'?")
    info = RunInfo(**json.loads((run_dir / RUN_INFO).read_text(encoding="utf-8")))
    model = info.build_model()
    model.load_state_dict(torch.load(run_dir / WEIGHTS, map_location="cpu", weights_only=True))
    return model.eval(), info
