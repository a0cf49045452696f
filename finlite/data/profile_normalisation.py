"""Fitting the normalisation constants of a profile spec on training tables.

The encoder normalises log1p-transformed values as ``z = (v - mean) / std``; the constants are the
mean / std of exactly the values the encoder sees in the training tables (kept event windows,
attribute rows with a valid value).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from .profile_features import gather_events, log_amount, log_nonneg
from .profile_spec import ProfileSpec

if TYPE_CHECKING:  # pragma: no cover
    from .tables import AttributeTable, EventTable

__all__ = ["fit_normalisation"]


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return 0.0, 1.0
    std = float(values.std())
    return float(values.mean()), (std if std > 1e-6 else 1.0)


def fit_normalisation(
    events: "EventTable | None",
    attrs: "AttributeTable | None",
    as_of_ms: int,
    base: ProfileSpec | None = None,
) -> ProfileSpec:
    """A spec (``base`` or the default, with its other fields) whose mean/std constants are those of the
    training tables: over the *kept* windows of every user with events (the values the encoder sees),
    and over every attribute row with a valid age / tenure. Without data a constant stays 0 / 1; a
    (near-)zero std becomes 1."""
    base = base or ProfileSpec()
    stats: dict[str, tuple[float, float]] = {}
    if events is not None and len(events.user_ids):
        users = list(events.user_ids)
        g = gather_events(events, users, int(as_of_ms), base.max_events)
        log_a, miss_a = log_amount(np.asarray(events.amount)[g.index])
        log_d, miss_d = log_nonneg(np.asarray(events.dwell_ms)[g.index])
        has_gap = g.gap_ms >= 0
        with_events = g.count > 0
        stats["amount"] = _mean_std(log_a[~miss_a])
        stats["dwell"] = _mean_std(log_d[~miss_d])
        stats["gap"] = _mean_std(np.log1p(g.gap_ms[has_gap] / 1000.0))
        stats["elapsed"] = _mean_std(np.log1p((int(as_of_ms) - np.asarray(events.ts_ms)[g.index]) / 1000.0))
        stats["recency"] = _mean_std(np.log1p((int(as_of_ms) - g.last_ts[with_events]) / 1000.0))
    if attrs is not None and len(attrs.user_ids):
        log_age, miss_age = log_nonneg(attrs.age)
        log_ten, miss_ten = log_nonneg(attrs.tenure_days)
        stats["age"] = _mean_std(log_age[~miss_age])
        stats["tenure"] = _mean_std(log_ten[~miss_ten])
    changes: dict[str, float] = {}
    for prefix, (mean, std) in stats.items():
        changes[f"{prefix}_mean"], changes[f"{prefix}_std"] = mean, std
    return replace(base, **changes)
