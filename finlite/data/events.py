"""Event sequences and user attributes of profile models, loaded from CSV or Parquet into columnar arrays.

Two tables (schema in :mod:`finlite.data.event_schema`, result types in :mod:`finlite.data.tables`):

* events, one row per in-app event: ``user_id, timestamp, event_type, page, product, amount, dwell_ms``
  → :class:`EventTable`, sorted by (user, timestamp), equal timestamps kept in file order;
* attributes, one row per user: ``user_id, age, risk_level, tenure_days, holdings, aum_bucket``
  → :class:`AttributeTable`, sorted by user.

Formats (by extension): ``.csv`` (header row required, ``"`` quoting, a quoted field may hold newlines; a
leading UTF-8 BOM is accepted; extra columns are ignored) and ``.parquet``. Files are streamed in batches
(:mod:`finlite.data.batch_reader`) and every batch is validated (:mod:`finlite.data.row_checks`) and
converted vectorised into compact numpy arrays (:mod:`finlite.data.timestamps`,
:mod:`finlite.data.categories`); no Python object is built per row.

Values (surrounding spaces are stripped from every cell; column names are matched after stripping spaces,
exactly first, then ignoring case):

* ``timestamp``: ISO 8601, ``2026-05-01T08:30:00Z``, ``2026-05-01 08:30:00+08:00``, ``2026-05-01T08:30:00.250``,
  ``2026-05-01T08:30``, ``2026-05-01`` (offsets ``Z``, ``±hh:mm``, ``±hhmm``, ``±hh``; no offset = UTC), or an
  integer of epoch **milliseconds** (``1777624200000``); detected per value. Stored as int64 epoch ms (UTC);
  fractions below a millisecond are truncated. Parquet may also store a timestamp column (naive = UTC), an
  integer column (epoch ms) or a date column.
* numerics (``amount``, ``dwell_ms``, ``age``, ``tenure_days``): a decimal number (``12``, ``-3.5``, ``1e3``);
  empty (or null in Parquet) = missing, kept as NaN and counted in ``report.missing``, never zero.
  ``amount`` may be negative (outflows); ``dwell_ms`` and ``tenure_days`` must be >= 0; ``age`` in 0..120;
  ``risk_level`` an integer 1..5 (empty = 0, missing).
* categories (``event_type``, ``page``, ``product``, ``aum_bucket``, each item of ``holdings``): matched exactly
  (case-sensitive) against the vocabularies; known values get ``vocabulary(...)`` ids, unknown values get
  ``OOV_ID`` and are counted in ``report.oov`` (never an error). An empty ``product`` means ``"none"``; an empty
  ``event_type``/``page`` is counted as the unknown value ``''``; an empty ``aum_bucket`` is ``PAD_ID`` (missing).
* ``holdings``: ``;``-separated products (``fund_equity;credit_card``), empty = holds nothing; multi-hot over
  ``PRODUCTS`` (column ``j`` is ``PRODUCTS[j]``). A Parquet list-of-strings column is accepted too.

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
into batches of ``chunk_rows``; per row the result holds 22 bytes (int64 time, three int16 ids, two
float32) plus the sort permutation while sorting. 1,000,000 events load in about 1-2 s with a peak RSS
increase of about 200 MB (CSV or Parquet; ``tests/test_events.py``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable

import numpy as np

from ..errors import FinliteError
from .batch_reader import SUPPORTED_TABLE_EXTENSIONS, begin_load, read_batches
from .categories import Categorical, Holdings, OovCounter
from .columns import concat, np_bool, num_text, parse_numbers, shown, strings, take_rows
from .event_schema import (
    ATTRIBUTE_COLUMNS,
    AUM_BUCKETS,
    EVENT_COLUMNS,
    EVENT_TYPES,
    OOV_ID,
    PAD_ID,
    PAGES,
    PRODUCTS,
    vocabulary,
)
from .row_checks import LoadContext, RowChecks
from .tables import AttributeTable, EventTable, LoadReport
from .timestamps import parse_timestamps
from .user_codes import UserCodes, factorise_sorted

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["SUPPORTED_TABLE_EXTENSIONS", "load_attributes", "load_events"]


def load_events(path: str | os.PathLike, on_error: str = "raise", chunk_rows: int = 65536) -> EventTable:
    """Load an events CSV/Parquet file into an :class:`EventTable` (see the module docstring).

    ``chunk_rows`` rows are validated and converted at a time (memory per batch, not per file).
    """
    _require_pyarrow()
    name, ctx = begin_load(path, on_error, chunk_rows)
    product_vocab = vocabulary(PRODUCTS)
    vocabs = {  # column -> (vocabulary, id of an empty cell)
        "event_type": (vocabulary(EVENT_TYPES), OOV_ID),
        "page": (vocabulary(PAGES), OOV_ID),
        "product": (product_vocab, product_vocab["none"]),
    }
    dtypes = {"ts_ms": np.int64, "event_type": np.int16, "page": np.int16, "product": np.int16,
              "amount": np.float32, "dwell_ms": np.float32}
    out = _Collected(dtypes, oov=vocabs, missing=("amount", "dwell_ms"))
    user_chunks: list = []  # the kept user ids of every batch, as Arrow string arrays

    for cols, base in read_batches(name, EVENT_COLUMNS, chunk_rows, ctx):
        user, checks = _user_checks(cols)
        ts, ts_bad, ts_msg = parse_timestamps(cols["timestamp"])
        checks.add("timestamp", ts_bad, ts_msg)
        cats = {key: Categorical(strings(cols[key]), vocab, empty) for key, (vocab, empty) in vocabs.items()}
        amount, _ = checks.numbers("amount", cols["amount"])
        dwell, dwell_bad = checks.numbers("dwell_ms", cols["dwell_ms"])
        negative = ~dwell_bad & (dwell < 0)
        checks.add("dwell_ms", negative, lambda i: f"negative dwell_ms {num_text(dwell[i])} (must be >= 0)")

        keep = ctx.kept(checks, base)
        user_chunks.append(take_rows(user, keep))
        out.add("ts_ms", ts[keep])
        for key, cat in cats.items():
            out.add(key, cat.ids(keep))
            cat.count_oov(keep, out.oov[key])
        amount, dwell = amount[keep], dwell[keep]
        out.add("amount", amount.astype(np.float32), np.isnan(amount))
        out.add("dwell_ms", dwell.astype(np.float32), np.isnan(dwell))

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
    return EventTable(offsets=offsets, ts_ms=ts_ms, **out.finish(ctx, user_ids, perm, reordered))


def load_attributes(path: str | os.PathLike, on_error: str = "raise") -> AttributeTable:
    """Load a user-attributes CSV/Parquet file into an :class:`AttributeTable` (see the module docstring)."""
    _require_pyarrow()
    name, ctx = begin_load(path, on_error, 65536)
    aum_vocab = vocabulary(AUM_BUCKETS)
    product_index = {p: j for j, p in enumerate(PRODUCTS)}
    users = UserCodes()
    first_k_of_code = np.zeros(0, dtype=np.int64)  # user code -> delivered-row index of its row
    user_codes: list[np.ndarray] = []
    dtypes = {"age": np.float32, "risk_level": np.int8, "tenure_days": np.float32, "holdings": np.uint8,
              "aum_bucket": np.int16}
    out = _Collected(dtypes, oov=("holdings", "aum_bucket"), missing=("age", "risk_level", "tenure_days", "aum_bucket"))

    for cols, base in read_batches(name, ATTRIBUTE_COLUMNS, 65536, ctx):
        user, checks = _user_checks(cols)
        age, age_bad = checks.numbers("age", cols["age"])
        checks.add("age", ~age_bad & ((age < 0) | (age > 120)), lambda i: f"age {num_text(age[i])} out of range 0..120")
        risk, risk_bad, _ = parse_numbers(cols["risk_level"])
        risk_bad |= ~np.isnan(risk) & ~np.isin(risk, (1, 2, 3, 4, 5))
        risk_raw = cols["risk_level"]
        checks.add("risk_level", risk_bad, lambda i: f"risk_level must be an integer 1..5, found {shown(risk_raw, i)}")
        tenure, tenure_bad = checks.numbers("tenure_days", cols["tenure_days"])
        checks.add("tenure_days", ~tenure_bad & (tenure < 0), lambda i: f"negative tenure_days {num_text(tenure[i])}")
        holdings = Holdings(cols["holdings"], product_index)
        aum = Categorical(strings(cols["aum_bucket"]), aum_vocab, PAD_ID)
        first_k = _duplicates(user, checks, users, first_k_of_code, base)
        checks.add(
            "user_id",
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
        age, risk, tenure = age[keep], risk[keep], tenure[keep]
        out.add("age", age.astype(np.float32), np.isnan(age))
        out.add("risk_level", np.nan_to_num(risk, nan=0.0).astype(np.int8), np.isnan(risk))
        out.add("tenure_days", tenure.astype(np.float32), np.isnan(tenure))
        out.add("holdings", holdings.matrix(keep, out.oov["holdings"]))
        aum_ids = aum.ids(keep)
        aum.count_oov(keep, out.oov["aum_bucket"])
        out.add("aum_bucket", aum_ids, aum_ids == PAD_ID)

    code = concat(user_codes, np.int32)
    if code.size == 0:
        raise ctx.no_rows_error()
    user_ids, rank = users.sorted()
    perm = np.argsort(rank[code], kind="stable")
    return AttributeTable(**out.finish(ctx, user_ids, perm))


# --- shared by both loaders ---------------------------------------------------------------------------------


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise FinliteError("loading event and attribute tables needs pyarrow: pip install pyarrow") from None


def _user_checks(cols: dict[str, "pa.Array"]) -> tuple["pa.StringArray", RowChecks]:
    """A batch's user ids (stripped strings) and its checks, starting with the empty-id check."""
    import pyarrow.compute as pc

    user = strings(cols["user_id"])
    checks = RowChecks(len(user))
    checks.add("user_id", np_bool(pc.equal(user, "")), lambda i: "empty user_id")
    return user, checks


class _Collected:
    """What the batches of one load add up to: converted columns, unknown values and missing counts."""

    def __init__(self, dtypes: dict[str, type], oov: Iterable[str], missing: Iterable[str]) -> None:
        self.dtypes = dtypes
        self.parts: dict[str, list[np.ndarray]] = {key: [] for key in dtypes}
        self.oov = {key: OovCounter() for key in oov}
        self.missing = dict.fromkeys(missing, 0)

    def add(self, key: str, values: np.ndarray, missing: np.ndarray | None = None) -> None:
        """A batch's kept values of a column (``missing``: which of them are missing)."""
        self.parts[key].append(values)
        if missing is not None:
            self.missing[key] += int(missing.sum())

    def column(self, key: str) -> np.ndarray:
        """A column in file order; its batches are freed."""
        return concat(self.parts.pop(key), self.dtypes[key])

    def finish(self, ctx: LoadContext, user_ids: list[str], perm: np.ndarray, reordered_users: int = 0) -> dict:
        """The table's other fields: ``user_ids``, every column not taken yet in table order (``perm``) and
        the report."""
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
        )
        columns = {key: self.column(key)[perm] for key in list(self.parts)}
        return {"user_ids": user_ids, **columns, "report": report}


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
