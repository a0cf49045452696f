"""``finlite pretrain profile``: the unlabelled users' inputs → a contrastively pretrained sequence encoder
in a folder ``finlite train profile --init`` starts from (:mod:`finlite.tasks.profile_pretrain`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from ..bundle import formats
from ..bundle.files import write_json
from ..models import get_model
from ..tasks.base import Log
from ..tasks.profile_pretrain import ENCODER_WEIGHTS, PRETRAIN_DOC, PretrainConfig, unlabelled_inputs
from .pretrain import encoder_state, pretrain
from .trainer import seed_everything


def pretrain_run(config: PretrainConfig, data: dict[str, Any], out_dir: Path, resume: bool = False, log: Log = print) -> dict:
    """Pretrain ``config.model``'s sequence encoder on ``data`` (events, users, schema[, as_of_ms]); write
    ``encoder.pt`` and ``pretrain.json`` to ``out_dir``; return the document."""
    start = time.perf_counter()
    out_dir = Path(out_dir)
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    encoder, inputs, kwargs, users, n_events = unlabelled_inputs(config, data, log)
    kwargs = {**kwargs, "dropout": 0.0}
    network = get_model(config.model, **kwargs)
    (out_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    history = pretrain(network, inputs, config, checkpoint=out_dir / "checkpoints" / "pretrain.pt", resume=resume, log=log)
    torch.save(encoder_state(network), out_dir / ENCODER_WEIGHTS)
    doc = {
        "format": formats.PRETRAINED,
        "model": config.model,
        "model_kwargs": {k: v for k, v in kwargs.items() if k != "dropout"},
        "spec": encoder.spec.to_json(),
        "config": config.to_json(),
        "data": {"events": str(data["events"]), "users": str(data["users"]), "schema": str(data["schema"]),
                 "n_users": len(users), "n_events": n_events},
        "history": history,
        "seconds": round(time.perf_counter() - start, 1),
    }
    write_json(out_dir / "spec.json", doc["spec"])  # for finlite encode --spec: shards fine-tuning can train from
    write_json(out_dir / PRETRAIN_DOC, doc)
    return doc
