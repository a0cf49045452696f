"""Row validation of table loads: per-batch checks, the ``on_error`` policy and errors located by data row.

A loader collects, per batch, one bad-row mask and message per check (:class:`RowChecks`);
:class:`LoadContext` then raises at the first bad row (``on_error="raise"``) or drops the bad rows and
keeps count and the first messages (``on_error="skip"``), also for CSV rows the parser dropped for a wrong
number of fields.
"""

from __future__ import annotations

import heapq
from typing import Callable

import numpy as np

from .columns import counted, parse_numbers
from .loaders import DataError

__all__ = ["LoadContext", "MAX_EXAMPLES", "ON_ERROR", "RowChecks", "RowDataError"]

ON_ERROR = ("raise", "skip")
MAX_EXAMPLES = 5  # skipped-row messages kept in the report


class RowDataError(DataError):
    """A :class:`DataError` located by data row: ``"events.csv, row 12, field 'timestamp': message"``.

    ``row`` is the 1-based data row (header and blank lines not counted); ``line`` stays ``None``.
    """

    def __init__(self, message: str, path: str | None = None, row: int | None = None, field: str | None = None) -> None:
        super().__init__(message, path, None, field)
        self.row = row

    def __str__(self) -> str:
        where = [p for p in (self.path, None if self.row is None else f"row {self.row}") if p is not None]
        if self.field is not None:
            where.append(f"field {self.field!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        return " ".join(text.splitlines())

    def __reduce__(self) -> tuple:
        return (type(self), (self.message, self.path, self.row, self.field))


class RowChecks:
    """Per-batch validation results: (field, bad-row mask, message for a bad row), in column order."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.items: list[tuple[str, np.ndarray, Callable[[int], str]]] = []

    def add(self, fld: str, mask: np.ndarray, message: Callable[[int], str]) -> None:
        if mask.any():
            self.items.append((fld, mask, message))

    def numbers(self, fld: str, arr) -> tuple[np.ndarray, np.ndarray]:
        """float64 values (NaN = missing) of a numeric column and its bad mask, checked."""
        values, bad, message = parse_numbers(arr)
        self.add(fld, bad, message)
        return values, bad

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


class LoadContext:
    """Error policy and bookkeeping of one load: skipped rows, their messages, CSV rows with bad field counts."""

    def __init__(self, name: str, on_error: str) -> None:
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

    def resolve(self, checks: RowChecks, base: int, last: bool = False) -> np.ndarray | None:
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

    def kept(self, checks: RowChecks, base: int) -> slice | np.ndarray:
        """:meth:`resolve` for a batch: its keep-mask, or ``slice(None)`` when every row is good."""
        keep = self.resolve(checks, base)
        return slice(None) if keep is None else keep

    def no_rows_error(self) -> DataError:
        """The error of a load that kept no row."""
        if self.skipped:
            return DataError(
                f"no valid rows: all {counted(self.skipped, 'row')} skipped; first: {self.examples()[0]}", self.name
            )
        return DataError("no data rows (only a header)", self.name)
