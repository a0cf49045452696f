"""finlite.data.timestamps.parse_iso_ms: the ISO 8601 grammar the phones' Timestamps parse (docs/policy.md's
`at`), equal to the standard library on that grammar, refusing what the phones refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finlite.data.timestamps import parse_iso_ms

MOMENTS = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1))
OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59)


@given(MOMENTS, OFFSETS)
def test_extended_format_with_offset_equals_the_standard_library(moment: dt.datetime, minutes: int):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    zone = dt.timezone(dt.timedelta(minutes=minutes))
    text = moment.replace(tzinfo=zone).isoformat(timespec="milliseconds")
    assert parse_iso_ms(text) == round(dt.datetime.fromisoformat(text).timestamp() * 1000)


@pytest.mark.parametrize("text, ms", [
    ("2026-05-28", 1_779_926_400_000),
    ("2026-05-28T10:00", 1_779_962_400_000),
    (" 2026-03-02T10:00:00.000Z ", 1_772_445_600_000),
    ("2026-05-28T10:00:00,5 +0200", 1_779_955_200_500),
    ("2026-05-28T10:00:00.123456789Z", 1_779_962_400_123),
])
def test_the_forms_of_the_grammar(text: str, ms: int):
    assert parse_iso_ms(text) == ms


@pytest.mark.parametrize("text", ["1780000000000", "20260528", "2026-02-30", "2026-05-28T24:00", "yesterday", ""])
def test_what_the_phones_refuse_is_refused(text: str):
    with pytest.raises(ValueError, match="ISO 8601|no such day"):
        parse_iso_ms(text)
