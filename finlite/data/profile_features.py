"""Portable feature encoding of profile models (spec ``finlite.profile/1``).

A user's recent in-app events and attributes become three fixed-shape tensors, the three inputs of a
profile network (:class:`finlite.models.ProfileNet`)::

    cat     int32   (B, N, 4)  per event: event_type, page, product, hour_of_day + 1
    num     float32 (B, N, 6)  per event: log amount, amount missing, log dwell, dwell missing, log gap,
                               log elapsed time to as_of
    static  float32 (B, S)     per user: attributes, holdings, recency, event count (S = 35)

``N = ProfileSpec.max_events``. Everything an Android or iOS port needs is in
:class:`~finlite.data.profile_spec.ProfileSpec` (serialised into preprocess.json), in this docstring and
in :meth:`ProfileEncoder.describe`. The
steps for one user, given ``as_of_ms`` (the moment of the prediction, epoch milliseconds, UTC):

1. Events: the user's events with ``ts_ms <= as_of_ms`` (later events are ignored: no leakage from
   the future). Sort them by ``ts_ms``; among equal timestamps the one later in the table counts as
   more recent. Keep the ``max_events`` most recent.
2. Row order: **row 0 is the most recent event**, row 1 the one before, … (reverse chronological,
   left-aligned). Rows after the last kept event are padding and all zero (``cat`` and ``num``), so
   ``cat[..., 0] != 0`` is the event mask.
3. ``cat``: the vocabulary ids of :mod:`finlite.data.event_schema` (0 padding, 1 OOV, known values
   from 2) are passed through; an id outside ``[0, vocab)`` becomes OOV (1). A real event with
   event_type id 0 gets 1 (OOV) too, because event_type 0 marks padding; page/product 0 on a real
   event (no value) stays 0. Column 3 is ``hour + 1`` (1..24) with
   ``hour = floor((ts_ms + utc_offset_minutes * 60000) / 3600000) mod 24`` (floor division, also for
   negative timestamps). ``utc_offset_minutes`` is a spec field, default 480 (China Standard Time,
   UTC+8, no daylight saving): the hour is the user's wall-clock hour, not UTC.
4. ``num`` (z = (v - mean) / std with the spec's constants, v computed in float64, then rounded to
   float32). The raw ``amount``, ``dwell_ms``, ``age`` and ``tenure_days`` are float32 in the loaded
   tables: round a parsed value to float32 first, then widen it to float64 for ``log1p``:

   - 0: z of ``log1p(|amount|)``; 1: 1 if amount is missing (NaN or infinite), and then column 0 is 0.
   - 2: z of ``log1p(dwell_ms)``; 3: 1 if dwell is missing (NaN, infinite or negative), then column 2 is 0.
   - 4: z of ``log1p(gap seconds)``, gap = ``(ts_ms[row] - ts_ms[row + 1]) / 1000``, the time since the
     previous *kept* event; 0 for the oldest kept row (the last real row). Only the kept window is
     used, so an app that stores just the last ``max_events`` events encodes the same tensors.
   - 5: z of ``log1p(elapsed seconds)``, elapsed = ``(as_of_ms - ts_ms[row]) / 1000``: where the event
     sits on the time axis (lets the network see activity trends over weeks).

5. ``static`` (one row per user; column indices):

   - 0: z of ``log1p(age)``; 1: age missing (NaN, infinite, negative, or no attribute row).
   - 2..6: one-hot risk level 1..5; 7: risk missing (0, any other value, or no attribute row).
   - 8: z of ``log1p(tenure_days)``; 9: tenure missing (as for age).
   - 10..17: one-hot of the aum_bucket id: 10 = missing (id 0 or no attribute row), 11 = OOV (id 1
     or an id outside the vocabulary), 12.. = the buckets of ``AUM_BUCKETS`` in order.
   - 18..31: holdings multi-hot, one column per ``PRODUCTS`` entry (1 if the value is non-zero; all 0
     without an attribute row — the row's absence shows in the missing flags of 1, 7, 9 and 10).
   - 32: z of ``log1p(seconds since the most recent event)`` at ``as_of_ms``; 33: 1 if the user has
     no event up to ``as_of_ms`` (then column 32 is 0).
   - 34: event count ``min(1, log1p(n) / log1p(max_events))``, n = all the user's events up to
     ``as_of_ms`` (not just the kept ones).

A missing numeric is never a silent zero: its value is 0 *and* a flag column says it is missing.
The normalisation constants come from training data
(:func:`~finlite.data.profile_normalisation.fit_normalisation`); the defaults (mean 0, std 1) are the
identity and only suit tests.

The tables are duck-typed (see :mod:`finlite.data.tables`): an event table has ``user_ids``,
``offsets`` (U+1, user i's events are rows ``offsets[i]:offsets[i+1]``), ``ts_ms``, ``event_type``,
``page``, ``product``, ``amount``, ``dwell_ms``; an attribute table has ``user_ids``, ``age``,
``risk_level``, ``tenure_days``, ``holdings`` (U, len(PRODUCTS)) and ``aum_bucket``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from .event_schema import (
    AUM_BUCKETS,
    EVENT_TYPES,
    FIRST_ID,
    OOV_ID,
    PAD_ID,
    PAGES,
    PRODUCTS,
    RISK_LEVELS,
    vocabulary,
)
from .profile_spec import NORMALISED, ProfileSpec, static_columns

if TYPE_CHECKING:  # pragma: no cover
    from .tables import AttributeTable, EventTable

__all__ = ["GatheredEvents", "ProfileEncoder", "ProfileInputs", "gather_events", "log_amount", "log_nonneg"]

_MS_PER_HOUR = 3_600_000
# where the groups of static_columns() start
_S_AGE, _S_RISK, _S_TENURE, _S_AUM = 0, 2, 8, 10
_S_HOLD = _S_AUM + len(AUM_BUCKETS) + FIRST_ID
_S_RECENCY = _S_HOLD + len(PRODUCTS)
_S_COUNT = _S_RECENCY + 2


@dataclass
class ProfileInputs:
    """The three model inputs of a batch of users (numpy; ``torch.from_numpy`` them for the model)."""

    cat: np.ndarray  # int32 (B, N, 4)
    num: np.ndarray  # float32 (B, N, 6)
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


def log_amount(amount: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log1p(|amount|) in float64 with 0 where missing, missing flag)."""
    a = np.asarray(amount, dtype=np.float64)
    missing = ~np.isfinite(a)
    return np.where(missing, 0.0, np.log1p(np.abs(np.where(missing, 0.0, a)))), missing


def log_nonneg(value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log1p(v) with 0 where missing, missing flag); NaN, infinite and negative values are missing."""
    v = np.asarray(value, dtype=np.float64)
    missing = ~(np.isfinite(v) & (v >= 0))
    return np.where(missing, 0.0, np.log1p(np.where(missing, 0.0, v))), missing


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

    def __init__(self, spec: ProfileSpec | None = None):
        self.spec = spec or ProfileSpec()

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
    ) -> ProfileInputs:
        """Vectorised encoding of a batch of users (``None`` tables = no events / no attributes)."""
        spec = self.spec
        user_ids = list(user_ids)
        out = self.empty(len(user_ids))
        g = gather_events(events, user_ids, int(as_of_ms), spec.max_events)
        if len(g.row):
            r, k, i = g.row, g.rank, g.index
            et = _clean_ids(np.asarray(events.event_type)[i], spec.event_type_vocab)
            out.cat[r, k, 0] = np.where(et == PAD_ID, OOV_ID, et)
            out.cat[r, k, 1] = _clean_ids(np.asarray(events.page)[i], spec.page_vocab)
            out.cat[r, k, 2] = _clean_ids(np.asarray(events.product)[i], spec.product_vocab)
            out.cat[r, k, 3] = _hour_ids(np.asarray(events.ts_ms)[i], spec.utc_offset_minutes)
            log_a, miss_a = log_amount(np.asarray(events.amount)[i])
            log_d, miss_d = log_nonneg(np.asarray(events.dwell_ms)[i])
            has_gap = g.gap_ms >= 0
            log_g = np.log1p(np.where(has_gap, g.gap_ms, 0) / 1000.0)
            out.num[r, k, 0] = _z(log_a, miss_a, spec.amount_mean, spec.amount_std)
            out.num[r, k, 1] = miss_a
            out.num[r, k, 2] = _z(log_d, miss_d, spec.dwell_mean, spec.dwell_std)
            out.num[r, k, 3] = miss_d
            out.num[r, k, 4] = _z(log_g, ~has_gap, spec.gap_mean, spec.gap_std)
            log_e = np.log1p((int(as_of_ms) - np.asarray(events.ts_ms)[i]) / 1000.0)
            out.num[r, k, 5] = _z(log_e, np.zeros(len(log_e), dtype=bool), spec.elapsed_mean, spec.elapsed_std)
        self._fill_static(out.static, attrs, user_ids, g.count, g.last_ts, int(as_of_ms))
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

        def column(name: str, fill: float) -> np.ndarray:
            if attrs is None or len(attrs.user_ids) == 0:
                return np.full(batch, fill, dtype=np.float64)
            return np.where(has, np.asarray(getattr(attrs, name), dtype=np.float64)[take], fill)

        log_age, miss_age = log_nonneg(column("age", np.nan))
        static[:, _S_AGE] = _z(log_age, miss_age, spec.age_mean, spec.age_std)
        static[:, _S_AGE + 1] = miss_age
        risk = column("risk_level", 0).astype(np.int64)
        for j, level in enumerate(RISK_LEVELS):
            static[:, _S_RISK + j] = risk == level
        static[:, _S_RISK + len(RISK_LEVELS)] = ~np.isin(risk, RISK_LEVELS)
        log_ten, miss_ten = log_nonneg(column("tenure_days", np.nan))
        static[:, _S_TENURE] = _z(log_ten, miss_ten, spec.tenure_mean, spec.tenure_std)
        static[:, _S_TENURE + 1] = miss_ten
        aum = _clean_ids(column("aum_bucket", PAD_ID), spec.aum_vocab)
        static[np.arange(batch), _S_AUM + aum] = 1.0
        if attrs is not None and len(attrs.user_ids) and has.any():
            holdings = np.asarray(attrs.holdings)[take[has]]
            static[has, _S_HOLD : _S_HOLD + spec.holdings] = holdings[:, : spec.holdings] != 0
        with_events = count > 0
        seconds = np.where(with_events, (as_of_ms - last_ts) / 1000.0, 0.0)
        log_rec, miss_rec = log_nonneg(seconds)
        miss_rec |= ~with_events
        static[:, _S_RECENCY] = _z(log_rec, miss_rec, spec.recency_mean, spec.recency_std)
        static[:, _S_RECENCY + 1] = miss_rec
        static[:, _S_COUNT] = np.minimum(1.0, np.log1p(count) / math.log1p(spec.max_events))

    def describe(self) -> dict:
        """A JSON-able description of every tensor column (for preprocess.json and app developers)."""
        spec = self.spec
        n = spec.max_events

        def vocab(values: Iterable) -> dict[str, int]:
            return {"<pad>": PAD_ID, "<oov>": OOV_ID, **vocabulary(tuple(values))}

        def norm(prefix: str) -> dict:
            transform = dict(NORMALISED)[prefix]
            return {"transform": transform, "mean": getattr(spec, f"{prefix}_mean"), "std": getattr(spec, f"{prefix}_std")}

        cat_cols = [
            {"index": 0, "name": "event_type", "kind": "categorical", "vocab_size": spec.event_type_vocab,
             "vocabulary": vocab(EVENT_TYPES), "note": "0 only at padding rows (the event mask is cat[..., 0] != 0)"},
            {"index": 1, "name": "page", "kind": "categorical", "vocab_size": spec.page_vocab, "vocabulary": vocab(PAGES)},
            {"index": 2, "name": "product", "kind": "categorical", "vocab_size": spec.product_vocab,
             "vocabulary": vocab(PRODUCTS)},
            {"index": 3, "name": "hour", "kind": "categorical", "vocab_size": spec.hour_vocab,
             "note": f"hour of day + 1 at UTC{spec.utc_offset_minutes / 60:+g}h (utc_offset_minutes "
             f"{spec.utc_offset_minutes}); 0 = padding"},
        ]
        num_cols = [
            {"index": 0, "name": "log_amount", "kind": "numeric", "missing_flag": 1, **norm("amount")},
            {"index": 1, "name": "amount_missing", "kind": "flag"},
            {"index": 2, "name": "log_dwell", "kind": "numeric", "missing_flag": 3, **norm("dwell")},
            {"index": 3, "name": "dwell_missing", "kind": "flag"},
            {"index": 4, "name": "log_gap", "kind": "numeric", **norm("gap"),
             "note": "0 for the oldest kept event (the last real row)"},
            {"index": 5, "name": "log_elapsed", "kind": "numeric", **norm("elapsed"),
             "note": "seconds from the event to as_of_ms"},
        ]
        static_cols = []
        for i, name in enumerate(static_columns(spec)):
            col: dict[str, Any] = {"index": i, "name": name}
            if name in ("log_age", "log_tenure", "log_recency"):
                col.update(kind="numeric", missing_flag=i + 1, **norm(name[4:]))
            elif name == "event_count":
                col.update(kind="numeric", transform=f"min(1, log1p(events up to as_of_ms) / log1p({n}))")
            elif name.startswith(("risk_", "aum_")):
                col.update(kind="one_hot", group=name.split("_")[0])
            elif name.startswith("holds_"):
                col.update(kind="multi_hot", group="holdings")
            else:
                col.update(kind="flag")
            static_cols.append(col)
        return {
            "format": spec.format,
            "event_schema": spec.event_schema,
            "spec": spec.to_json(),
            "row_order": "row 0 = most recent event up to as_of_ms, then older ones; padding rows (all 0) at the end",
            "event_selection": f"events with ts_ms <= as_of_ms; the {n} most recent; ties: later table row first",
            "normalisation": "z = (log1p(v) - mean) / std in float64, rounded to float32; a missing value is 0 with its flag 1",
            "attribute_vocabularies": {
                "aum_bucket": vocab(AUM_BUCKETS),
                "holdings": {"order": list(PRODUCTS), "note": "static columns holds_<product>, in this order"},
            },
            "inputs": [
                {"name": "cat", "dtype": "int32", "shape": ["batch", n, spec.cat_features], "columns": cat_cols},
                {"name": "num", "dtype": "float32", "shape": ["batch", n, spec.num_features], "columns": num_cols},
                {"name": "static", "dtype": "float32", "shape": ["batch", spec.static_features], "columns": static_cols},
            ],
        }
