"""The profile task's side of self-supervised pretraining (``finlite pretrain profile``, docs/pretraining.md):
its settings, the unlabelled users' inputs, and the folder a pretraining writes — ``encoder.pt`` (the
sequence encoder's weights) and ``pretrain.json`` (format ``finlite.pretrained/1``: the model and its
arguments, the encoding spec, the settings and the loss per epoch).

Fine-tuning (``finlite train profile --init DIR``) encodes with the pretraining's spec — the same
vocabularies and normalisation, so the pretrained embeddings mean what they meant — and the same model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..bundle import formats
from ..errors import FinliteError
from .base import Log
from .config import TaskConfig

PRETRAIN_DOC = "pretrain.json"
ENCODER_WEIGHTS = "encoder.pt"


@dataclass
class PretrainConfig(TaskConfig):
    """Settings of ``finlite pretrain profile`` (``--set key=value``)."""

    model: str = "profile_dwshuffle_x1_0"  # the model fine-tuning will train
    epochs: int = 10
    batch_size: int = 256  # users per step; the other users of a batch are the negatives
    lr: float = 2e-3
    weight_decay: float = 0.01
    temperature: float = 0.1  # NT-Xent temperature
    min_fraction: float = 0.3  # a view keeps a random contiguous run of this …
    max_fraction: float = 0.9  # … to this fraction of the user's events
    projection_dim: int = 64
    min_events: int = 2  # users with fewer events are left out
    max_users: int = 0  # 0 = every user in the files
    max_events: int = 128  # the window (as in finlite train profile)
    utc_offset_minutes: int = 480
    seed: int = 0
    threads: int = 0


def unlabelled_inputs(config: PretrainConfig, data: dict[str, Any], log: Log):
    """``(encoder, (cat, num), model kwargs, users, events)`` of the users in the events / users files,
    encoded with a spec fitted on them (``data["schema"]`` is required: it names the labels too, so the
    pretrained model has exactly the shapes fine-tuning builds)."""
    import numpy as np

    from ..data.events import load_attributes, load_events
    from ..data.profile_features import ProfileEncoder
    from ..data.profile_normalisation import fit_normalisation
    from ..data.profile_spec import ProfileSpec
    from ..data.schema_json import read_schema

    if not data.get("schema"):
        raise FinliteError("finlite pretrain profile needs --schema (write it with `finlite schema infer`, labels file included, "
                           "so the pretrained model has the shapes fine-tuning builds)")
    schema = read_schema(data["schema"])
    events, attrs = load_events(data["events"], schema), load_attributes(data["users"], schema)
    for report in (events.report, attrs.report):
        log(report.summary())
    as_of_ms = int(data["as_of_ms"]) if data.get("as_of_ms") is not None else int(events.ts_ms.max()) + 1
    users = sorted(set(events.user_ids))
    if config.max_users and len(users) > config.max_users:
        pick = np.random.default_rng(config.seed).choice(len(users), config.max_users, replace=False)
        users = [users[i] for i in sorted(pick)]
    base = ProfileSpec(schema=schema, max_events=config.max_events, utc_offset_minutes=config.utc_offset_minutes)
    encoder = ProfileEncoder(fit_normalisation(events, attrs, as_of_ms, base))
    x = encoder.encode(events, attrs, users, as_of_ms)
    log(f"{len(users):,} unlabelled users, {len(events):,} events, windows of {config.max_events} events")
    return encoder, (x.cat, x.num), model_kwargs_of(encoder.spec), users, len(events)


def model_kwargs_of(spec) -> dict[str, Any]:
    """The shape arguments of a profile network for ``spec`` (what training passes besides its settings)."""
    lab = spec.schema.labels
    return {"num_lifecycle": len(lab.stages), "num_tags": len(lab.tags), "num_products": len(lab.products),
            "static_features": spec.static_features, "num_features": spec.num_features, "cat_vocabs": spec.cat_vocabs}


def read_pretrained(folder: str | Path) -> dict:
    """``pretrain.json`` of a pretraining folder, checked (one-line errors)."""
    folder = Path(folder)
    path = folder / PRETRAIN_DOC
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FinliteError(f"{folder}: no {PRETRAIN_DOC} (a folder written by `finlite pretrain profile`)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FinliteError(f"{path}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != formats.PRETRAINED:
        raise FinliteError(f"{path}: format {doc.get('format') if isinstance(doc, dict) else None!r}, this finlite reads {formats.PRETRAINED!r}")
    for key in ("model", "model_kwargs", "spec"):
        if key not in doc:
            raise FinliteError(f"{path}: missing field {key!r}")
    if not (folder / ENCODER_WEIGHTS).is_file():
        raise FinliteError(f"{folder}: no {ENCODER_WEIGHTS} beside {PRETRAIN_DOC}")
    return doc
