"""Portable feature encoding of profile models (spec ``finlite.profile/2``, ``docs/preprocessing.md``).

A user's recent in-app events and attributes become three fixed-shape tensors, the three inputs of a
profile network (:class:`finlite.models.ProfileNet`); the columns follow the schema in the spec
(:func:`~finlite.data.profile_spec.cat_columns`, ``num_columns``, ``static_columns``)::

    cat     int32   (B, N, C + 1)   per event: each categorical event field (the event name first), hour + 1
    num     float32 (B, N, 2M + 2)  per event: each numeric event field (value, missing flag), log gap,
                                    log elapsed time to as_of
    static  float32 (B, S)          per user: each attribute, recency, no-events flag, event count

``N = ProfileSpec.max_events``. The steps for one user, given ``as_of_ms`` (the moment of the
prediction, epoch milliseconds, UTC):

1. Events: the user's events with ``ts_ms <= as_of_ms`` (later events are ignored: no leakage from
   the future). Sort them by ``ts_ms``; among equal timestamps the one later in the table counts as
   more recent. Keep the ``max_events`` most recent.
2. Row order: **row 0 is the most recent event**, row 1 the one before, … (reverse chronological,
   left-aligned). Rows after the last kept event are padding and all zero (``cat`` and ``num``), so
   ``cat[..., 0] != 0`` is the event mask.
3. ``cat``: the field ids (0 missing, 1 OOV, known values from 2) are passed through; an id outside
   ``[0, vocab_size)`` becomes OOV (1). In column 0 (the event name) a real event with id 0 gets 1.
   The last column is ``hour + 1`` (1..24) with
   ``hour = floor((ts_ms + utc_offset_minutes * 60000) / 3600000) mod 24`` (floor division, also for
   negative timestamps): the user's wall-clock hour, not UTC.
4. ``num``: for each numeric field, the raw float32 value widened to float64, clipped to ``clip`` if
   the schema gives one, transformed (``log1p``: a negative value is missing; ``signed_log1p``:
   ``sign(v) * log1p(|v|)``; ``identity``), then ``z = (t - mean) / std`` with the spec's
   ``norms["event.<field>"]``, rounded to float32; the next column is 1 if the value is missing (NaN,
   infinite, or negative under ``log1p``), and then the value column is 0. Then:

   - ``log_gap``: z of ``log1p(gap seconds)``, gap = ``(ts_ms[row] - ts_ms[row + 1]) / 1000``, the time
     since the previous *kept* event; 0 for the oldest kept row. Only the kept window is used, so an
     app that stores just the last ``max_events`` events encodes the same tensors.
   - ``log_elapsed`` (always the last column): z of ``log1p((as_of_ms - ts_ms[row]) / 1000)``.

5. ``static``, for each user field in schema order: numeric → value (as in 4, ``norms["user.<field>"]``)
   and missing flag; categorical → one-hot over ``<field>_missing``, ``<field>_oov`` and one column per
   value; multi → multi-hot, one column per value. A user without an attribute row has every numeric
   and categorical field missing and no multi value. Then ``log_recency`` (z of ``log1p(seconds since
   the most recent event)``), ``no_events`` (1 without an event up to ``as_of_ms``, then recency is 0)
   and ``event_count`` = ``min(1, log1p(n) / log1p(max_events))``, n = all the user's events up to
   ``as_of_ms``.

A missing numeric is never a silent zero: its value is 0 *and* a flag column says it is missing.
The tables are :class:`~finlite.data.tables.EventTable` / ``AttributeTable`` (or ``None``: no events /
no attributes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .profile_spec import TIME_NORMS, ProfileSpec, cat_columns, num_columns, static_layout
from .schema import CATEGORICAL, MISSING_ID, MULTI, NUMERIC, OOV_ID, Field

if TYPE_CHECKING:  # pragma: no cover
    from .tables import AttributeTable, EventTable

__all__ = ["GatheredEvents", "ProfileEncoder", "ProfileInputs", "gather_events", "log_nonneg", "transform"]

_MS_PER_HOUR = 3_600_000


@dataclass
class ProfileInputs:
    """The three model inputs of a batch of users (numpy; ``torch.from_numpy`` them for the model)."""

    cat: np.ndarray  # int32 (B, N, C + 1)
    num: np.ndarray  # float32 (B, N, 2M + 2)
    static: np.ndarray  # float32 (B, S)

    def __len__(self) -> int:
        return len(self.cat)

    def __getitem__(self, index) -> "ProfileInputs":
        """Rows of the batch (an int keeps the batch axis: ``inputs[3]`` has batch size 1)."""
        if isinstance(index, (int, np.integer)):
            index = slice(index, index + 1 if index != -1 else None)
        return ProfileInputs(self.cat[index], self.num[index], self.static[index])

    def as_tuple(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.cat, self.num, self.static


# --- scalar rules (shared with fit_normalisation) --------------------------------------------------------


def _hour_ids(ts_ms: np.ndarray, utc_offset_minutes: int) -> np.ndarray:
    local = np.asarray(ts_ms, dtype=np.int64) + np.int64(utc_offset_minutes) * 60_000
    return (np.floor_divide(local, _MS_PER_HOUR) % 24 + 1).astype(np.int32)


def _clean_ids(ids: np.ndarray, vocab: int) -> np.ndarray:
    """Pass ids through; anything outside [0, vocab) becomes OOV."""
    ids = np.asarray(ids).astype(np.int64)
    return np.where((ids >= 0) & (ids < vocab), ids, OOV_ID).astype(np.int32)


def log_nonneg(value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log1p(v) with 0 where missing, missing flag); NaN, infinite and negative values are missing."""
    v = np.asarray(value, dtype=np.float64)
    missing = ~(np.isfinite(v) & (v >= 0))
    return np.where(missing, 0.0, np.log1p(np.where(missing, 0.0, v))), missing


def transform(values: np.ndarray, f: Field) -> tuple[np.ndarray, np.ndarray]:
    """(transformed float64 values with 0 where missing, missing flag) of a numeric field."""
    v = np.asarray(values, dtype=np.float32).astype(np.float64)
    missing = ~np.isfinite(v)
    v = np.where(missing, 0.0, v)
    if f.clip is not None:
        v = np.clip(v, f.clip[0], f.clip[1])
    if f.transform == "log1p":
        missing |= v < 0
        v = np.where(missing, 0.0, np.log1p(np.maximum(v, 0.0)))
    elif f.transform == "signed_log1p":
        v = np.sign(v) * np.log1p(np.abs(v))
    return np.where(missing, 0.0, v), missing


def _z(log_value: np.ndarray, missing: np.ndarray, mean: float, std: float) -> np.ndarray:
    return np.where(missing, 0.0, (log_value - mean) / std)


# --- event gathering (vectorised) ------------------------------------------------------------------------


@dataclass
class GatheredEvents:
    """The kept events of a batch of users, flattened (most recent first within each user)."""

    row: np.ndarray  # batch row of each kept event
    rank: np.ndarray  # sequence position (0 = most recent)
    index: np.ndarray  # row in the event table
    gap_ms: np.ndarray  # ms to the previous kept event, -1 for the oldest kept
    count: np.ndarray  # (B,) events up to as_of_ms
    last_ts: np.ndarray  # (B,) ts of the most recent event (undefined where count == 0)


def _event_index(events: "EventTable") -> dict[str, int]:
    return {uid: i for i, uid in enumerate(events.user_ids)}


def gather_events(events: "EventTable | None", user_ids: Sequence[str], as_of_ms: int, max_events: int) -> GatheredEvents:
    batch = len(user_ids)
    if events is None or len(events.user_ids) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return GatheredEvents(empty, empty, empty, empty, np.zeros(batch, np.int64), np.zeros(batch, np.int64))
    lookup = _event_index(events)
    offsets = np.asarray(events.offsets, dtype=np.int64)
    pos = np.array([lookup.get(u, -1) for u in user_ids], dtype=np.int64)
    known = pos >= 0
    starts = np.where(known, offsets[np.maximum(pos, 0)], 0)
    lengths = np.where(known, offsets[np.maximum(pos, 0) + 1] - starts, 0)
    total = int(lengths.sum())
    row = np.repeat(np.arange(batch, dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths  # where each user's block starts in the flat arrays
    index = np.arange(total, dtype=np.int64) - np.repeat(first, lengths) + np.repeat(starts, lengths)
    ts = np.asarray(events.ts_ms, dtype=np.int64)[index]
    keep = ts <= as_of_ms
    row, index, ts = row[keep], index[keep], ts[keep]
    # user ascending, then most recent first: ts descending, equal ts by table row descending
    order = np.lexsort((-index, -ts, row))
    row, index, ts = row[order], index[order], ts[order]
    count = np.bincount(row, minlength=batch).astype(np.int64)
    block = np.cumsum(count) - count
    rank = np.arange(len(row), dtype=np.int64) - block[row]
    last_ts = np.zeros(batch, dtype=np.int64)
    has = count > 0
    last_ts[has] = ts[block[has]]
    kept = rank < max_events
    # previous event = next element in this order, when it is the same user and also kept
    gap_ms = np.full(len(row), -1, dtype=np.int64)
    if len(row) > 1:
        has_prev = (row[1:] == row[:-1]) & (rank[:-1] + 1 < max_events)
        gap_ms[:-1] = np.where(has_prev, ts[:-1] - ts[1:], -1)
    return GatheredEvents(row[kept], rank[kept], index[kept], gap_ms[kept], count, last_ts)


def _attr_positions(attrs: "AttributeTable | None", user_ids: Sequence[str]) -> np.ndarray:
    if attrs is None:
        return np.full(len(user_ids), -1, dtype=np.int64)
    lookup: dict[str, int] = {}
    for i, uid in enumerate(attrs.user_ids):
        lookup.setdefault(uid, i)
    return np.array([lookup.get(u, -1) for u in user_ids], dtype=np.int64)


# --- the encoder -----------------------------------------------------------------------------------------


class ProfileEncoder:
    """Encodes users' events and attributes exactly as described by a :class:`ProfileSpec`."""

    def __init__(self, spec: ProfileSpec):
        self.spec = spec

    def empty(self, batch: int) -> ProfileInputs:
        spec = self.spec
        return ProfileInputs(
            np.zeros((batch, spec.max_events, spec.cat_features), dtype=np.int32),
            np.zeros((batch, spec.max_events, spec.num_features), dtype=np.float32),
            np.zeros((batch, spec.static_features), dtype=np.float32),
        )

    def encode(
        self,
        events: "EventTable | None",
        attrs: "AttributeTable | None",
        user_ids: Sequence[str],
        as_of_ms: int,
        counts: np.ndarray | None = None,
    ) -> ProfileInputs:
        """Vectorised encoding of a batch of users (``None`` tables = no events / no attributes).
        ``counts``: each user's events up to ``as_of_ms`` when ``events`` holds only a window of them (the
        streaming state keeps the last ``max_events``); default: counted in ``events``."""
        spec = self.spec
        user_ids = list(user_ids)
        out = self.empty(len(user_ids))
        g = gather_events(events, user_ids, int(as_of_ms), spec.max_events)
        if len(g.row):
            r, k, i = g.row, g.rank, g.index
            cats = spec.schema.event_categoricals
            for c, f in enumerate(cats):
                ids = _clean_ids(events.cats[f.name][i], f.vocab_size)
                out.cat[r, k, c] = np.where(ids == MISSING_ID, OOV_ID, ids) if c == 0 else ids
            ts = np.asarray(events.ts_ms)[i]
            out.cat[r, k, len(cats)] = _hour_ids(ts, spec.utc_offset_minutes)
            for j, f in enumerate(spec.schema.event_numerics):
                value, missing = transform(events.nums[f.name][i], f)
                out.num[r, k, 2 * j] = _z(value, missing, *spec.norm(f"event.{f.name}"))
                out.num[r, k, 2 * j + 1] = missing
            has_gap = g.gap_ms >= 0
            log_g = np.log1p(np.where(has_gap, g.gap_ms, 0) / 1000.0)
            out.num[r, k, -2] = _z(log_g, ~has_gap, *spec.norm("gap"))
            log_e = np.log1p((int(as_of_ms) - ts) / 1000.0)
            out.num[r, k, -1] = _z(log_e, np.zeros(len(log_e), dtype=bool), *spec.norm("elapsed"))
        self._fill_static(out.static, attrs, user_ids, g.count if counts is None else np.asarray(counts, dtype=np.int64), g.last_ts, int(as_of_ms))
        return out

    def _fill_static(
        self,
        static: np.ndarray,
        attrs: "AttributeTable | None",
        user_ids: Sequence[str],
        count: np.ndarray,
        last_ts: np.ndarray,
        as_of_ms: int,
    ) -> None:
        spec = self.spec
        batch = len(user_ids)
        pos = _attr_positions(attrs, user_ids)
        has = pos >= 0
        take = np.maximum(pos, 0)
        rows = np.arange(batch)
        at = 0
        for f in spec.schema.user_fields:
            if f.kind == NUMERIC:
                raw = attrs.nums[f.name][take] if attrs is not None and len(attrs.user_ids) else np.zeros(batch, np.float32)
                value, missing = transform(np.where(has, raw, np.nan), f)
                static[:, at] = _z(value, missing, *spec.norm(f"user.{f.name}"))
                static[:, at + 1] = missing
                at += 2
            elif f.kind == CATEGORICAL:
                raw = attrs.cats[f.name][take] if attrs is not None and len(attrs.user_ids) else np.zeros(batch, np.int32)
                ids = _clean_ids(np.where(has, raw, MISSING_ID), f.vocab_size)
                static[rows, at + ids] = 1.0
                at += f.vocab_size
            elif f.kind == MULTI:
                width = len(f.values)
                if attrs is not None and len(attrs.user_ids) and has.any():
                    static[has, at : at + width] = attrs.multi[f.name][take[has]] != 0
                at += width
        with_events = count > 0
        seconds = np.where(with_events, (as_of_ms - last_ts) / 1000.0, 0.0)
        log_rec, miss_rec = log_nonneg(seconds)
        miss_rec |= ~with_events
        static[:, at] = _z(log_rec, miss_rec, *spec.norm("recency"))
        static[:, at + 1] = miss_rec
        static[:, at + 2] = np.minimum(1.0, np.log1p(count) / math.log1p(spec.max_events))

    def describe(self) -> dict:
        """A JSON-able description of every tensor column (for preprocess.json and app developers)."""
        spec = self.spec
        n = spec.max_events
        fields = {f.name: f for f in (*spec.schema.event_fields, *spec.schema.user_fields)}

        def norm(key: str, what: str) -> dict:
            mean, std = spec.norm(key)
            return {"transform": what, "norm": key, "mean": mean, "std": std}

        cat_cols: list[dict[str, Any]] = [
            {"index": c, "name": name, "kind": "categorical", "vocab_size": size}
            for c, (name, size) in enumerate(zip(cat_columns(spec), spec.cat_vocabs))
        ]
        cat_cols[0]["note"] = "the event name; 0 only at padding rows (the event mask is cat[..., 0] != 0)"
        cat_cols[-1]["note"] = f"hour of day + 1 at UTC{spec.utc_offset_minutes / 60:+g}h; 0 = padding"
        num_cols: list[dict[str, Any]] = []
        for i, name in enumerate(num_columns(spec)):
            if name in ("log_gap", "log_elapsed"):
                key = name[4:]
                num_cols.append({"index": i, "name": name, "kind": "numeric", **norm(key, TIME_NORMS[key])})
            elif name in fields:
                num_cols.append({"index": i, "name": name, "kind": "numeric", "missing_flag": i + 1,
                                 **norm(f"event.{name}", fields[name].transform)})
            else:
                num_cols.append({"index": i, "name": name, "kind": "flag"})
        static_cols: list[dict[str, Any]] = []
        for i, (name, kind, field_name) in enumerate(static_layout(spec)):
            col: dict[str, Any] = {"index": i, "name": name, "kind": kind}
            if name == "log_recency":
                col.update(missing_flag=i + 1, **norm("recency", TIME_NORMS["recency"]))
            elif name == "event_count":
                col.update(transform=f"min(1, log1p(events up to as_of_ms) / log1p({n}))")
            elif kind == "numeric":
                col.update(missing_flag=i + 1, **norm(f"user.{name}", fields[name].transform))
            if field_name:
                col["field"] = field_name
            static_cols.append(col)
        return {
            "format": spec.format,
            "row_order": "row 0 = most recent event up to as_of_ms, then older ones; padding rows (all 0) at the end",
            "event_selection": f"events with ts_ms <= as_of_ms; the {n} most recent; ties: later table row first",
            "normalisation": "z = (t - mean) / std in float64, rounded to float32; a missing value is 0 with its flag 1",
            "inputs": [
                {"name": "cat", "dtype": "int32", "shape": ["batch", n, spec.cat_features], "columns": cat_cols},
                {"name": "num", "dtype": "float32", "shape": ["batch", n, spec.num_features], "columns": num_cols},
                {"name": "static", "dtype": "float32", "shape": ["batch", spec.static_features], "columns": static_cols},
            ],
        }
