"""Labelled text datasets from CSV, TSV and JSONL files, with errors that name file, line and field.

Formats (chosen by extension):

* ``.csv``: RFC 4180 style, header row required, ``"`` quoting (a quoted field may hold commas, quotes
  written as ``""`` and newlines). Parsed strictly: malformed quoting is an error, never silently mangled.
* ``.tsv``: header row required, one record per line, fields separated by tabs, no quoting (quotes are
  literal text, as in GLUE-style TSV files); a field cannot hold a tab or a newline.
* ``.jsonl`` / ``.ndjson``: one JSON object per line; blank lines are skipped.

Files are read as UTF-8 (a leading UTF-8 BOM is accepted). Line numbers are 1-based physical lines of the
file (``\\n``, ``\\r\\n`` and ``\\r`` end a line); a CSV record whose quoted field spans several lines is
reported at the line where the record starts.

Columns: the text column is ``text_column`` if given, else the first of ``text``, ``utterance``, ``query``,
``sentence`` present; the label column is ``label_column`` if given, else the first of ``label``, ``intent``,
``category`` present (so BANKING77's ``text,category`` CSV loads as is). Header names are matched after
stripping spaces, exactly first and then ignoring case. Labels are stripped of surrounding spaces; texts are
kept as written.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import FinliteError

__all__ = [
    "DataError",
    "TextDataset",
    "load_text_dataset",
    "check_known_labels",
    "SUPPORTED_EXTENSIONS",
    "TEXT_COLUMNS",
    "LABEL_COLUMNS",
]

SUPPORTED_EXTENSIONS = (".csv", ".tsv", ".jsonl", ".ndjson")
TEXT_COLUMNS = ("text", "utterance", "query", "sentence")
LABEL_COLUMNS = ("label", "intent", "category")
_BOM = b"\xef\xbb\xbf"
_MAX_LISTED = 5  # unknown labels / columns listed in one message


class DataError(FinliteError, ValueError):
    """Bad input data; the message names file, line and field. ``str(err)`` is one line.

    Rendered as ``"data/train.csv, line 12, field 'text': empty text"``; missing parts are left out.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = None if path is None else os.fspath(path)
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        return " ".join(text.splitlines())  # always one line, whatever the message holds

    def __reduce__(self):  # keeps path/line/field through pickling (multiprocessing workers)
        return (type(self), (self.message, self.path, self.line, self.field))


@dataclass
class TextDataset:
    """Texts and their string labels, with the file line where each record starts."""

    texts: list[str]
    labels: list[str]
    path: str
    lines: list[int]  # 1-based physical line number where each record starts
    text_column: str = "text"
    label_column: str = "label"

    def __post_init__(self) -> None:
        if not len(self.texts) == len(self.labels) == len(self.lines):
            raise ValueError("texts, labels and lines must have the same length")

    def __len__(self) -> int:
        return len(self.texts)

    def label_set(self) -> list[str]:
        """Sorted unique labels."""
        return sorted(set(self.labels))


def check_data_file(path: str | os.PathLike, supported: tuple[str, ...]) -> tuple[str, str]:
    """``(name, extension)`` of an existing data file of a supported type, else a DataError."""
    name = os.fspath(path)
    p = Path(name)
    if not p.exists():
        raise DataError("file not found", name)
    if p.is_dir():
        raise DataError("is a directory, expected a data file", name)
    ext = p.suffix.lower()
    if ext not in supported:
        raise DataError(f"unsupported file type {ext or '(no extension)'!r}; supported: {', '.join(supported)}", name)
    return name, ext


def load_text_dataset(
    path: str | os.PathLike, text_column: str | None = None, label_column: str | None = None
) -> TextDataset:
    """Load a labelled text dataset; raises :class:`DataError` naming file, line and field on bad data."""
    name, ext = check_data_file(path, SUPPORTED_EXTENSIONS)
    p = Path(name)
    if text_column is not None and text_column == label_column:
        raise DataError("text_column and label_column must differ", name, field=text_column)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read file: {exc.strerror or exc}", name) from None
    content = _decode(raw, name)
    if ext == ".csv":
        rows = _delimited(content, name, ",", quoting=True)
    elif ext == ".tsv":
        rows = _delimited(content, name, "\t", quoting=False)
    else:
        rows = _jsonl(content, name)
    return _collect(rows, name, text_column, label_column)


def check_known_labels(dataset: TextDataset, known: Iterable[str]) -> None:
    """Raise :class:`DataError` at the first row whose label is not in ``known``.

    The message gives the label, how many rows have unknown labels and up to five distinct unknown labels.
    """
    known_set = set(known)
    bad_rows = [i for i, label in enumerate(dataset.labels) if label not in known_set]
    if not bad_rows:
        return
    first = bad_rows[0]
    unknown = list(dict.fromkeys(dataset.labels[i] for i in bad_rows))  # distinct, in order of appearance
    listed = ", ".join(repr(label) for label in unknown[:_MAX_LISTED])
    if len(unknown) > _MAX_LISTED:
        listed += f" and {len(unknown) - _MAX_LISTED} more"
    label = dataset.labels[first]
    hint = difflib.get_close_matches(label, sorted(known_set), n=1, cutoff=0.85)
    message = (
        f"unknown label {label!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
        + f"; {len(bad_rows)} of {len(dataset)} rows have labels not among the {len(known_set)} known"
        + f" ({len(unknown)} distinct: {listed})"
    )
    raise DataError(message, dataset.path, dataset.lines[first], dataset.label_column)


# --- internals -----------------------------------------------------------------------------------------


@dataclass
class _Header:
    line: int
    columns: list[str]


def _count_lines(text: str) -> int:
    """Number of line ends (\\n, \\r\\n, \\r) in ``text``."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _decode(raw: bytes, name: str) -> str:
    if not raw.strip():
        raise DataError("empty file: no data rows", name)
    skip = len(_BOM) if raw.startswith(_BOM) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        line = _count_lines(raw[skip:offset].decode("utf-8")) + 1
        raise DataError(
            f"not valid UTF-8: byte 0x{raw[offset]:02x} at byte offset {offset} ({exc.reason}); save the file as UTF-8",
            name,
            line,
        ) from None


def _lines(content: str) -> Iterator[str]:
    # newline="" splits on \n, \r\n and \r only (not on \u2028, \x0c, ... as str.splitlines would) and keeps
    # the line ends, which the csv module needs for quoted newlines.
    return iter(io.StringIO(content, newline=""))


def _match_column(wanted: str, columns: list[str]) -> str | None:
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def _pick_column(
    given: str | None, defaults: tuple[str, ...], columns: list[str], name: str, line: int, what: str
) -> str:
    candidates = (given,) if given is not None else defaults
    for wanted in candidates:
        found = _match_column(wanted, columns)
        if found is not None:
            return found
    shown = ", ".join(repr(c) for c in columns) or "none"
    if given is not None:
        message = f"{what} column {given!r} not found; columns found: {shown}"
    else:
        message = (
            f"no {what} column (looked for {', '.join(repr(c) for c in defaults)}); columns found: {shown}; "
            f"pass {what}_column= to choose one"
        )
    raise DataError(message, name, line, given if given is not None else defaults[0])


def _delimited(content: str, name: str, delimiter: str, quoting: bool) -> Iterator[_Header | tuple[int, dict]]:
    """Yields the :class:`_Header` once, then ``(start line, {column: value})`` for every record."""
    kwargs = dict(delimiter=delimiter, strict=True)
    if not quoting:
        kwargs.update(quoting=csv.QUOTE_NONE, quotechar=None)
    reader = csv.reader(_lines(content), **kwargs)
    header: list[str] | None = None
    sep = "comma" if delimiter == "," else "tab"
    while True:
        start = reader.line_num + 1  # line_num after a read is the END line of that record
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = str(exc)
            if "end of data" in reason or "field limit" in reason:
                reason = f"unterminated quoted field ({reason})"
            elif "expected after" in reason:
                reason += " (a field that starts with a quote must be quoted as a whole, inner quotes doubled)"
            raise DataError(f"malformed CSV: {reason}", name, start) from None
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if header is None:
            header = [c.strip() for c in row]
            yield _Header(start, header)
            continue
        if len(row) != len(header):
            raise DataError(
                f"expected {len(header)} fields as in the header, found {len(row)}"
                + (" (quote fields that contain commas)" if quoting and len(row) > len(header) else "")
                + ("" if quoting else f" ({sep}-separated, no quoting: a field cannot contain a tab)"),
                name,
                start,
            )
        yield (start, dict(zip(header, row)))


def _jsonl(content: str, name: str) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(_lines(content), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = exc.msg.removesuffix(" at")  # "Invalid control character at"
            raise DataError(f"invalid JSON: {reason} at column {exc.colno}", name, number) from None
        except RecursionError:
            raise DataError("invalid JSON: nested too deeply", name, number) from None
        if not isinstance(record, dict):
            raise DataError(f"expected a JSON object, found {_json_type(record)}", name, number)
        yield (number, record)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}.get(
        type(value), type(value).__name__
    )


def _check_unicode(value: str, name: str, line: int, field: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # only JSON \ud800-style escapes can produce this
        raise DataError(
            f"invalid Unicode: unpaired surrogate U+{ord(value[exc.start]):04X}", name, line, field
        ) from None


def _collect(
    rows: Iterator[_Header | tuple[int, dict]], name: str, text_column: str | None, label_column: str | None
) -> TextDataset:
    texts: list[str] = []
    labels: list[str] = []
    lines: list[int] = []
    text_key = label_key = None
    for item in rows:
        if isinstance(item, _Header):
            line, columns = item.line, item.columns
            text_key = _pick_column(text_column, TEXT_COLUMNS, columns, name, line, "text")
            label_key = _pick_column(label_column, LABEL_COLUMNS, columns, name, line, "label")
            for key in (text_key, label_key):
                if columns.count(key) > 1:
                    raise DataError("column appears more than once in the header", name, line, key)
            continue
        line, record = item
        if text_key is None:  # JSONL: columns come from the first record
            columns = list(record)
            text_key = _pick_column(text_column, TEXT_COLUMNS, columns, name, line, "text")
            label_key = _pick_column(label_column, LABEL_COLUMNS, columns, name, line, "label")
        texts.append(_text_value(record, text_key, name, line))
        labels.append(_label_value(record, label_key, name, line))
        lines.append(line)
    if not texts:
        raise DataError("no data rows" + (" (only a header)" if text_key is not None else ""), name)
    return TextDataset(texts, labels, name, lines, text_key, label_key)


def _missing(record: dict, key: str, name: str, line: int) -> DataError:
    shown = ", ".join(repr(k) for k in list(record)[: 2 * _MAX_LISTED]) or "none"
    return DataError(f"missing from this record (keys found: {shown})", name, line, key)


def _text_value(record: dict, key: str, name: str, line: int) -> str:
    if key not in record:
        raise _missing(record, key, name, line)
    value = record[key]
    if not isinstance(value, str):
        raise DataError(f"expected a string, found {_json_type(value)}", name, line, key)
    if not value.strip():
        raise DataError("empty text", name, line, key)
    _check_unicode(value, name, line, key)
    return value


def _label_value(record: dict, key: str, name: str, line: int) -> str:
    if key not in record:
        raise _missing(record, key, name, line)
    value = record[key]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # JSONL integer class ids
    if not isinstance(value, str):
        raise DataError(f"expected a string or integer label, found {_json_type(value)}", name, line, key)
    value = value.strip()
    if not value:
        raise DataError("empty label", name, line, key)
    _check_unicode(value, name, line, key)
    return value
