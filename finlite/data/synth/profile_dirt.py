"""Realistic dirt in the synthetic event rows: unknown page / event_type values, rows out of timestamp
order and emptied amount / dwell cells (what the loaders of :mod:`finlite.data.events` must cope with)."""

from __future__ import annotations

import numpy as np

from .profile_story import UNKNOWN_EVENT_TYPES, UNKNOWN_PAGES

__all__ = ["DIRT_KINDS", "add_dirt"]

_DIRT_OOV = 0.003  # rows whose page or event_type is replaced by an unknown value
_DIRT_SWAP = 0.003  # rows swapped with the next row of the same user (out of timestamp order)
_DIRT_MISSING = 0.004  # rows whose amount or dwell cell is emptied
DIRT_KINDS = ("oov_page", "oov_event_type", "out_of_order", "missing_amount", "missing_dwell")  # keys of meta["dirt"]


def add_dirt(rng: np.random.Generator, events: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict]:
    """About 1 % of rows: unknown page / event_type values, adjacent rows swapped out of timestamp order,
    and emptied amount / dwell cells. Every row stays valid (all categorical cells non-empty)."""
    events = {name: np.array(values, copy=True) for name, values in events.items()}
    n = len(events["user_id"])
    views = np.nonzero(events["event_type"] == "page_view")[0]
    picks = rng.choice(views, size=min(len(views), int(round(_DIRT_OOV * n))), replace=False)
    as_page = rng.random(len(picks)) < 0.5
    events["page"][picks[as_page]] = np.array(UNKNOWN_PAGES, dtype=object)[rng.integers(0, len(UNKNOWN_PAGES), as_page.sum())]
    as_type = picks[~as_page]
    events["event_type"][as_type] = np.array(UNKNOWN_EVENT_TYPES, dtype=object)[
        rng.integers(0, len(UNKNOWN_EVENT_TYPES), len(as_type))]

    amounts = np.nonzero(np.isfinite(events["amount"]))[0]
    dwells = np.nonzero(np.isfinite(events["dwell_ms"]))[0]
    n_missing = int(round(_DIRT_MISSING * n))
    n_amount = min(len(amounts), n_missing // 3)
    gone_amount = rng.choice(amounts, size=n_amount, replace=False)
    gone_dwell = rng.choice(dwells, size=min(len(dwells), n_missing - n_amount), replace=False)
    events["amount"][gone_amount] = np.nan
    events["dwell_ms"][gone_dwell] = np.nan

    user, ts = events["user_id"], events["timestamp"]
    candidates = np.nonzero((user[:-1] == user[1:]) & (ts[:-1] < ts[1:]))[0]
    chosen = np.sort(rng.choice(candidates, size=min(len(candidates), int(round(_DIRT_SWAP * n))), replace=False))
    keep = np.ones(len(chosen), dtype=bool)
    for i in range(1, len(chosen)):  # no overlapping swaps
        if keep[i - 1] and chosen[i] == chosen[i - 1] + 1:
            keep[i] = False
    chosen = chosen[keep]
    perm = np.arange(n)
    perm[chosen], perm[chosen + 1] = chosen + 1, chosen
    events = {name: values[perm] for name, values in events.items()}
    dirt = {
        "oov_page": int(as_page.sum()), "oov_event_type": int(len(as_type)), "out_of_order": int(len(chosen)),
        "missing_amount": int(n_amount), "missing_dwell": int(len(gone_dwell)),
    }
    return events, dirt

