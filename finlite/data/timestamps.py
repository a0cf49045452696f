"""Times as int64 epoch milliseconds (UTC): parsing ISO 8601 / epoch ms and formatting ISO 8601.

* :func:`parse_timestamps`: a table column (Arrow), vectorised, for the loaders of
  :mod:`finlite.data.events`: ISO 8601 or integer epoch ms per value, with a bad-row mask and message;
* :func:`parse_time_ms` / :func:`parse_iso_ms`: one user-given time (the CLI's ``--as-of``, the synthetic
  population's ``as_of``);
* :func:`iso_ms` / :func:`iso_ms_array`: epoch ms → ``YYYY-MM-DDTHH:MM:SS.mmmZ``, and
  :func:`parse_iso_ms_array`, the way back without pyarrow.

A time without a zone is UTC; digits below a millisecond are truncated.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from .columns import cell_text, np_bool, pa_mask, shown, strings

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["iso_ms", "iso_ms_array", "parse_iso_ms", "parse_iso_ms_array", "parse_time_ms", "parse_timestamps"]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_MS = _dt.timedelta(milliseconds=1)

# ISO 8601 as the loaders accept it: clock and offset ranges are part of the pattern; calendar days are
# checked separately.
_ISO_RE = (
    r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[Tt ](?P<h>[01]\d|2[0-3])(?::(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d)(?:[.,](?P<f>\d{1,9}))?)?)?)?"
    r" ?(?P<tz>[Zz]|(?P<tzs>[+-])(?P<tzh>[01]\d|2[0-3])(?::?(?P<tzm>[0-5]\d))?)?$"
)
_HAS_OFFSET_RE = r"^\d{4}-\d{2}-\d{2}.*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"  # for strings matching _ISO_RE
_EPOCH_MS_RE = r"^[+-]?\d{1,18}$"


# --- formatting -------------------------------------------------------------------------------------------


def iso_ms_array(ms: np.ndarray) -> np.ndarray:
    """Epoch ms → ``YYYY-MM-DDTHH:MM:SS.mmmZ`` strings (UTC)."""
    text = np.datetime_as_string(np.asarray(ms, dtype=np.int64).astype("datetime64[ms]"), unit="ms")
    return np.char.add(text.astype(str), "Z")


def iso_ms(ms: int) -> str:
    """Epoch ms → ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC)."""
    return str(iso_ms_array(np.array([int(ms)]))[0])


def parse_iso_ms_array(values: Iterable[str]) -> np.ndarray:
    """What :func:`iso_ms_array` writes (zone ``Z`` or none, numpy's ISO rules) back to int64 epoch ms."""
    stripped = [v[:-1] if v.endswith(("Z", "z")) else v for v in values]
    return np.array(stripped, dtype="datetime64[ms]").astype(np.int64)


# --- one user-given time ----------------------------------------------------------------------------------


def parse_iso_ms(text: str) -> int:
    """Epoch ms of an ISO 8601 time in the grammar of ``_ISO_RE`` (the one the phones' Timestamps parse:
    extended format, no offset = UTC), spaces around it ignored; ``ValueError`` when it is not one (digits
    alone, the basic format ``20260528`` and impossible dates included)."""
    import re

    m = re.match(_ISO_RE, text.strip())
    if m is None:
        raise ValueError(f"{text.strip()!r} is not an ISO 8601 time (YYYY-MM-DD[THH[:MM[:SS[.fff]]]][Z|±HH[:MM]])")
    try:
        day = _dt.date(int(m["y"]), int(m["mo"]), int(m["d"]))
    except ValueError:
        raise ValueError(f"{text.strip()!r}: no such day") from None
    clock = int(m["h"] or 0) * 3_600_000 + int(m["mi"] or 0) * 60_000 + int(m["s"] or 0) * 1000 + int(((m["f"] or "") + "000")[:3])
    offset = 0
    if m["tzs"]:
        offset = (1 if m["tzs"] == "+" else -1) * (int(m["tzh"]) * 60 + int(m["tzm"] or 0)) * 60_000
    return (day - _EPOCH.date()).days * 86_400_000 + clock - offset


def parse_time_ms(text: str) -> int:
    """Epoch ms of a user-given time: digits are epoch milliseconds, anything else ISO 8601
    (:func:`parse_iso_ms`); ``ValueError`` when it is neither."""
    if text.strip().isdigit():
        return int(text)
    return parse_iso_ms(text)


# --- table columns (pyarrow) ------------------------------------------------------------------------------


def parse_timestamps(arr: "pa.Array") -> tuple[np.ndarray, np.ndarray, Callable[[int], str]]:
    """int64 epoch ms (UTC), bad mask and the message for a bad row; ISO 8601 or epoch ms per value.

    Parquet timestamp (naive = UTC), date and integer (epoch ms) columns are taken as they are.
    """
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
        bad = np_bool(ms.is_null())
        values = ms.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        return values, bad, lambda i: "empty timestamp"
    s = strings(arr)
    values = np.zeros(n, dtype=np.int64)
    is_int = np_bool(pc.match_substring_regex(s, _EPOCH_MS_RE))
    if is_int.any():
        ints = s if is_int.all() else pc.if_else(pa_mask(is_int), s, "0")
        values[is_int] = ints.cast(pa.int64()).to_numpy(zero_copy_only=False)[is_int]
    ok = is_int.copy()
    if not is_int.all():
        iso, iso_ok = _parse_iso(s)
        values = np.where(is_int, values, iso)
        ok |= iso_ok
    bad = ~ok

    def message(i: int) -> str:
        if cell_text(s, i) == "":
            return "empty timestamp"
        return (
            f"cannot parse timestamp {shown(s, i)}: expected ISO 8601 (e.g. 2026-05-01T08:30:00Z, "
            "2026-05-01 08:30:00+08:00) or integer epoch milliseconds"
        )

    return values, bad, message


def _parse_iso(s: "pa.StringArray") -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ISO 8601 → (epoch ms, valid mask).

    Fast path: Arrow's ISO 8601 cast on the values matching ``_ISO_RE`` (with and without offset); Arrow
    parses exactly these forms the same way but rejects a whole array for one bad date (``2026-02-30``) or
    sub-millisecond digits, in which case the batch goes through the exact component-wise path.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    syntax = np_bool(pc.match_substring_regex(s, _ISO_RE))
    if not syntax.any():
        return np.zeros(len(s), dtype=np.int64), syntax
    offset = syntax & np_bool(pc.match_substring_regex(s, _HAS_OFFSET_RE))
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


def _parse_iso_exact(s: "pa.StringArray") -> tuple[np.ndarray, np.ndarray]:
    """ISO 8601 → (epoch ms, valid mask) from the regex components; checks the calendar day."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.extract_regex(s, _ISO_RE)
    matched = np_bool(parts.is_valid())

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
    sign = np.where(np_bool(pc.equal(pc.struct_field(parts, "tzs").fill_null(""), "-")), -1, 1)

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
