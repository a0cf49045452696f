"""In-memory stand-ins for EventTable / AttributeTable (the attributes the profile encoder reads), and
the tables of the golden file's JSON users. Shared by make_profile_golden.py and the tests."""

from __future__ import annotations

import math
from dataclasses import fields, make_dataclass

import numpy as np

from finlite.data.event_schema import PRODUCTS
from finlite.data.tables import AttributeTable, EventTable


def _stand_in(table: type, name: str) -> type:
    """``table``'s columns as a plain dataclass: no load report, user ids in any order (the encoder is
    duck-typed and must not rely on either)."""
    return make_dataclass(name, [(f.name, f.type) for f in fields(table) if f.name != "report"])


Events = _stand_in(EventTable, "Events")
Attrs = _stand_in(AttributeTable, "Attrs")


def from_json_number(v) -> float:
    """JSON has no NaN / infinity: the golden file writes them as null / "inf" / "-inf"."""
    return {None: math.nan, "inf": math.inf, "-inf": -math.inf}[v] if v is None or isinstance(v, str) else float(v)


def tables(users: list[dict]) -> tuple[Events, Attrs]:
    """Tables from the JSON form of the golden users (``user_id``, ``events``, ``attributes``)."""
    with_events = [u for u in users if u["events"]]
    rows = [r for u in with_events for r in u["events"]]
    col = lambda i, dtype: np.array([r[i] for r in rows], dtype=dtype)  # noqa: E731
    events = Events(
        user_ids=[u["user_id"] for u in with_events],
        offsets=np.cumsum([0] + [len(u["events"]) for u in with_events]).astype(np.int64),
        ts_ms=col(0, np.int64),
        event_type=col(1, np.int16),
        page=col(2, np.int16),
        product=col(3, np.int16),
        amount=np.array([from_json_number(r[4]) for r in rows], dtype=np.float32),
        dwell_ms=np.array([from_json_number(r[5]) for r in rows], dtype=np.float32),
    )
    with_attrs = [u for u in users if u["attributes"] is not None]
    a = [u["attributes"] for u in with_attrs]
    attrs = Attrs(
        user_ids=[u["user_id"] for u in with_attrs],
        age=np.array([from_json_number(x["age"]) for x in a], dtype=np.float32),
        risk_level=np.array([x["risk_level"] for x in a], dtype=np.int8),
        tenure_days=np.array([from_json_number(x["tenure_days"]) for x in a], dtype=np.float32),
        holdings=np.array([x["holdings"] for x in a], dtype=np.uint8).reshape(len(a), len(PRODUCTS)),
        aum_bucket=np.array([x["aum_bucket"] for x in a], dtype=np.int16),
    )
    return events, attrs
