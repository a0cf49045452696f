"""Writes tests/golden/profile_v1.json: golden vectors of the finlite.profile/1 encoder.

Run from the repository root:  python tests/golden/make_profile_golden.py  [--check]

Regenerate ONLY for a deliberate, versioned change of the profile spec: the Android and iOS encoders are
tested against the same file. ``--check`` exits with status 1 when the file on disk is not what this
script would write.

The file holds a spec (max_events 8 so truncation shows, hand-picked normalisation constants), one
``as_of_ms`` and a few hand-built users. Each user's input is its event rows **in table order** (not
sorted) as ``[ts_ms, event_type, page, product, amount, dwell_ms]`` (ids of finlite.data.event_schema;
``null`` = NaN, ``"inf"`` / ``"-inf"`` = infinities) and its attribute row (``null`` = no row; inside it
``null`` = NaN). The expected tensors: ``cat`` and ``num`` list the real rows only (row 0 = most recent;
every later row up to max_events is all zero), ``static`` the whole row. Floats are float32 values
written as the shortest decimal that reads back to the same float32 (``float(np.float32(v))``).
Python compares exactly; an app port may allow 1e-6 on num/static (libm log1p can differ in the last
bit), cat must match exactly.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from finlite.data.event_schema import PRODUCTS
from finlite.data.profile_features import ProfileEncoder
from finlite.data.profile_spec import SPEC_FORMAT, ProfileSpec, static_columns
from golden_io import write_or_check
from profile_tables import tables

OUT = Path(__file__).resolve().parent / "profile_v1.json"

AS_OF_MS = 1_718_000_000_000  # 2024-06-10T06:13:20Z, 14:13:20 at UTC+8
H = 3_600_000
SPEC = ProfileSpec(
    max_events=8,
    amount_mean=5.0,
    amount_std=2.5,
    dwell_mean=9.0,
    dwell_std=1.5,
    gap_mean=7.0,
    gap_std=3.0,
    age_mean=3.5,
    age_std=0.3,
    tenure_mean=6.0,
    tenure_std=1.2,
    recency_mean=11.0,
    recency_std=2.0,
)
NAN, INF = math.nan, math.inf
FULL_ATTRS = {"age": 35.0, "risk_level": 3, "tenure_days": 400.0, "holdings": [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], "aum_bucket": 3}
NO_HOLDINGS = [0] * len(PRODUCTS)

# (name, events in table order [ts, event_type, page, product, amount, dwell], attributes or None)
CASES: list[tuple[str, list[list], dict | None]] = [
    (
        "basic",
        [
            [AS_OF_MS - 50 * H, 2, 2, 2, NAN, 1500.0],  # login, home: no amount
            [AS_OF_MS - 49 * H, 4, 6, 3, NAN, 42000.0],  # page_view of fund_detail
            [AS_OF_MS - 2 * H, 10, 6, 3, 5000.0, 8000.0],  # purchase of fund_equity
        ],
        FULL_ATTRS,
    ),
    (
        "truncated_unsorted_with_ties_and_future",
        [
            [AS_OF_MS - (12 - i) * H - i * 1000, 2 + i % 16, 2 + i % 19, 2 + i % 14, 10.0 * i, 100.0 * i]
            for i in range(12)
        ][::-1]  # table in reverse order: the encoder sorts
        + [
            [AS_OF_MS - 1 * H, 9, 4, 2, 1.0, 1.0],  # tie at the same ts: later table row is more recent
            [AS_OF_MS - 1 * H, 15, 15, 2, 2.0, 2.0],
            [AS_OF_MS, 17, 17, 2, 3.0, 3.0],  # exactly at as_of_ms: kept
            [AS_OF_MS + 1, 3, 3, 2, 4.0, 4.0],  # after as_of_ms: ignored
        ],
        {"age": 61.0, "risk_level": 1, "tenure_days": 9000.0, "holdings": [1] * len(PRODUCTS), "aum_bucket": 7},
    ),
    (
        "missing_numerics",
        [
            [AS_OF_MS - 30 * H, 9, 4, 2, NAN, NAN],
            [AS_OF_MS - 20 * H, 9, 4, 2, -250.5, -5.0],  # negative amount (refund) keeps |amount|; negative dwell is missing
            [AS_OF_MS - 10 * H, 9, 4, 2, INF, INF],
            [AS_OF_MS - 10 * H + 1, 9, 4, 2, 0.0, 0.0],
        ],
        {"age": NAN, "risk_level": 0, "tenure_days": NAN, "holdings": NO_HOLDINGS, "aum_bucket": 0},
    ),
    (
        "oov_and_out_of_range_ids",
        [
            [AS_OF_MS - 5 * H, 1, 1, 1, 10.0, 10.0],  # OOV ids pass through
            [AS_OF_MS - 4 * H, 99, 40, -3, 10.0, 10.0],  # out of range -> OOV
            [AS_OF_MS - 3 * H, 0, 0, 0, 10.0, 10.0],  # event_type 0 on a real event -> OOV; page/product 0 stay 0
        ],
        {"age": -1.0, "risk_level": 7, "tenure_days": -3.0, "holdings": [2, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "aum_bucket": 42},
    ),
    ("no_events", [], {"age": 19.0, "risk_level": 5, "tenure_days": 0.0, "holdings": NO_HOLDINGS, "aum_bucket": 1}),
    ("no_attributes", [[AS_OF_MS - 400 * 24 * H, 3, 18, 2, NAN, 300.0]], None),
    ("nothing", [], None),
    ("future_events_only", [[AS_OF_MS + 1000, 2, 2, 2, 1.0, 1.0], [AS_OF_MS + 2000, 3, 2, 2, 1.0, 1.0]], FULL_ATTRS),
    (
        "hours_around_local_midnight_and_before_1970",
        [
            [-1, 2, 2, 2, 1.0, 1.0],  # 1969-12-31T23:59:59.999Z = 07:59 at UTC+8 -> hour 7
            [1_717_948_799_999, 2, 2, 2, 1.0, 1.0],  # 2024-06-09T15:59:59.999Z = 23:59 local -> hour 23
            [1_717_948_800_000, 2, 2, 2, 1.0, 1.0],  # 16:00:00Z = 00:00 local -> hour 0
        ],
        FULL_ATTRS,
    ),
]


def _to_json_number(v: float):
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def _f32(values) -> list[float]:
    return [float(np.float32(v)) for v in values]


def build() -> dict:
    users = []
    for name, rows, attributes in CASES:
        attrs = None
        if attributes is not None:
            attrs = {k: (_to_json_number(v) if isinstance(v, float) else v) for k, v in attributes.items()}
        users.append({"name": name, "user_id": f"user_{name}", "events": [[*r[:4], _to_json_number(r[4]), _to_json_number(r[5])] for r in rows], "attributes": attrs})
    events, attrs = tables(users)
    encoder = ProfileEncoder(SPEC)
    inputs = encoder.encode(events, attrs, [u["user_id"] for u in users], AS_OF_MS)
    for i, user in enumerate(users):
        real = int((inputs.cat[i, :, 0] != 0).sum())
        assert not inputs.cat[i, real:].any() and not inputs.num[i, real:].any()
        user["cat"] = [[int(v) for v in row] for row in inputs.cat[i, :real]]
        user["num"] = [_f32(row) for row in inputs.num[i, :real]]
        user["static"] = _f32(inputs.static[i])
    return {
        "format": SPEC_FORMAT,
        "about": "Golden vectors of the finlite.profile/1 encoder; see finlite/data/profile_features.py. "
        "Generated by tests/golden/make_profile_golden.py; do not edit by hand.",
        "spec": SPEC.to_json(),
        "as_of_ms": AS_OF_MS,
        "static_columns": static_columns(SPEC),
        "users": users,
    }


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=True)


def render(data: dict) -> str:
    """Stable, diff-friendly JSON: one line per event row and per tensor row."""
    out = ["{"]
    for key in ("format", "about", "spec", "as_of_ms", "static_columns"):
        out.append(f'  "{key}": {_dump(data[key])},')
    out.append('  "users": [')
    for u, user in enumerate(data["users"]):
        out.append("    {")
        out.append(f'      "name": {_dump(user["name"])},')
        out.append(f'      "user_id": {_dump(user["user_id"])},')
        for key in ("events", "cat", "num"):
            rows = user[key]
            if not rows:
                out.append(f'      "{key}": [],')
                continue
            out.append(f'      "{key}": [')
            out.extend(f"        {_dump(row)}" + ("," if i + 1 < len(rows) else "") for i, row in enumerate(rows))
            out.append("      ],")
        out.append(f'      "attributes": {_dump(user["attributes"])},')
        out.append(f'      "static": {_dump(user["static"])}')
        out.append("    }" + ("," if u + 1 < len(data["users"]) else ""))
    out.append("  ]")
    out.append("}")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render(build())
    assert json.loads(text) == build()
    return write_or_check(OUT, text, argv, f"{len(CASES)} users", "tests/test_profile_features.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
