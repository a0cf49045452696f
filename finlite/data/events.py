"""Event sequences and user attributes of profile models, loaded from CSV or Parquet into columnar arrays.

Two tables, described by a :class:`~finlite.data.schema.ProfileSchema` (column roles, fields, vocabularies;
result types in :mod:`finlite.data.tables`):

* events, one row per in-app event: the user id and timestamp columns and every event field of the schema
  → :class:`EventTable`, sorted by (user, timestamp), equal timestamps kept in file order;
* attributes, one row per user: the user id column and every user field → :class:`AttributeTable`,
  sorted by user.

Formats (by extension): ``.csv`` (header row required, ``"`` quoting, a quoted field may hold newlines; a
leading UTF-8 BOM is accepted; extra columns are ignored) and ``.parquet``. Files are streamed in batches
(:mod:`finlite.data.batch_reader`) and every batch is validated (:mod:`finlite.data.row_checks`) and
converted vectorised into compact numpy arrays (:mod:`finlite.data.timestamps`,
:mod:`finlite.data.categories`); no Python object is built per row.

Values (surrounding spaces are stripped from every cell; column names are matched after stripping spaces,
exactly first, then ignoring case):

* the timestamp: ISO 8601, ``2026-05-01T08:30:00Z``, ``2026-05-01 08:30:00+08:00``, ``2026-05-01T08:30:00.250``,
  ``2026-05-01T08:30``, ``2026-05-01`` (offsets ``Z``, ``±hh:mm``, ``±hhmm``, ``±hh``; no offset = UTC), or an
  integer of epoch **milliseconds** (``1777624200000``); detected per value. Stored as int64 epoch ms (UTC);
  fractions below a millisecond are truncated. Parquet may also store a timestamp column (naive = UTC), an
  integer column (epoch ms) or a date column.
* numeric fields: a decimal number (``12``, ``-3.5``, ``1e3``); empty (or null in Parquet) = missing, kept
  as NaN and counted in ``report.missing``, never zero; a value outside the field's ``min`` / ``max`` is an
  error.
* categorical fields: matched exactly (case-sensitive) against the field's ``values``; known values get ids
  from 2, unknown values ``OOV_ID`` (1), counted in ``report.oov`` (never an error); an empty cell is
  ``MISSING_ID`` (0), except in the event-name field, where it counts as the unknown value ``''``.
* multi fields (users only): ``separator``-separated values (``fund_equity;credit_card``), empty = none;
  multi-hot over the field's values (column ``j`` is ``values[j]``). A Parquet list-of-strings column is
  accepted too.

Errors are :class:`DataError` (one line) naming file, row and field:
``events.csv, row 12, field 'timestamp': cannot parse timestamp '2026-13-01' ...``. **Row N is the N-th data
row, 1-based, in both formats** (the CSV header is not a row, blank lines are not rows; in a CSV without
blank lines or multi-line quoted values row N is on physical line N + 1). ``on_error="raise"`` (default)
raises at the first bad row; ``on_error="skip"`` drops bad rows (also CSV rows with the wrong number of
fields) and counts them in ``report.skipped`` with the first messages in ``report.skipped_examples``.
Structural problems (missing file or column, no rows, unreadable file) always raise. Row-located errors are
:class:`~finlite.data.row_checks.RowDataError`, a :class:`DataError` whose ``row`` attribute holds the data
row (``line`` is None).

Memory: Arrow's CSV reader keeps about 32 blocks in flight, so CSV blocks are capped at 1 MB and regrouped
into batches of ``chunk_rows``; per row the result holds 8 bytes of time plus 4 bytes per field, plus the
sort permutation while sorting (``tests/test_events.py`` measures 1,000,000 events).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable

import numpy as np

from ..errors import FinliteError
from .batch_reader import SUPPORTED_TABLE_EXTENSIONS, begin_load, read_batches
from .categories import Categorical, MultiValues, OovCounter
from .columns import concat, np_bool, num_text, shown, strings, take_rows
from .row_checks import LoadContext, RowChecks
from .schema import CATEGORICAL, MISSING_ID, MULTI, NUMERIC, OOV_ID, Field, ProfileSchema
from .tables import AttributeTable, EventTable, LoadReport
from .timestamps import parse_timestamps
from .user_codes import UserCodes, factorise_sorted

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["SUPPORTED_TABLE_EXTENSIONS", "load_attributes", "load_events"]


def load_events(path: str | os.PathLike, schema: ProfileSchema, on_error: str = "raise", chunk_rows: int = 65536) -> EventTable:
    """Load an events CSV/Parquet file into an :class:`EventTable` (see the module docstring).

    ``chunk_rows`` rows are validated and converted at a time (memory per batch, not per file).
    """
    _require_pyarrow()
    name, ctx = begin_load(path, on_error, chunk_rows)
    fields = schema.event_fields
    wanted = (schema.event_user_id, schema.event_timestamp, *(f.column for f in fields))
    out = _Collected(fields, {"ts_ms": np.int64})
    user_chunks: list = []  # the kept user ids of every batch, as Arrow string arrays

    for cols, base in read_batches(name, wanted, chunk_rows, ctx):
        user, checks = _user_checks(cols, schema.event_user_id)
        ts, ts_bad, ts_msg = parse_timestamps(cols[schema.event_timestamp])
        checks.add(schema.event_timestamp, ts_bad, ts_msg)
        converted = out.convert(cols, checks)
        keep = ctx.kept(checks, base)
        user_chunks.append(take_rows(user, keep))
        out.add("ts_ms", ts[keep])
        out.keep(converted, keep)

    user_ids, code = factorise_sorted(user_chunks)
    del user_chunks
    if code.size == 0:
        raise ctx.no_rows_error()
    ts_ms = out.column("ts_ms")
    perm = np.lexsort((ts_ms, code))  # stable: equal timestamps keep their file order
    code_sorted = code[perm]
    same_user = code_sorted[1:] == code_sorted[:-1]
    went_back = same_user & (perm[1:] < perm[:-1])  # a later file row sorted before an earlier one
    reordered = int(np.unique(code_sorted[1:][went_back]).size)
    counts = np.bincount(code_sorted, minlength=len(user_ids))
    offsets = np.zeros(len(user_ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    del code, code_sorted, same_user, went_back
    ts_ms = ts_ms[perm]
    report, columns = out.finish(ctx, user_ids, perm, reordered)
    del columns["multi"]  # events have no multi fields (check_schema)
    return EventTable(user_ids=user_ids, offsets=offsets, ts_ms=ts_ms, report=report, **columns)


def load_attributes(path: str | os.PathLike, schema: ProfileSchema, on_error: str = "raise") -> AttributeTable:
    """Load a user-attributes CSV/Parquet file into an :class:`AttributeTable` (see the module docstring)."""
    _require_pyarrow()
    name, ctx = begin_load(path, on_error, 65536)
    users = UserCodes()
    first_k_of_code = np.zeros(0, dtype=np.int64)  # user code -> delivered-row index of its row
    user_codes: list[np.ndarray] = []
    id_column = schema.user_user_id
    out = _Collected(schema.user_fields, {})

    for cols, base in read_batches(name, (id_column, *(f.column for f in schema.user_fields)), 65536, ctx):
        user, checks = _user_checks(cols, id_column)
        converted = out.convert(cols, checks)
        first_k = _duplicates(user, checks, users, first_k_of_code, base)
        checks.add(
            id_column,
            first_k >= 0,
            lambda i: f"duplicate user {shown(user, i)} (first at row {ctx.row_of(int(first_k[i]))})",
        )

        keep = ctx.kept(checks, base)
        kept = np.arange(checks.n) if isinstance(keep, slice) else np.flatnonzero(keep)
        old = len(users.code)
        codes = users.encode(take_rows(user, keep))
        new = codes >= old  # no duplicates remain among kept rows: each new code appears once
        order = np.argsort(codes[new])
        first_k_of_code = np.concatenate([first_k_of_code, base + kept[new][order]])
        user_codes.append(codes)
        out.keep(converted, keep)

    code = concat(user_codes, np.int32)
    if code.size == 0:
        raise ctx.no_rows_error()
    user_ids, rank = users.sorted()
    perm = np.argsort(rank[code], kind="stable")
    report, columns = out.finish(ctx, user_ids, perm)
    return AttributeTable(user_ids=user_ids, report=report, **columns)


# --- shared by both loaders ---------------------------------------------------------------------------------


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise FinliteError("loading event and attribute tables needs pyarrow: pip install pyarrow") from None


def _user_checks(cols: dict[str, "pa.Array"], column: str) -> tuple["pa.StringArray", RowChecks]:
    """A batch's user ids (stripped strings) and its checks, starting with the empty-id check."""
    import pyarrow.compute as pc

    user = strings(cols[column])
    checks = RowChecks(len(user))
    checks.add(column, np_bool(pc.equal(user, "")), lambda i: f"empty {column}")
    return user, checks


class _Collected:
    """What the batches of one load add up to: each field's converted values, unknown values and missing
    counts (categorical fields → int32 ids, numeric → float32 with NaN, multi → uint8 multi-hot)."""

    def __init__(self, fields: Iterable[Field], extra: dict[str, type]) -> None:
        self.fields = tuple(fields)
        self.dtypes = dict(extra)
        for f in self.fields:
            self.dtypes[f.name] = {CATEGORICAL: np.int32, NUMERIC: np.float32, MULTI: np.uint8}[f.kind]
        self.parts: dict[str, list[np.ndarray]] = {key: [] for key in self.dtypes}
        self.oov = {f.name: OovCounter() for f in self.fields if f.kind != NUMERIC}
        self.missing = {f.name: 0 for f in self.fields if f.kind != MULTI}
        self.vocab = {f.name: f.ids() for f in self.fields if f.kind != NUMERIC}

    def convert(self, cols: dict[str, "pa.Array"], checks: RowChecks) -> dict:
        """Every field of a batch parsed, with its bad rows added to ``checks``."""
        out: dict = {}
        for f in self.fields:
            arr = cols[f.column]
            if f.kind == NUMERIC:
                values, bad = checks.numbers(f.column, arr)
                for bound, outside, word in ((f.min, np.less, "below"), (f.max, np.greater, "above")):
                    if bound is not None:
                        mask = ~bad & outside(values, bound)
                        checks.add(f.column, mask, lambda i, v=values, b=bound, w=word, k=("min" if word == "below" else "max"), n=f.name:
                                   f"{n} {num_text(v[i])} is {w} the schema's {k} {num_text(b)}")
                out[f.name] = values
            elif f.kind == CATEGORICAL:
                out[f.name] = Categorical(strings(arr), self.vocab[f.name], OOV_ID if f.role == "event" else MISSING_ID)
            else:
                out[f.name] = MultiValues(arr, {v: j for j, v in enumerate(f.values)}, f.separator)
        return out

    def keep(self, converted: dict, keep: slice | np.ndarray) -> None:
        """The kept rows of a converted batch."""
        for f in self.fields:
            value = converted[f.name]
            if f.kind == NUMERIC:
                kept = value[keep]
                self.add(f.name, kept.astype(np.float32), np.isnan(kept))
            elif f.kind == CATEGORICAL:
                ids = value.ids(keep)
                value.count_oov(keep, self.oov[f.name])
                self.add(f.name, ids, ids == MISSING_ID)
            else:
                self.add(f.name, value.matrix(keep, self.oov[f.name]))

    def add(self, key: str, values: np.ndarray, missing: np.ndarray | None = None) -> None:
        """A batch's kept values of a column (``missing``: which of them are missing)."""
        self.parts[key].append(values)
        if missing is not None:
            self.missing[key] += int(missing.sum())

    def column(self, key: str) -> np.ndarray:
        """A column in file order; its batches are freed."""
        chunks = self.parts.pop(key)
        if not chunks and self.dtypes[key] == np.uint8:
            width = len(next(f for f in self.fields if f.name == key).values)
            return np.zeros((0, width), dtype=np.uint8)
        return concat(chunks, self.dtypes[key])

    def finish(self, ctx: LoadContext, user_ids: list[str], perm: np.ndarray, reordered_users: int = 0) -> tuple[LoadReport, dict]:
        """The report, and ``{"cats" | "nums" | "multi": {field: column in table order (perm)}}``."""
        report = LoadReport(
            path=ctx.name,
            rows=int(perm.size),
            users=len(user_ids),
            oov={key: counter.top() for key, counter in self.oov.items()},
            reordered_users=reordered_users,
            missing=self.missing,
            skipped=ctx.skipped,
            skipped_examples=ctx.examples(),
            oov_total={key: counter.total for key, counter in self.oov.items()},
            multi=tuple(f.name for f in self.fields if f.kind == MULTI),
        )
        groups: dict[str, dict[str, np.ndarray]] = {"cats": {}, "nums": {}, "multi": {}}
        for f in self.fields:
            group = {CATEGORICAL: "cats", NUMERIC: "nums", MULTI: "multi"}[f.kind]
            groups[group][f.name] = self.column(f.name)[perm]
        return report, groups


def _duplicates(
    user: "pa.StringArray", checks: RowChecks, users: UserCodes, first_k_of_code: np.ndarray, base: int
) -> np.ndarray:
    """Per row of an attributes batch: the delivered-row index of the first row of its user if the row
    repeats a user among the rows valid so far (the first occurrence is kept), else -1."""
    n = checks.n
    encoded = user.dictionary_encode()
    index = encoded.indices.to_numpy(zero_copy_only=False)
    known = np.array([users.code.get(u, -1) for u in encoded.dictionary.to_pylist()] or [-1], dtype=np.int64)
    valid = np.flatnonzero(~checks.bad())
    seen = known[index[valid]] >= 0  # user already in an earlier batch
    first_k = np.full(n, -1, dtype=np.int64)
    first_k[valid[seen]] = first_k_of_code[known[index[valid[seen]]]]
    fresh = valid[~seen]
    _, first_pos = np.unique(index[fresh], return_index=True)
    first_in_batch = np.full(len(known), -1, dtype=np.int64)
    first_in_batch[index[fresh[first_pos]]] = base + fresh[first_pos]
    later = np.ones(fresh.size, dtype=bool)
    later[first_pos] = False
    first_k[fresh[later]] = first_in_batch[index[fresh[later]]]
    return first_k
