"""The inputs every bundle's golden.json pins.

* intent: edge-case texts first, then held-out texts (:func:`golden_texts`);
* profile: edge-case users first — no events, no attribute row, one event, more than ``max_events``
  events — then held-out users (:func:`profile_golden_cases`). Each case holds the *raw* rows as
  they appear in the events / users files (strings, ``""`` for an empty cell), so an app's test can
  run its own parser and encoder on them; :func:`encode_profile_cases` turns them into the model
  inputs through the same loaders and encoder as training (finlite writes the rows to a temporary
  CSV and reads it back with :func:`~finlite.data.events.load_events` /
  :func:`~finlite.data.events.load_attributes`).
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..data.event_schema import ATTRIBUTE_COLUMNS, EVENT_COLUMNS

EDGE_CASES: tuple[str, ...] = (
    "",  # empty
    "   \t\n",  # whitespace only
    "?!...",  # punctuation only
    "How do I transfer money to my mom?",  # English
    "我想查一下银行卡余额",  # Chinese
    "帮我transfer 500块到招商银行卡",  # mixed
    "card lost!!! 😭🙏 help",  # emoji
    "👨‍👩‍👧 family account 👍🏽",  # ZWJ sequence, skin tone
    "ＡＴＭ取款限额是多少？",  # fullwidth (NFKC)
    "Ünïcödé façade naïve café",  # accents
    ("余额 balance " * 1000)[:10000],  # 10,000 characters, mixed
)
HELD_OUT_EXAMPLES = 13
PROFILE_HELD_OUT_EXAMPLES = 12


def golden_texts(held_out: Sequence[str], n: int = HELD_OUT_EXAMPLES) -> list[str]:
    """Edge cases plus the first ``n`` held-out texts (never used for tracing or calibration)."""
    return list(EDGE_CASES) + list(held_out[:n])


# --- profile ---------------------------------------------------------------------------------------------


def iso_ms(ms: int) -> str:
    """Epoch milliseconds → ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC)."""
    moment = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(milliseconds=int(ms))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _cell(value) -> str:
    """A Parquet value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return ";".join(_cell(v) for v in value)
    return str(value).strip()


def _column_map(found: Sequence[str], wanted: Sequence[str], path: Path) -> dict[str, str]:
    """wanted column → column in the file: exact after stripping spaces, then ignoring case."""
    stripped = {c.strip(): c for c in found}
    lowered = {c.strip().lower(): c for c in found}
    out = {}
    for name in wanted:
        column = stripped.get(name, lowered.get(name.lower()))
        if column is None:
            raise ValueError(f"{path}: no column {name!r} (columns: {list(found)})")
        out[name] = column
    return out


def read_raw_rows(path: str | Path, columns: Sequence[str], user_ids: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """The rows of ``user_ids`` in an events or users file (``.csv`` or ``.parquet``), in file order,
    as ``{column: text}`` dicts over ``columns`` (cells stripped, ``""`` when empty)."""
    path = Path(path)
    wanted = set(user_ids)
    out: dict[str, list[dict[str, str]]] = {u: [] for u in wanted}
    if path.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        schema_names = pq.read_schema(path).names
        mapping = _column_map(schema_names, columns, path)
        table = pq.read_table(path, columns=list(mapping.values()))
        user_col = table.column(mapping["user_id"]).cast("string")
        table = table.filter(pc.is_in(pc.utf8_trim_whitespace(user_col), value_set=pa.array(sorted(wanted), pa.string())))
        for record in table.to_pylist():
            row = {name: _cell(record[column]) for name, column in mapping.items()}
            out[row["user_id"]].append(row)
        return out
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None) or []
        mapping = _column_map(header, columns, path)
        index = {name: header.index(column) for name, column in mapping.items()}
        user_at = index["user_id"]
        for fields in reader:
            if not fields or len(fields) <= user_at:
                continue
            user = fields[user_at].strip()
            if user in wanted:
                out[user].append({name: (fields[i].strip() if i < len(fields) else "") for name, i in index.items()})
    return out


def _renamed(rows: list[dict[str, str]], user_id: str) -> list[dict[str, str]]:
    return [{**row, "user_id": user_id} for row in rows]


def profile_golden_cases(
    events: dict[str, list[dict[str, str]]],
    attributes: dict[str, list[dict[str, str]]],
    held_out: Sequence[str],
    max_events: int,
    n: int = PROFILE_HELD_OUT_EXAMPLES,
) -> list[dict]:
    """Edge cases built from held-out users' raw rows (renamed ``golden_<case>``), then the first ``n``
    held-out users as they are. Each case: ``name``, ``user_id``, ``events`` (rows), ``attributes``
    (a row, or None)."""

    def attrs_of(user: str) -> dict | None:
        rows = attributes.get(user) or []
        return rows[0] if rows else None

    def case(name: str, user_id: str, event_rows: list[dict], attr_row: dict | None) -> dict:
        return {
            "name": name,
            "user_id": user_id,
            "events": _renamed(event_rows, user_id),
            "attributes": None if attr_row is None else {**attr_row, "user_id": user_id},
        }

    pool = [u for u in held_out[n:]] or list(held_out)  # prefer users not shown again as held-out cases
    with_events = [u for u in pool if events.get(u)] or [u for u in held_out if events.get(u)]
    with_attrs = [u for u in pool if attrs_of(u) is not None] or [u for u in held_out if attrs_of(u) is not None]
    cases = []
    if with_attrs:
        cases.append(case("no_events", "golden_no_events", [], attrs_of(with_attrs[0])))
    if with_events:
        cases.append(case("no_attributes", "golden_no_attributes", events[with_events[0]], None))
        source = with_events[min(1, len(with_events) - 1)]
        cases.append(case("one_event", "golden_one_event", events[source][-1:], attrs_of(source)))
        over = sorted((len(events[u]), u) for u in with_events if len(events[u]) > max_events)
        if over:  # the smallest such user keeps golden.json small
            source = over[0][1]
            many = events[source]
        else:  # nobody has that many events: stack several users' events
            source, many = with_events[0], []
            for u in with_events * (max_events + 1):
                many += events[u]
                if len(many) > max_events:
                    break
        cases.append(case("over_max_events", "golden_over_max_events", many, attrs_of(source)))
    for user in held_out[:n]:
        cases.append(case("held_out", user, events.get(user, []), attrs_of(user)))
    return cases


def _write_rows(path: Path, columns: Sequence[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def tables_from_rows(event_rows: list[dict], attribute_rows: list[dict]):
    """(EventTable or None, AttributeTable or None) of raw rows, through the file loaders."""
    from ..data.events import load_attributes, load_events

    with tempfile.TemporaryDirectory(prefix="finlite-golden-") as tmp:
        events = attrs = None
        if event_rows:
            _write_rows(Path(tmp) / "events.csv", EVENT_COLUMNS, event_rows)
            events = load_events(Path(tmp) / "events.csv")
        if attribute_rows:
            _write_rows(Path(tmp) / "users.csv", ATTRIBUTE_COLUMNS, attribute_rows)
            attrs = load_attributes(Path(tmp) / "users.csv")
    return events, attrs


def encode_profile_cases(encoder, cases: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(cat, num, static)`` of golden cases (each with ``user_id``, ``events``, ``attributes``,
    ``as_of_ms``), encoded by ``encoder`` (a :class:`~finlite.data.profile_features.ProfileEncoder`)."""
    users = [c["user_id"] for c in cases]
    if len(set(users)) != len(users):
        raise ValueError("golden cases need distinct user_id values")
    events, attrs = tables_from_rows(
        [row for c in cases for row in c["events"]], [c["attributes"] for c in cases if c.get("attributes")]
    )
    out = encoder.empty(len(cases))
    for as_of in sorted({int(c["as_of_ms"]) for c in cases}):
        rows = [i for i, c in enumerate(cases) if int(c["as_of_ms"]) == as_of]
        part = encoder.encode(events, attrs, [users[i] for i in rows], as_of)
        out.cat[rows], out.num[rows], out.static[rows] = part.cat, part.num, part.static
    return out.cat, out.num, out.static
