"""Event sequences and user attributes of profile models, loaded from CSV or Parquet into columnar arrays.

Two tables (schema in :mod:`finlite.data.event_schema`):

* events, one row per in-app event: ``user_id, timestamp, event_type, page, product, amount, dwell_ms``
  → :class:`EventTable`, sorted by (user, timestamp), equal timestamps kept in file order;
* attributes, one row per user: ``user_id, age, risk_level, tenure_days, holdings, aum_bucket``
  → :class:`AttributeTable`, sorted by user.

Formats (by extension): ``.csv`` (header row required, ``"`` quoting, a quoted field may hold newlines; a
leading UTF-8 BOM is accepted; extra columns are ignored) and ``.parquet``. Files are streamed in batches
(pyarrow's streaming CSV reader, Parquet ``iter_batches``) and every batch is validated and converted
vectorised into compact numpy arrays; no Python object is built per row.

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
:class:`RowDataError`, a :class:`DataError` whose ``row`` attribute holds the data row (``line`` is None).

Memory: Arrow's CSV reader keeps about 32 blocks in flight, so CSV blocks are capped at 1 MB and regrouped
into batches of ``chunk_rows``; per row the result holds 22 bytes (int64 time, three int16 ids, two
float32) plus the sort permutation while sorting. 1,000,000 events load in about 1-2 s with a peak RSS
increase of about 200 MB (CSV or Parquet; ``tests/test_events.py``).
"""

from __future__ import annotations

import heapq
import os
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..errors import FinliteError
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
from .loaders import DataError, check_data_file

__all__ = [
    "LoadReport",
    "EventTable",
    "AttributeTable",
    "RowDataError",
    "load_events",
    "load_attributes",
    "SUPPORTED_TABLE_EXTENSIONS",
]

SUPPORTED_TABLE_EXTENSIONS = (".csv", ".parquet")
ON_ERROR = ("raise", "skip")
MAX_EXAMPLES = 5  # skipped-row messages kept in the report
TOP_OOV = 20  # unknown values listed per field in report.oov
_OOV_TRACKED = 10_000  # distinct unknown values tracked per field before pruning (top values then approximate)
_SHOWN = 40  # characters of a bad value quoted in a message
_PROBE_BLOCK = 1 << 18  # bytes of the first CSV read (header, row size)
_MAX_BLOCK = 1 << 20  # CSV block size cap: Arrow keeps ~32 blocks in flight

# ISO 8601 as accepted: clock and offset ranges are part of the pattern; calendar days are checked separately.
_ISO_RE = (
    r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[Tt ](?P<h>[01]\d|2[0-3])(?::(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d)(?:[.,](?P<f>\d{1,9}))?)?)?)?"
    r" ?(?P<tz>[Zz]|(?P<tzs>[+-])(?P<tzh>[01]\d|2[0-3])(?::?(?P<tzm>[0-5]\d))?)?$"
)
_HAS_OFFSET_RE = r"^\d{4}-\d{2}-\d{2}.*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"  # for strings matching _ISO_RE
_EPOCH_MS_RE = r"^[+-]?\d{1,18}$"
_NUMBER_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?$"


class RowDataError(DataError):
    """A :class:`DataError` located by data row: ``"events.csv, row 12, field 'timestamp': message"``.

    ``row`` is the 1-based data row (header and blank lines not counted); ``line`` stays ``None``.
    """

    def __init__(self, message: str, path: str | None = None, row: int | None = None, field: str | None = None):
        super().__init__(message, path, None, field)
        self.row = row

    def __str__(self) -> str:
        where = [p for p in (self.path, None if self.row is None else f"row {self.row}") if p is not None]
        if self.field is not None:
            where.append(f"field {self.field!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        return " ".join(text.splitlines())

    def __reduce__(self):
        return (type(self), (self.message, self.path, self.row, self.field))


# --- results ---------------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What happened while loading a table; nothing is dropped or replaced silently.

    ``oov[field]`` holds the most frequent unknown values (up to 20) with their row counts and
    ``oov_total[field]`` the number of rows (for ``holdings``: items) with an unknown value; both have a key
    for every categorical field. ``missing[field]`` counts empty values of each numeric field (kept as NaN;
    for ``risk_level``/``aum_bucket`` stored as 0 = missing).
    """

    path: str
    rows: int
    users: int
    oov: dict[str, dict[str, int]]
    reordered_users: int
    missing: dict[str, int]
    skipped: int
    skipped_examples: list[str]
    oov_total: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One short human line per non-zero item."""
        lines = [f"{self.path}: {_count(self.rows, 'row')}, {_count(self.users, 'user')}"]
        for name, total in self.oov_total.items():
            if total:
                top = self.oov.get(name, {})
                shown = ", ".join(f"{value!r} {count:,}" for value, count in list(top.items())[:3])
                more = f" and {len(top) - 3} more" if len(top) > 3 else ""
                if name == "holdings":
                    lines.append(f"unknown holdings: {_count(total, 'item')} not in PRODUCTS, ignored ({shown}{more})")
                else:
                    lines.append(f"unknown {name}: {_count(total, 'row')} mapped to OOV ({shown}{more})")
        if self.reordered_users:
            lines.append(
                f"reordered: {_count(self.reordered_users, 'user')} had events out of timestamp order in the file"
                " (sorted by timestamp)"
            )
        for name, count in self.missing.items():
            if count:
                lines.append(f"missing {name}: {_count(count, 'row')} empty (kept as missing)")
        if self.skipped:
            first = f"; first: {self.skipped_examples[0]}" if self.skipped_examples else ""
            lines.append(f"skipped: {_count(self.skipped, 'invalid row')} (on_error='skip'){first}")
        return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass
class EventTable:
    """Events as columns, sorted by (user, timestamp); equal timestamps keep their file order.

    The events of ``user_ids[u]`` are rows ``offsets[u]:offsets[u + 1]``. Categorical columns hold int16 ids
    from :func:`~finlite.data.event_schema.vocabulary` (``OOV_ID`` for unknown values); ``amount`` and
    ``dwell_ms`` are float32 with NaN = missing; ``ts_ms`` is int64 epoch milliseconds (UTC).
    """

    user_ids: list[str]
    offsets: np.ndarray
    ts_ms: np.ndarray
    event_type: np.ndarray
    page: np.ndarray
    product: np.ndarray
    amount: np.ndarray
    dwell_ms: np.ndarray
    report: LoadReport

    def user_slice(self, user_id: str) -> slice:
        """Rows of ``user_id``'s events; KeyError if the user has no events in the table."""
        u = _find(self.user_ids, user_id, self.report.path, "events")
        return slice(int(self.offsets[u]), int(self.offsets[u + 1]))

    def __len__(self) -> int:
        return int(self.ts_ms.shape[0])


@dataclass
class AttributeTable:
    """Static user attributes, one row per user, sorted by user id.

    ``age``/``tenure_days``: float32, NaN = missing; ``risk_level``: int8, 0 = missing, else 1..5;
    ``holdings``: uint8 (users, len(PRODUCTS)) multi-hot, column j = ``PRODUCTS[j]``; ``aum_bucket``: int16 ids
    via ``vocabulary(AUM_BUCKETS)``, ``OOV_ID`` unknown, ``PAD_ID`` missing.
    """

    user_ids: list[str]
    age: np.ndarray
    risk_level: np.ndarray
    tenure_days: np.ndarray
    holdings: np.ndarray
    aum_bucket: np.ndarray
    report: LoadReport

    def index(self, user_id: str) -> int:
        """Row of ``user_id``; KeyError if absent."""
        return _find(self.user_ids, user_id, self.report.path, "attributes")

    def __len__(self) -> int:
        return len(self.user_ids)


def _find(user_ids: list[str], user_id: str, path: str, what: str) -> int:
    i = bisect_left(user_ids, user_id)
    if i < len(user_ids) and user_ids[i] == user_id:
        return i
    raise KeyError(f"user {user_id!r} not in {what} table {path} ({len(user_ids):,} users)")


# --- public loaders ---------------------------------------------------------------------------------------


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise FinliteError("loading event and attribute tables needs pyarrow: pip install pyarrow") from None


def load_events(path: str | os.PathLike, on_error: str = "raise", chunk_rows: int = 65536) -> EventTable:
    """Load an events CSV/Parquet file into an :class:`EventTable` (see the module docstring).

    ``chunk_rows`` rows are validated and converted at a time (memory per batch, not per file).
    """
    _require_pyarrow()
    import pyarrow.compute as pc

    name, ctx = _begin(path, on_error, chunk_rows)
    event_vocab, page_vocab = vocabulary(EVENT_TYPES), vocabulary(PAGES)
    product_vocab = vocabulary(PRODUCTS)
    none_id = product_vocab["none"]
    user_chunks: list = []  # the kept user ids of every batch, as Arrow string arrays
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("ts", "event_type", "page", "product", "amount", "dwell")}
    oov = {k: _OovCounter() for k in ("event_type", "page", "product")}
    missing = {"amount": 0, "dwell_ms": 0}

    for cols, base in _batches(name, EVENT_COLUMNS, chunk_rows, ctx):
        n = len(cols["user_id"])
        checks = _Checks(n)
        user = _strings(cols["user_id"])
        checks.add("user_id", _np_bool(pc.equal(user, "")), lambda i: "empty user_id")
        ts, ts_bad, ts_msg = _timestamps(cols["timestamp"])
        checks.add("timestamp", ts_bad, ts_msg)
        cats = {}
        categorical = (
            ("event_type", event_vocab, OOV_ID), ("page", page_vocab, OOV_ID), ("product", product_vocab, none_id)
        )
        for key, vocab, empty in categorical:
            cats[key] = _Categorical(_strings(cols[key]), vocab, empty)
        amount, amount_bad, amount_msg = _numbers(cols["amount"])
        checks.add("amount", amount_bad, amount_msg)
        dwell, dwell_bad, dwell_msg = _numbers(cols["dwell_ms"])
        checks.add("dwell_ms", dwell_bad, dwell_msg)
        negative = ~dwell_bad & (dwell < 0)
        checks.add("dwell_ms", negative, lambda i: f"negative dwell_ms {_num(dwell[i])} (must be >= 0)")

        keep = ctx.resolve(checks, base)
        if keep is None:  # the whole batch is valid
            keep = slice(None)
            user_kept = user
        else:
            user_kept = user.filter(pa_mask(keep))
        user_chunks.append(user_kept)
        parts["ts"].append(ts[keep])
        for key, cat in cats.items():
            parts[key].append(cat.ids(keep))
            cat.count_oov(keep, oov[key])
        amount, dwell = amount[keep], dwell[keep]
        missing["amount"] += int(np.isnan(amount).sum())
        missing["dwell_ms"] += int(np.isnan(dwell).sum())
        parts["amount"].append(amount.astype(np.float32))
        parts["dwell"].append(dwell.astype(np.float32))

    user_ids, code = _factorise_sorted(user_chunks)
    del user_chunks
    if code.size == 0:
        raise _no_rows(name, ctx)
    ts_ms = _concat(parts.pop("ts"), np.int64)
    perm = np.lexsort((ts_ms, code))  # stable: equal timestamps keep their file order
    code_sorted = code[perm]
    same_user = code_sorted[1:] == code_sorted[:-1]
    went_back = same_user & (perm[1:] < perm[:-1])  # a later file row sorted before an earlier one
    reordered = int(np.unique(code_sorted[1:][went_back]).size)
    counts = np.bincount(code_sorted, minlength=len(user_ids))
    offsets = np.zeros(len(user_ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    del code, code_sorted, same_user, went_back

    def take(key: str, dtype) -> np.ndarray:
        values = _concat(parts.pop(key), dtype)
        return values[perm]

    report = LoadReport(
        path=name,
        rows=int(perm.size),
        users=len(user_ids),
        oov={k: c.top() for k, c in oov.items()},
        reordered_users=reordered,
        missing=missing,
        skipped=ctx.skipped,
        skipped_examples=ctx.examples(),
        oov_total={k: c.total for k, c in oov.items()},
    )
    return EventTable(
        user_ids=user_ids,
        offsets=offsets,
        ts_ms=ts_ms[perm],
        event_type=take("event_type", np.int16),
        page=take("page", np.int16),
        product=take("product", np.int16),
        amount=take("amount", np.float32),
        dwell_ms=take("dwell", np.float32),
        report=report,
    )


def load_attributes(path: str | os.PathLike, on_error: str = "raise") -> AttributeTable:
    """Load a user-attributes CSV/Parquet file into an :class:`AttributeTable` (see the module docstring)."""
    _require_pyarrow()
    import pyarrow.compute as pc

    name, ctx = _begin(path, on_error, 65536)
    aum_vocab = vocabulary(AUM_BUCKETS)
    product_index = {p: j for j, p in enumerate(PRODUCTS)}
    users = _UserCodes()
    first_k_of_code = np.zeros(0, dtype=np.int64)  # user code -> delivered-row index of its row
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("user", "age", "risk", "tenure", "holdings", "aum")}
    oov = {k: _OovCounter() for k in ("holdings", "aum_bucket")}
    missing = {"age": 0, "risk_level": 0, "tenure_days": 0, "aum_bucket": 0}

    for cols, base in _batches(name, ATTRIBUTE_COLUMNS, 65536, ctx):
        n = len(cols["user_id"])
        checks = _Checks(n)
        user = _strings(cols["user_id"])
        checks.add("user_id", _np_bool(pc.equal(user, "")), lambda i: "empty user_id")
        age, age_bad, age_msg = _numbers(cols["age"])
        checks.add("age", age_bad, age_msg)
        checks.add("age", ~age_bad & ((age < 0) | (age > 120)), lambda i: f"age {_num(age[i])} out of range 0..120")
        risk, risk_bad, _ = _numbers(cols["risk_level"])
        risk_bad |= ~np.isnan(risk) & ~np.isin(risk, (1, 2, 3, 4, 5))
        risk_raw = cols["risk_level"]
        checks.add("risk_level", risk_bad, lambda i: f"risk_level must be an integer 1..5, found {_shown(risk_raw, i)}")
        tenure, tenure_bad, tenure_msg = _numbers(cols["tenure_days"])
        checks.add("tenure_days", tenure_bad, tenure_msg)
        checks.add("tenure_days", ~tenure_bad & (tenure < 0), lambda i: f"negative tenure_days {_num(tenure[i])}")
        holdings = _Holdings(cols["holdings"], product_index)
        aum = _Categorical(_strings(cols["aum_bucket"]), aum_vocab, PAD_ID)

        # Duplicates among the rows valid so far: the first occurrence is kept, later ones are errors.
        encoded = user.dictionary_encode()
        index = encoded.indices.to_numpy(zero_copy_only=False)
        known = np.array([users.code.get(u, -1) for u in encoded.dictionary.to_pylist()] or [-1], dtype=np.int64)
        valid = np.flatnonzero(~checks.bad())
        seen = known[index[valid]] >= 0  # user already in an earlier batch
        first_k = np.full(n, -1, dtype=np.int64)  # delivered-row index of the first occurrence, for duplicates
        first_k[valid[seen]] = first_k_of_code[known[index[valid[seen]]]]
        fresh = valid[~seen]
        _, first_pos = np.unique(index[fresh], return_index=True)
        first_in_batch = np.full(len(known), -1, dtype=np.int64)
        first_in_batch[index[fresh[first_pos]]] = base + fresh[first_pos]
        later = np.ones(fresh.size, dtype=bool)
        later[first_pos] = False
        first_k[fresh[later]] = first_in_batch[index[fresh[later]]]
        user_raw, dup_first = user, first_k
        checks.add(
            "user_id",
            first_k >= 0,
            lambda i: f"duplicate user {_shown(user_raw, i)} (first at row {ctx.row_of(int(dup_first[i]))})",
        )

        keep = ctx.resolve(checks, base)
        kept = np.arange(n) if keep is None else np.flatnonzero(keep)
        if keep is None:
            keep = slice(None)
        old = len(users.code)
        codes = users.encode(user if isinstance(keep, slice) else user.filter(pa_mask(keep)))
        new = codes >= old  # no duplicates remain among kept rows: each new code appears once
        order = np.argsort(codes[new])
        first_k_of_code = np.concatenate([first_k_of_code, base + kept[new][order]])
        parts["user"].append(codes)
        age, tenure = age[keep], tenure[keep]
        missing["age"] += int(np.isnan(age).sum())
        missing["tenure_days"] += int(np.isnan(tenure).sum())
        risk = risk[keep]
        missing["risk_level"] += int(np.isnan(risk).sum())
        parts["age"].append(age.astype(np.float32))
        parts["tenure"].append(tenure.astype(np.float32))
        parts["risk"].append(np.nan_to_num(risk, nan=0.0).astype(np.int8))
        parts["holdings"].append(holdings.matrix(keep, oov["holdings"]))
        aum_ids = aum.ids(keep)
        missing["aum_bucket"] += int((aum_ids == PAD_ID).sum())
        aum.count_oov(keep, oov["aum_bucket"])
        parts["aum"].append(aum_ids)

    code = _concat(parts["user"], np.int32)
    if code.size == 0:
        raise _no_rows(name, ctx)
    user_ids, rank = users.sorted()
    perm = np.argsort(rank[code], kind="stable")

    def take(key: str, dtype, shape=()) -> np.ndarray:
        chunks = parts.pop(key)
        values = np.concatenate(chunks) if chunks else np.zeros((0, *shape), dtype)
        return values.astype(dtype, copy=False)[perm]

    report = LoadReport(
        path=name,
        rows=int(perm.size),
        users=len(user_ids),
        oov={k: c.top() for k, c in oov.items()},
        reordered_users=0,
        missing=missing,
        skipped=ctx.skipped,
        skipped_examples=ctx.examples(),
        oov_total={k: c.total for k, c in oov.items()},
    )
    return AttributeTable(
        user_ids=user_ids,
        age=take("age", np.float32),
        risk_level=take("risk", np.int8),
        tenure_days=take("tenure", np.float32),
        holdings=take("holdings", np.uint8, (len(PRODUCTS),)),
        aum_bucket=take("aum", np.int16),
        report=report,
    )


# --- reading ----------------------------------------------------------------------------------------------


class _Context:
    """Error policy and bookkeeping of one load: skipped rows, their messages, CSV rows with bad field counts."""

    def __init__(self, name: str, on_error: str):
        self.name = name
        self.on_error = on_error
        self.skipped = 0
        self._examples: list[tuple[int, str]] = []
        self.malformed: list[tuple[int, str]] = []  # (data row, message) from the CSV parser, in file order
        self._malformed_done = 0  # how many of them are accounted for
        self._shift = np.zeros(0, dtype=np.int64)
        self._shift_of = 0

    def row_of(self, k: int) -> int:
        """1-based data row of the k-th (0-based) row the reader delivered (rows dropped by the parser shift it)."""
        if not self.malformed:
            return k + 1
        if self._shift_of != len(self.malformed):
            rows = np.array(sorted(r for r, _ in self.malformed), dtype=np.int64)
            self._shift = rows - np.arange(rows.size)
            self._shift_of = len(self.malformed)
        return int(k + 1 + np.searchsorted(self._shift, k + 1, side="right"))

    def examples(self) -> list[str]:
        return [message for _, message in sorted(self._examples)]

    def _add_examples(self, items: list[tuple[int, str]]) -> None:
        self._examples = heapq.nsmallest(MAX_EXAMPLES, self._examples + items)

    def resolve(self, checks: "_Checks", base: int, last: bool = False) -> np.ndarray | None:
        """Raise at the first bad row (``on_error="raise"``) or return the keep-mask (None: every row is good).

        ``base`` is the index of the batch's first delivered row; ``last`` marks the end of the file (CSV rows
        the parser dropped after the batch are then due too).
        """
        bad = checks.bad()
        pending = self.malformed[self._malformed_done :]
        if self.on_error == "raise":
            found = []
            if bad.any():
                i = int(np.argmax(bad))
                fld, message = checks.first(i)
                found.append((self.row_of(base + i), message, fld))
            if pending:
                row, message = min(pending)
                if last or found or row <= self.row_of(base + checks.n - 1):
                    found.append((row, message, None))
            if found:
                row, message, fld = min(found, key=lambda x: x[0])
                raise RowDataError(message, self.name, row, fld)
            return None
        if pending:
            self._malformed_done = len(self.malformed)
            self.skipped += len(pending)
            self._add_examples([(r, str(RowDataError(m, self.name, r))) for r, m in sorted(pending)[:MAX_EXAMPLES]])
        if not bad.any():
            return None
        where = np.flatnonzero(bad)
        self.skipped += int(where.size)
        items = []
        for i in where[:MAX_EXAMPLES].tolist():
            fld, message = checks.first(i)
            row = self.row_of(base + i)
            items.append((row, str(RowDataError(message, self.name, row, fld))))
        self._add_examples(items)
        return ~bad


def _begin(path: str | os.PathLike, on_error: str, chunk_rows: int) -> tuple[str, _Context]:
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}, got {on_error!r}")
    if not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
    name, _ = check_data_file(path, SUPPORTED_TABLE_EXTENSIONS)
    return name, _Context(name, on_error)


def _no_rows(name: str, ctx: _Context) -> DataError:
    if ctx.skipped:
        return DataError(f"no valid rows: all {_count(ctx.skipped, 'row')} skipped; first: {ctx.examples()[0]}", name)
    return DataError("no data rows (only a header)", name)


def _match_columns(wanted: tuple[str, ...], found: list[str], name: str) -> dict[str, str]:
    """Schema column -> column name in the file (stripped, exact first then ignoring case)."""
    stripped = [c.strip() for c in found]
    mapping: dict[str, str] = {}
    missing = []
    for column in wanted:
        hits = [i for i, c in enumerate(stripped) if c == column]
        if not hits:
            hits = [i for i, c in enumerate(stripped) if c.casefold() == column.casefold()]
        if len(hits) > 1:
            raise DataError(
                f"column appears {len(hits)} times in the header ({', '.join(repr(found[i]) for i in hits)})",
                name,
                field=column,
            )
        if hits:
            mapping[column] = found[hits[0]]
        else:
            missing.append(column)
    if missing:
        shown = ", ".join(repr(c) for c in found) or "none"
        also = f" (also missing: {', '.join(repr(c) for c in missing[1:])})" if len(missing) > 1 else ""
        raise DataError(
            f"missing column{also}; columns found: {shown}; expected: {', '.join(wanted)}", name, field=missing[0]
        )
    return mapping


def _batches(name: str, wanted: tuple[str, ...], chunk_rows: int, ctx: _Context) -> Iterator[tuple[dict, int]]:
    """Yields ({schema column: pyarrow Array}, index of the batch's first delivered row) per batch."""
    if name.lower().endswith(".csv"):
        reader = _open_csv(name, wanted, chunk_rows, ctx)
    else:
        reader = _open_parquet(name, wanted, chunk_rows)
    base = 0
    while True:
        try:
            batch = next(reader)
        except StopIteration:
            break
        except DataError:
            raise
        except Exception as exc:  # pyarrow.ArrowInvalid & co: unreadable content
            near = ctx.row_of(base)
            raise DataError(f"cannot read the file near row {near:,}: {_arrow_message(exc)}", name) from None
        for start in range(0, batch.num_rows, chunk_rows):
            piece = batch.slice(start, chunk_rows)
            yield {c: piece.column(c) for c in wanted}, base
            base += piece.num_rows
    ctx.resolve(_Checks(0), base, last=True)  # CSV rows the parser dropped at the end


def _arrow_message(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _open_csv(name: str, wanted: tuple[str, ...], chunk_rows: int, ctx: _Context) -> Iterator:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    size = os.path.getsize(name)
    with open(name, "rb") as fh:
        head = fh.read(1 << 16)
    if size <= len(head) and not head.lstrip(b"\xef\xbb\xbf").strip():
        raise DataError("empty file: no header and no data rows", name)
    # The header as Arrow sees it (BOM, quoting), from a small first read; also the typical row size.
    # Arrow's streaming reader reads about 32 blocks ahead, so blocks are kept small (<= 1 MB: ~35 MB in flight).
    try:
        probe = pcsv.open_csv(
            name,
            read_options=pcsv.ReadOptions(block_size=_PROBE_BLOCK, use_threads=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=lambda row: "skip"),
        )
        found = list(probe.schema.names)
        try:
            rows_in_probe = probe.read_next_batch().num_rows
        except StopIteration:
            rows_in_probe = 0
        probe.close()
        del probe  # frees its read-ahead buffers
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):  # a header line without a line end and nothing else
            raise DataError("no data rows (only a header)", name) from None
        raise _csv_read_error(exc, name, [], {}) from None
    mapping = _match_columns(wanted, found, name)
    bytes_per_row = min(size, _PROBE_BLOCK) / max(rows_in_probe, 1)
    block = int(min(max(chunk_rows * bytes_per_row * 0.95, 1 << 14), _MAX_BLOCK))

    def on_invalid(row) -> str:
        number = None if row.number is None else row.number - 1  # parser counts the header as row 1
        message = f"expected {row.expected_columns} fields as in the header, found {row.actual_columns}"
        ctx.malformed.append((number if number is not None else 0, message))
        return "skip"

    rename = {mapping[c]: c for c in wanted}
    try:  # opening reads and converts the first block
        reader = pcsv.open_csv(
            name,
            read_options=pcsv.ReadOptions(block_size=block, use_threads=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in found},
                include_columns=[mapping[c] for c in wanted],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _csv_read_error(exc, name, found, rename) from None
    names = [rename[n] for n in reader.schema.names]
    pending: list = []  # Arrow's blocks are small (see above): regrouped into batches of chunk_rows
    rows = 0
    done = False
    while not done:
        try:
            batch = reader.read_next_batch()
            pending.append(batch)
            rows += batch.num_rows
        except StopIteration:
            done = True
        except pa.ArrowInvalid as exc:
            raise _csv_read_error(exc, name, found, rename) from None
        if rows >= chunk_rows or (done and rows):
            merged = pending[0]
            if len(pending) > 1:
                merged = pa.Table.from_batches(pending).combine_chunks().to_batches()[0]
            start = 0
            while rows - start >= chunk_rows or (done and start < rows):
                yield pa.RecordBatch.from_arrays(merged.slice(start, chunk_rows).columns, names=names)
                start += chunk_rows
            pending = [merged.slice(start)] if start < rows else []
            rows -= min(start, rows)


def _csv_read_error(exc: Exception, name: str, found: list[str], rename: dict[str, str]) -> DataError:
    """Arrow's "In CSV column #2: Row #7: CSV conversion error to string: invalid UTF8 data" as a DataError."""
    import re

    text = str(exc)
    match = re.search(r"column #(\d+): Row #(\d+)", text)
    if match is None:
        return DataError(f"cannot read the CSV file: {_arrow_message(exc)}", name)
    column, row = int(match.group(1)), int(match.group(2)) - 1  # Arrow counts the header as row 1
    fld = found[column] if column < len(found) else None
    fld = rename.get(fld, fld)
    if "invalid UTF8" in text:
        return RowDataError("not valid UTF-8; save the file as UTF-8", name, row, fld)
    return RowDataError(f"cannot read the value: {_arrow_message(exc)}", name, row, fld)


def _open_parquet(name: str, wanted: tuple[str, ...], chunk_rows: int) -> Iterator:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(name)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"not a readable Parquet file: {_arrow_message(exc)}", name) from None
    found = list(pf.schema_arrow.names)
    mapping = _match_columns(wanted, found, name)
    rename = {mapping[c]: c for c in wanted}
    for batch in pf.iter_batches(batch_size=chunk_rows, columns=[mapping[c] for c in wanted]):
        yield pa.RecordBatch.from_arrays(batch.columns, names=[rename[n] for n in batch.schema.names])


# --- per-batch conversion -----------------------------------------------------------------------------------


class _Checks:
    """Per-batch validation results: (field, bad-row mask, message for a bad row), in column order."""

    def __init__(self, n: int):
        self.n = n
        self.items: list[tuple[str, np.ndarray, Callable[[int], str]]] = []

    def add(self, fld: str, mask: np.ndarray, message: Callable[[int], str]) -> None:
        if mask.any():
            self.items.append((fld, mask, message))

    def bad(self) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        for _, mask, _ in self.items:
            out |= mask
        return out

    def first(self, i: int) -> tuple[str, str]:
        for fld, mask, message in self.items:
            if mask[i]:
                return fld, message(i)
        raise AssertionError("row has no error")


def pa_mask(mask: np.ndarray):
    import pyarrow as pa

    return pa.array(mask, type=pa.bool_())


def _np_bool(arr) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def _strings(arr):
    """Any column as a non-null string array with surrounding spaces stripped (null -> "")."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    if arr.null_count:
        arr = arr.fill_null("")
    return pc.utf8_trim_whitespace(arr)


def _value(arr, i: int) -> str:
    value = arr[i].as_py()
    return "" if value is None else str(value)


def _shown(arr, i: int) -> str:
    value = _value(arr, i)
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def _num(x: float) -> str:
    return f"{x:g}"


def _numbers(arr) -> tuple[np.ndarray, np.ndarray, Callable[[int], str]]:
    """float64 values (NaN = missing), bad mask (non-numeric) and the message for a bad row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        values = arr.cast(pa.float64()).fill_null(float("nan")).to_numpy(zero_copy_only=False).astype(np.float64)
        bad = np.isinf(values)
        return values, bad, lambda i: f"not a finite number: {values[i]}"
    s = _strings(arr)
    empty = _np_bool(pc.equal(s, ""))
    ok = _np_bool(pc.match_substring_regex(s, _NUMBER_RE))
    bad = ~empty & ~ok
    if ok.all():
        values = s.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)
    elif not ok.any():
        values = np.full(n, np.nan)
    else:
        values = pc.if_else(pa_mask(ok), s, pa.scalar(None, pa.string())).cast(pa.float64())
        values = values.fill_null(float("nan")).to_numpy(zero_copy_only=False).astype(np.float64)
    bad |= np.isinf(values)
    return values, bad, lambda i: f"not a number: {_shown(s, i)}"


def _timestamps(arr) -> tuple[np.ndarray, np.ndarray, Callable[[int], str]]:
    """int64 epoch ms (UTC), bad mask and the message for a bad row; ISO 8601 or epoch ms per value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    t = arr.type
    if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_integer(t):
        if pa.types.is_timestamp(t):
            ms = arr.cast(pa.timestamp("ms", tz=t.tz), safe=False).cast(pa.int64())
        elif pa.types.is_date(t):
            ms = arr.cast(pa.timestamp("ms")).cast(pa.int64())
        else:
            ms = arr.cast(pa.int64())
        bad = _np_bool(ms.is_null())
        values = ms.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        return values, bad, lambda i: "empty timestamp"
    s = _strings(arr)
    values = np.zeros(n, dtype=np.int64)
    is_int = _np_bool(pc.match_substring_regex(s, _EPOCH_MS_RE))
    if is_int.any():
        ints = s if is_int.all() else pc.if_else(pa_mask(is_int), s, "0")
        values[is_int] = ints.cast(pa.int64()).to_numpy(zero_copy_only=False)[is_int]
    ok = is_int.copy()
    if not is_int.all():
        iso_ms, iso_ok = _parse_iso(s)
        values = np.where(is_int, values, iso_ms)
        ok |= iso_ok
    bad = ~ok

    def message(i: int) -> str:
        if _value(s, i) == "":
            return "empty timestamp"
        return (
            f"cannot parse timestamp {_shown(s, i)}: expected ISO 8601 (e.g. 2026-05-01T08:30:00Z, "
            "2026-05-01 08:30:00+08:00) or integer epoch milliseconds"
        )

    return values, bad, message


def _parse_iso(s) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ISO 8601 → (epoch ms, valid mask).

    Fast path: Arrow's ISO 8601 cast on the values matching ``_ISO_RE`` (with and without offset); Arrow
    parses exactly these forms the same way but rejects a whole array for one bad date (``2026-02-30``) or
    sub-millisecond digits, in which case the batch goes through the exact component-wise path.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    syntax = _np_bool(pc.match_substring_regex(s, _ISO_RE))
    if not syntax.any():
        return np.zeros(len(s), dtype=np.int64), syntax
    offset = syntax & _np_bool(pc.match_substring_regex(s, _HAS_OFFSET_RE))
    naive = syntax & ~offset
    ms = np.zeros(len(s), dtype=np.int64)
    try:
        for mask, target in ((offset, pa.timestamp("ms", tz="UTC")), (naive, pa.timestamp("ms"))):
            if mask.any():
                part = s if mask.all() else s.filter(pa_mask(mask))
                ms[mask] = part.cast(target).cast(pa.int64()).to_numpy(zero_copy_only=False)
        return ms, syntax
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _parse_iso_exact(s)


def _parse_iso_exact(s) -> tuple[np.ndarray, np.ndarray]:
    """ISO 8601 → (epoch ms, valid mask) from the regex components; checks the calendar day."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.extract_regex(s, _ISO_RE)
    matched = _np_bool(parts.is_valid())

    def number(key: str, default: str = "0") -> np.ndarray:
        x = pc.struct_field(parts, key).fill_null(default)
        x = pc.if_else(pc.equal(x, ""), default, x)
        return x.cast(pa.int64()).to_numpy(zero_copy_only=False)

    y, mo, d = number("y", "1970"), number("mo", "1"), number("d", "1")
    h, mi, sec = number("h"), number("mi"), number("s")
    frac = pc.struct_field(parts, "f").fill_null("")
    frac_ms = pc.utf8_slice_codeunits(pc.binary_join_element_wise(frac, "000", ""), 0, 3).cast(pa.int64())
    frac_ms = frac_ms.to_numpy(zero_copy_only=False)
    tzh, tzm = number("tzh"), number("tzm")
    sign = np.where(_np_bool(pc.equal(pc.struct_field(parts, "tzs").fill_null(""), "-")), -1, 1)

    month_ok = (mo >= 1) & (mo <= 12)
    months = (y - 1970) * 12 + np.clip(mo, 1, 12) - 1
    month_start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_start = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    day_ok = (d >= 1) & (d <= next_start - month_start)
    clock_ok = (h <= 23) & (mi <= 59) & (sec <= 59) & (tzh <= 23) & (tzm <= 59)
    ok = matched & month_ok & day_ok & clock_ok
    ms = ((month_start + d - 1) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + frac_ms
          - sign * (tzh * 60 + tzm) * 60_000)
    return np.where(ok, ms, 0), ok


class _Categorical:
    """A string column encoded against a vocabulary, via the batch's distinct values."""

    def __init__(self, s, vocab: dict[str, int], empty_id: int):
        encoded = s.dictionary_encode()
        self.index = encoded.indices.to_numpy(zero_copy_only=False)
        self.values = encoded.dictionary.to_pylist()
        self.lut = np.array(
            [vocab.get(v, empty_id if v == "" else OOV_ID) for v in self.values] or [PAD_ID], dtype=np.int16
        )
        self.unknown = [j for j, v in enumerate(self.values) if self.lut[j] == OOV_ID]

    def ids(self, keep) -> np.ndarray:
        return self.lut[self.index[keep]]

    def count_oov(self, keep, counter: "_OovCounter") -> None:
        if not self.unknown:
            return
        counts = np.bincount(self.index[keep], minlength=len(self.values))
        counter.add({self.values[j]: int(counts[j]) for j in self.unknown if counts[j]})


class _Holdings:
    """``;``-separated product lists (or a Parquet list column) → multi-hot over PRODUCTS."""

    def __init__(self, arr, product_index: dict[str, int]):
        import pyarrow as pa
        import pyarrow.compute as pc

        self.n = len(arr)
        if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
            lists = arr.fill_null(pa.scalar([], arr.type)) if arr.null_count else arr
        else:
            lists = pc.split_pattern(_strings(arr), ";")
        self.parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        encoded = _strings(pc.list_flatten(lists)).dictionary_encode()
        self.values = encoded.dictionary.to_pylist()
        index = encoded.indices.to_numpy(zero_copy_only=False)
        # column in PRODUCTS, -1 = unknown product, -2 = empty item ("", "a;;b")
        lut = np.array([product_index.get(v, -1 if v else -2) for v in self.values] or [-2], dtype=np.int64)
        self.index, self.col = index, lut[index]

    def matrix(self, keep, counter: "_OovCounter") -> np.ndarray:
        keep_rows = np.ones(self.n, dtype=bool) if isinstance(keep, slice) else keep
        out = np.zeros((self.n, len(PRODUCTS)), dtype=np.uint8)
        use = keep_rows[self.parent]
        known = use & (self.col >= 0)
        out[self.parent[known], self.col[known]] = 1
        unknown = use & (self.col == -1)
        if unknown.any():
            counts = np.bincount(self.index[unknown], minlength=len(self.values))
            counter.add({self.values[j]: int(c) for j, c in enumerate(counts.tolist()) if c})
        return out[keep_rows]


class _OovCounter:
    """Unknown value -> count, bounded: beyond _OOV_TRACKED distinct values the rarest are dropped."""

    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.total = 0

    def add(self, counts: dict[str, int]) -> None:
        self.counts.update(counts)
        self.total += sum(counts.values())
        if len(self.counts) > _OOV_TRACKED:
            self.counts = Counter(dict(self.counts.most_common(_OOV_TRACKED // 10)))

    def top(self) -> dict[str, int]:
        return dict(sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_OOV])


class _UserCodes:
    """User id -> integer code in order of first appearance (attributes: also answers "seen before?")."""

    def __init__(self):
        self.code: dict[str, int] = {}

    def encode(self, s) -> np.ndarray:
        encoded = s.dictionary_encode()
        index = encoded.indices.to_numpy(zero_copy_only=False)
        if not index.size:
            return np.zeros(0, dtype=np.int32)
        code = self.code
        lut = np.array([code.setdefault(u, len(code)) for u in encoded.dictionary.to_pylist()], dtype=np.int32)
        return lut[index]

    def sorted(self) -> tuple[list[str], np.ndarray]:
        names = list(self.code)
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(len(names), dtype=np.int32)
        return [names[i] for i in order], rank


def _factorise_sorted(chunks: list) -> tuple[list[str], np.ndarray]:
    """Distinct user ids in sorted order and each row's index into them (Arrow hashing, no per-row objects).

    Arrow sorts strings by UTF-8 bytes, which is code-point order: the same order as Python's ``sorted``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = [c for c in chunks if len(c)]
    if not chunks:
        return [], np.zeros(0, dtype=np.int32)
    # One hash table over all chunks: every output chunk shares the same dictionary, nothing is copied.
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.string()))
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    order = pc.sort_indices(dictionary).to_numpy(zero_copy_only=False)
    rank = np.empty(order.size, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    codes = np.concatenate([rank[chunk.indices.to_numpy(zero_copy_only=False)] for chunk in encoded.chunks])
    return dictionary.take(pa.array(order)).to_pylist(), codes


def _concat(chunks: list[np.ndarray], dtype) -> np.ndarray:
    if not chunks:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(chunks).astype(dtype, copy=False)
