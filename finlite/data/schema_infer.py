"""``finlite schema infer``: a :class:`~finlite.data.schema.ProfileSchema` read off a bank's events, users and
labels files (``docs/schema.md``).

Each file is streamed once in batches. A column that is not a role column becomes a field:

* *multi* (users only) if a cell holds the separator (``;``) or the Parquet column is a list;
* *numeric* if every non-empty cell is a number, unless all are integers with at most
  ``max_integer_levels`` distinct values (codes such as a risk level 1..5 are categorical);
  transform ``signed_log1p`` if a value is negative, else ``log1p``;
* *categorical* otherwise, with the values seen at least ``min_count`` times, at most ``max_values`` of
  them (the rest are out of vocabulary).

Vocabularies are ordered by count, most frequent first, ties by first appearance in the file, so that
renaming values consistently gives the same ids. In the labels file every column but the user id, the
stage and the next product is a tag and must hold numbers in [0, 1].
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import numpy as np

from .batch_reader import begin_load, read_batches
from .columns import counted, np_bool, parse_numbers, shown, strings
from .loaders import DataError
from .row_checks import RowDataError
from .schema import CATEGORICAL, DEFAULT_MAX_VALUES, MULTI, NUMERIC, Field, Labels, ProfileSchema, Tag

__all__ = ["InferOptions", "infer_schema"]

_TRACKED = 200_000  # distinct values counted per column before the rarest are dropped
USER_ID_NAMES = ("user_id", "userid", "uid", "customer_id", "customer_no", "cust_id", "client_id", "member_id")
TIMESTAMP_NAMES = ("timestamp", "ts", "time", "event_time", "event_ts", "datetime")
EVENT_NAMES = ("event_type", "event", "event_name", "action", "type")
STAGE_NAMES = ("lifecycle", "stage", "lifecycle_stage", "segment")
NEXT_PRODUCT_NAMES = ("next_product", "product_next", "next_purchase")


@dataclass
class InferOptions:
    """What ``finlite schema infer`` may be told; empty names are found among the usual ones."""

    user_id: str = ""
    timestamp: str = ""
    event: str = ""
    stage: str = ""
    next_product: str = ""
    no_purchase: str = "none"
    stages: tuple[str, ...] = ()  # declared stage order (then stages_ordered)
    max_values: int = DEFAULT_MAX_VALUES
    min_count: int = 1
    max_integer_levels: int = 20
    separator: str = ";"


class _Column:
    """Running counts of one column: distinct values in first-appearance order, numeric-ness, items."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counts: dict[str, int] = {}
        self.items: dict[str, int] = {}
        self.numeric = True
        self.integer = True
        self.negative = False
        self.non_empty = 0
        self.multi = False
        self.first_text: tuple[int, str] | None = None  # (row, text) of the first non-number

    def add(self, arr, base: int, separator: str, allow_multi: bool) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
            self.multi, self.numeric = True, False
            _count(self.items, strings(pc.list_flatten(arr)))
            return
        s = strings(arr)
        _count(self.counts, s)
        empty = np_bool(pc.equal(s, ""))
        self.non_empty += int((~empty).sum())
        if allow_multi and np_bool(pc.match_substring(s, separator)).any():
            self.multi = True
        if self.multi:
            _count(self.items, strings(pc.list_flatten(pc.split_pattern(s, separator))))
        if self.numeric:
            values, bad, _ = parse_numbers(s)
            if bad.any():
                self.numeric = False
                i = int(np.flatnonzero(bad)[0])
                self.first_text = (base + i + 1, shown(s, i))
            else:
                ok = values[~np.isnan(values)]
                self.integer &= bool(np.all(ok == np.floor(ok)))
                self.negative |= bool(np.any(ok < 0))
        if len(self.counts) > _TRACKED:
            top = {v for v, _ in sorted(self.counts.items(), key=lambda kv: -kv[1])[: _TRACKED // 2]}
            self.counts = {v: n for v, n in self.counts.items() if v in top}


def _count(counts: dict[str, int], s) -> None:
    """Add a string array's value counts, new values in order of first appearance."""
    import pyarrow.compute as pc

    for value in pc.unique(s).to_pylist():
        counts.setdefault(value, 0)
    vc = pc.value_counts(s)
    for value, n in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist()):
        counts[value] += n


def _vocabulary(counts: dict[str, int], options: InferOptions) -> tuple[tuple[str, ...], tuple[int, ...]]:
    order = {v: i for i, v in enumerate(counts)}
    kept = sorted(((v, n) for v, n in counts.items() if v != "" and n >= options.min_count), key=lambda kv: (-kv[1], order[kv[0]]))
    kept = kept[: options.max_values]
    return tuple(v for v, _ in kept), tuple(n for _, n in kept)


def _header(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError("file not found", str(path))
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise DataError(f"unsupported file type {path.suffix!r}; use .csv or .parquet", str(path))
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return [c.strip() for c in pq.read_schema(path).names]
    with open(path, "rb") as handle:
        first = handle.readline()
    try:  # only the header line: a bad byte further down is the table reader's to report, with its line
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not valid UTF-8: byte 0x{first[exc.start]:02x} in the header ({exc.reason}); save the file as UTF-8", str(path), 1) from None
    return [c.strip() for c in next(csv.reader([text]), [])]


def _pick(header: list[str], given: str, candidates: Iterable[str], what: str, path: Path, option: str) -> str:
    if given:
        if given not in header:
            raise DataError(f"{what} column {given!r} is not in the header {header}", str(path), field=given)
        return given
    lower = {c.casefold(): c for c in header}
    for name in candidates:
        if name in lower:
            return lower[name]
    raise DataError(f"no {what} column found among {header}; name it with {option}", str(path))


def _scan(path: Path, columns: list[str], separator: str, allow_multi: bool) -> tuple[dict[str, _Column], int]:
    name, ctx = begin_load(path, "raise", 65536)
    stats = {c: _Column(c) for c in columns}
    rows = 0
    for cols, base in read_batches(name, tuple(columns), 65536, ctx):
        for c in columns:
            stats[c].add(cols[c], base, separator, allow_multi)
        rows = base + len(cols[columns[0]])
    return stats, rows


def _field(col: _Column, options: InferOptions, notes: list[str], where: str) -> Field:
    distinct = sum(1 for v in col.counts if v != "")
    if col.multi:
        values, counts = _vocabulary(col.items, options)
        return Field(col.name, MULTI, values=values, counts=counts, max_values=options.max_values, separator=options.separator)
    if col.numeric and col.non_empty and not (col.integer and distinct <= options.max_integer_levels):
        return Field(col.name, NUMERIC, transform="signed_log1p" if col.negative else "log1p")
    values, counts = _vocabulary(col.counts, options)
    dropped = distinct - len(values)
    if dropped:
        notes.append(f"{where} {col.name!r}: {dropped:,} rare values left out of the vocabulary (they map to OOV)")
    return Field(col.name, CATEGORICAL, values=values, counts=counts, max_values=options.max_values)


def infer_schema(events: str | Path, users: str | Path, labels: str | Path, options: InferOptions | None = None) -> tuple[ProfileSchema, list[str]]:
    """The schema of three files, and notes on what inference decided (one line each)."""
    options = options or InferOptions()
    events, users, labels = Path(events), Path(users), Path(labels)
    notes: list[str] = []
    eh = _header(events)
    e_user = _pick(eh, options.user_id, USER_ID_NAMES, "user id", events, "--user-id-column")
    e_time = _pick(eh, options.timestamp, TIMESTAMP_NAMES, "timestamp", events, "--timestamp-column")
    e_cols = [c for c in eh if c not in (e_user, e_time)]
    stats, n_events = _scan(events, e_cols, options.separator, allow_multi=False)
    event_fields = [_field(stats[c], options, notes, "events") for c in e_cols]
    cats = [f.name for f in event_fields if f.kind == CATEGORICAL]
    if options.event and options.event not in cats:
        raise DataError(f"the event-name column {options.event!r} must be a categorical column of {cats}", str(events), field=options.event or None)
    lower = {c.casefold(): c for c in cats}
    event_name = options.event or next((lower[n] for n in EVENT_NAMES if n in lower), cats[0] if cats else "")
    if not event_name:
        raise DataError("no categorical column to use as the event name", str(events))
    event_fields = [replace(f, role="event") if f.name == event_name else f for f in event_fields]
    notes.append(f"events: {counted(n_events, 'row')}; event name {event_name!r}; fields "
                 + ", ".join(f"{f.name} ({f.kind}{', ' + f.transform if f.kind == NUMERIC else ''})" for f in event_fields))

    uh = _header(users)
    u_user = _pick(uh, options.user_id if options.user_id in uh else "", USER_ID_NAMES, "user id", users, "--user-id-column")
    u_cols = [c for c in uh if c != u_user]
    ustats, _ = _scan(users, u_cols, options.separator, allow_multi=True)
    user_fields = [_field(ustats[c], options, notes, "users") for c in u_cols]
    notes.append("users: fields " + ", ".join(f"{f.name} ({f.kind})" for f in user_fields))

    schema_labels = _infer_labels(labels, options, notes)
    schema = ProfileSchema(tuple(event_fields), tuple(user_fields), schema_labels,
                           event_user_id=e_user, event_timestamp=e_time, user_user_id=u_user)
    return schema, notes


def _infer_labels(path: Path, options: InferOptions, notes: list[str]) -> Labels:
    header = _header(path)
    user = _pick(header, options.user_id if options.user_id in header else "", USER_ID_NAMES, "user id", path, "--user-id-column")
    stage = _pick(header, options.stage, STAGE_NAMES, "stage", path, "--stage-column")
    product = _pick(header, options.next_product, NEXT_PRODUCT_NAMES, "next product", path, "--next-product-column")
    tag_cols = [c for c in header if c not in (user, stage, product)]
    stats, _ = _scan(path, [stage, product, *tag_cols], options.separator, allow_multi=False)
    for c in tag_cols:
        col = stats[c]
        if not col.numeric:
            row, text = col.first_text or (0, "")
            raise RowDataError(f"tag value {text} is not a number (every label column besides {user}, {stage} and {product} is a tag)",
                               str(path), row, c)
        values = np.array([float(v) for v in col.counts if v != ""])
        if values.size and (values.min() < 0 or values.max() > 1):
            bad = next(v for v in col.counts if v != "" and not 0 <= float(v) <= 1)
            raise DataError(f"tag value {bad!r} outside [0, 1]", str(path), field=c)
    order = {v: i for i, v in enumerate(stats[stage].counts)}
    seen = sorted((v for v in stats[stage].counts if v != ""), key=lambda v: (-stats[stage].counts[v], order[v]))
    stages = tuple(options.stages) or tuple(seen)
    unknown = [s for s in seen if s not in stages]
    if unknown:
        raise DataError(f"stage {unknown[0]!r} is not in the declared stages {list(stages)}", str(path), field=stage)
    bought = {v: n for v, n in stats[product].counts.items() if v not in ("", options.no_purchase)}
    products, _ = _vocabulary(bought, InferOptions(max_values=10**9))
    none = stats[product].counts.get("", 0) + stats[product].counts.get(options.no_purchase, 0)
    total = sum(stats[product].counts.values())
    notes.append(f"labels: stages {list(stages)}; {len(tag_cols)} tags {tag_cols}; {len(products)} products; "
                 f"{none / max(total, 1):.0%} of users bought nothing ({options.no_purchase!r} or empty)")
    return Labels(stages=stages, tags=tuple(Tag(c) for c in tag_cols), products=products, user_id=user, stage=stage,
                  next_product=product, no_purchase=options.no_purchase, stages_ordered=bool(options.stages))
