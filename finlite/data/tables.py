"""The loaded tables of profile models as numpy columns, and the report of what loading them did.

:func:`finlite.data.events.load_events` gives an :class:`EventTable`,
:func:`finlite.data.events.load_attributes` an :class:`AttributeTable`; each carries its
:class:`LoadReport`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np

from .columns import counted

__all__ = ["AttributeTable", "EventTable", "LoadReport"]


@dataclass
class LoadReport:
    """What happened while loading a table; nothing is dropped or replaced silently.

    ``oov[field]`` holds the most frequent unknown values (up to 20) with their row counts and
    ``oov_total[field]`` the number of rows (for a multi field: items) with an unknown value; both have a key
    for every categorical and multi field. ``missing[field]`` counts the empty cells of each numeric field
    (kept as NaN) and categorical field (id 0).
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
    multi: tuple[str, ...] = ()  # the multi fields (their unknown items are ignored, not mapped to OOV)

    def summary(self) -> str:
        """One short human line per non-zero item."""
        lines = [f"{self.path}: {counted(self.rows, 'row')}, {counted(self.users, 'user')}"]
        for name, total in self.oov_total.items():
            if total:
                top = self.oov.get(name, {})
                shown = ", ".join(f"{value!r} {count:,}" for value, count in list(top.items())[:3])
                more = f" and {len(top) - 3} more" if len(top) > 3 else ""
                if name in self.multi:
                    lines.append(f"unknown {name}: {counted(total, 'item')} not in the schema's values, ignored ({shown}{more})")
                else:
                    lines.append(f"unknown {name}: {counted(total, 'row')} mapped to OOV ({shown}{more})")
        if self.reordered_users:
            lines.append(
                f"reordered: {counted(self.reordered_users, 'user')} had events out of timestamp order in the file"
                " (sorted by timestamp)"
            )
        for name, count in self.missing.items():
            if count:
                lines.append(f"missing {name}: {counted(count, 'row')} empty (kept as missing)")
        if self.skipped:
            first = f"; first: {self.skipped_examples[0]}" if self.skipped_examples else ""
            lines.append(f"skipped: {counted(self.skipped, 'invalid row')} (on_error='skip'){first}")
        return "\n".join(lines)


@dataclass
class EventTable:
    """Events as columns, sorted by (user, timestamp); equal timestamps keep their file order.

    The events of ``user_ids[u]`` are rows ``offsets[u]:offsets[u + 1]``. ``cats[field]`` holds int32 ids of
    the schema's vocabulary (0 missing, 1 OOV, known values from 2); ``nums[field]`` float32 with NaN =
    missing; ``ts_ms`` is int64 epoch milliseconds (UTC).
    """

    user_ids: list[str]
    offsets: np.ndarray
    ts_ms: np.ndarray
    cats: dict[str, np.ndarray]
    nums: dict[str, np.ndarray]
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

    ``cats[field]``: int32 ids (0 missing, 1 OOV, known values from 2); ``nums[field]``: float32, NaN =
    missing; ``multi[field]``: uint8 (users, len(values)) multi-hot, column j = the field's ``values[j]``.
    """

    user_ids: list[str]
    cats: dict[str, np.ndarray]
    nums: dict[str, np.ndarray]
    multi: dict[str, np.ndarray]
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
