"""CSV / Parquet table files streamed as batches of Arrow string (or typed Parquet) columns.

CSV goes through pyarrow's streaming reader (header required, ``"`` quoting, newlines inside quoted
values, BOM accepted; rows with a wrong number of fields are handed to the load's
:class:`~finlite.data.row_checks.LoadContext`), Parquet through ``iter_batches``. Columns are matched by
name after stripping spaces, exactly first, then ignoring case; extra columns are not read. Arrow's CSV
reader keeps about 32 blocks in flight, so CSV blocks are capped at 1 MB and regrouped into batches of
``chunk_rows``.
"""

from __future__ import annotations

import os
from typing import Iterator

import numpy as np

from .loaders import DataError, check_data_file
from .row_checks import ON_ERROR, LoadContext, RowChecks, RowDataError

__all__ = ["SUPPORTED_TABLE_EXTENSIONS", "begin_load", "match_columns", "read_batches"]

SUPPORTED_TABLE_EXTENSIONS = (".csv", ".parquet")
_PROBE_BLOCK = 1 << 18  # bytes of the first CSV read (header, row size)
_MAX_BLOCK = 1 << 20  # CSV block size cap: Arrow keeps ~32 blocks in flight


def begin_load(path: str | os.PathLike, on_error: str, chunk_rows: int) -> tuple[str, LoadContext]:
    """Check the arguments and the file of a load: (file name, the load's context)."""
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}, got {on_error!r}")
    if not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
    name, _ = check_data_file(path, SUPPORTED_TABLE_EXTENSIONS)
    return name, LoadContext(name, on_error)


def match_columns(wanted: tuple[str, ...], found: list[str], name: str) -> dict[str, str]:
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


def read_batches(name: str, wanted: tuple[str, ...], chunk_rows: int, ctx: LoadContext) -> Iterator[tuple[dict, int]]:
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
    ctx.resolve(RowChecks(0), base, last=True)  # CSV rows the parser dropped at the end


def _arrow_message(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _open_csv(name: str, wanted: tuple[str, ...], chunk_rows: int, ctx: LoadContext) -> Iterator:
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
    mapping = match_columns(wanted, found, name)
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
    mapping = match_columns(wanted, found, name)
    rename = {mapping[c]: c for c in wanted}
    for batch in pf.iter_batches(batch_size=chunk_rows, columns=[mapping[c] for c in wanted]):
        yield pa.RecordBatch.from_arrays(batch.columns, names=[rename[n] for n in batch.schema.names])
