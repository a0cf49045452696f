"""Fitting the normalisation constants of a profile spec on training tables.

The encoder normalises log1p-transformed values as ``z = (v - mean) / std``; the constants are the
mean / std of exactly the values the encoder sees in the training tables (kept event windows,
attribute rows with a valid value).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from .profile_features import gather_events, transform
from .profile_spec import ProfileSpec
from .schema import NUMERIC

if TYPE_CHECKING:  # pragma: no cover
    from .tables import AttributeTable, EventTable

__all__ = ["fit_normalisation"]


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return 0.0, 1.0
    std = float(values.std())
    return float(values.mean()), (std if std > 1e-6 else 1.0)


def fit_normalisation(events: "EventTable | None", attrs: "AttributeTable | None", as_of_ms: int, base: ProfileSpec) -> ProfileSpec:
    """``base`` with the mean/std constants of the training tables: over the *kept* windows of every user
    with events (the values the encoder sees), and over every attribute row with a valid value. Without
    data a constant stays 0 / 1; a (near-)zero std becomes 1."""
    norms: dict[str, tuple[float, float]] = {}
    schema = base.schema
    if events is not None and len(events.user_ids):
        g = gather_events(events, list(events.user_ids), int(as_of_ms), base.max_events)
        for f in schema.event_numerics:
            value, missing = transform(events.nums[f.name][g.index], f)
            norms[f"event.{f.name}"] = _mean_std(value[~missing])
        has_gap = g.gap_ms >= 0
        norms["gap"] = _mean_std(np.log1p(g.gap_ms[has_gap] / 1000.0))
        norms["elapsed"] = _mean_std(np.log1p((int(as_of_ms) - np.asarray(events.ts_ms)[g.index]) / 1000.0))
        norms["recency"] = _mean_std(np.log1p((int(as_of_ms) - g.last_ts[g.count > 0]) / 1000.0))
    if attrs is not None and len(attrs.user_ids):
        for f in schema.user_fields:
            if f.kind == NUMERIC:
                value, missing = transform(attrs.nums[f.name], f)
                norms[f"user.{f.name}"] = _mean_std(value[~missing])
    return replace(base, norms={**base.norms, **norms})
