"""Raw rows of some users: read from events / users files as text, turned into tables, encoded.

A profile bundle's golden users carry their rows as they stand in the files (strings, ``""`` for an
empty cell), so an app's test can run its own parser and encoder on them. :func:`tables_from_rows`
turns such rows into tables through the same loaders as training (it writes them to a temporary CSV
and reads it back with :func:`~finlite.data.events.load_events` /
:func:`~finlite.data.events.load_attributes`), and :func:`encode_profile_cases` into model inputs.
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from .batch_reader import match_columns
from .events import load_attributes, load_events
from .timestamps import iso_ms

if TYPE_CHECKING:  # pragma: no cover
    from .profile_features import ProfileEncoder
    from .schema import ProfileSchema
    from .tables import AttributeTable, EventTable

__all__ = ["encode_profile_cases", "event_columns", "read_raw_rows", "tables_from_rows", "user_columns"]

_EPOCH = _dt.datetime(1970, 1, 1)
_MS = _dt.timedelta(milliseconds=1)


def read_raw_rows(path: str | Path, columns: Sequence[str], user_ids: Iterable[str], id_column: str) -> dict[str, list[dict[str, str]]]:
    """The rows of ``user_ids`` in an events or users file (``.csv`` or ``.parquet``), in file order,
    as ``{column: text}`` dicts over ``columns`` (cells stripped, ``""`` when empty); ``id_column`` (one of
    ``columns``) holds the user id."""
    path = Path(path)
    wanted = set(user_ids)
    out: dict[str, list[dict[str, str]]] = {u: [] for u in wanted}
    if path.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        schema_names = pq.read_schema(path).names
        mapping = match_columns(tuple(columns), list(schema_names), str(path))
        table = pq.read_table(path, columns=list(mapping.values()))
        user_col = table.column(mapping[id_column]).cast("string")
        table = table.filter(pc.is_in(pc.utf8_trim_whitespace(user_col), value_set=pa.array(sorted(wanted), pa.string())))
        for record in table.to_pylist():
            row = {name: _cell(record[column]) for name, column in mapping.items()}
            out[row[id_column]].append(row)
        return out
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None) or []
        mapping = match_columns(tuple(columns), header, str(path))
        index = {name: header.index(column) for name, column in mapping.items()}
        user_at = index[id_column]
        for fields in reader:
            if not fields or len(fields) <= user_at:
                continue
            user = fields[user_at].strip()
            if user in wanted:
                out[user].append({name: (fields[i].strip() if i < len(fields) else "") for name, i in index.items()})
    return out


def event_columns(schema: "ProfileSchema") -> list[str]:
    """The events file's columns a schema reads: user id, timestamp, then every event field."""
    return [schema.event_user_id, schema.event_timestamp, *(f.column for f in schema.event_fields)]


def user_columns(schema: "ProfileSchema") -> list[str]:
    """The users file's columns a schema reads: user id, then every user field."""
    return [schema.user_user_id, *(f.column for f in schema.user_fields)]


def tables_from_rows(
    event_rows: list[dict], attribute_rows: list[dict], schema: "ProfileSchema"
) -> tuple["EventTable | None", "AttributeTable | None"]:
    """(EventTable or None, AttributeTable or None) of raw rows (keyed by the schema's columns), through
    the file loaders."""
    with tempfile.TemporaryDirectory(prefix="finlite-golden-") as tmp:
        events = attrs = None
        if event_rows:
            _write_rows(Path(tmp) / "events.csv", event_columns(schema), event_rows)
            events = load_events(Path(tmp) / "events.csv", schema)
        if attribute_rows:
            _write_rows(Path(tmp) / "users.csv", user_columns(schema), attribute_rows)
            attrs = load_attributes(Path(tmp) / "users.csv", schema)
    return events, attrs


def encode_profile_cases(encoder: "ProfileEncoder", cases: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(cat, num, static)`` of golden cases (each with ``user_id``, ``events``, ``attributes``,
    ``as_of_ms``), encoded by ``encoder``."""
    users = [c["user_id"] for c in cases]
    if len(set(users)) != len(users):
        raise ValueError("golden cases need distinct user_id values")
    events, attrs = tables_from_rows(
        [row for c in cases for row in c["events"]], [c["attributes"] for c in cases if c.get("attributes")], encoder.spec.schema
    )
    out = encoder.empty(len(cases))
    for as_of in sorted({int(c["as_of_ms"]) for c in cases}):
        rows = [i for i, c in enumerate(cases) if int(c["as_of_ms"]) == as_of]
        part = encoder.encode(events, attrs, [users[i] for i in rows], as_of)
        out.cat[rows], out.num[rows], out.static[rows] = part.cat, part.num, part.static
    return out.cat, out.num, out.static


def _cell(value) -> str:
    """A Parquet value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return iso_ms((value - _EPOCH) // _MS)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return ";".join(_cell(v) for v in value)
    return str(value).strip()


def _write_rows(path: Path, columns: Sequence[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
