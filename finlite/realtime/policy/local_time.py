"""The user's calendar for a policy: local date, time of day, ISO week and month of an epoch-ms time.

Everything comes from the local epoch ms ``t + offset(t)`` (the zone's UTC offset at ``t``), so the three
engines agree with plain integer arithmetic: day = floor(local / 86,400,000), week = floor((day + 3) / 7)
(weeks run Monday to Sunday; 1970-01-01 was a Thursday), month = the civil (year, month) of the day.
"""

from __future__ import annotations

import datetime as _dt
from zoneinfo import ZoneInfo

__all__ = ["LocalTime"]

DAY_MS = 86_400_000
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


class LocalTime:
    """The calendar of ``t`` (epoch ms) in ``zone``."""

    def __init__(self, t: int, zone: ZoneInfo) -> None:
        offset = (_EPOCH + _dt.timedelta(milliseconds=t)).astimezone(zone).utcoffset()
        self.local_ms = t + int(offset.total_seconds() * 1000) if offset is not None else t
        self.day = self.local_ms // DAY_MS

    @property
    def date(self) -> str:
        return _dt.date.fromordinal(self.day + _EPOCH_ORDINAL).isoformat()

    @property
    def minute(self) -> int:
        """Minutes since local midnight."""
        return (self.local_ms % DAY_MS) // 60_000

    @property
    def hh_mm(self) -> str:
        return f"{self.minute // 60:02d}:{self.minute % 60:02d}"

    @property
    def week(self) -> int:
        return (self.day + 3) // 7

    @property
    def month(self) -> tuple[int, int]:
        d = _dt.date.fromordinal(self.day + _EPOCH_ORDINAL)
        return d.year, d.month

    def period(self, per: str) -> object:
        """The key of the calendar period ``per`` (day, week, month, ever) that contains this time."""
        return {"day": self.day, "week": self.week, "month": self.month, "ever": 0}[per]
