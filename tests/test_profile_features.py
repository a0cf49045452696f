"""The portable profile encoder (spec finlite.profile/2) on the synthetic bank's schema: selection, ordering,
flags, transforms, normalisation and the spec. The phones' encoders are held to the same rules by every profile
bundle's golden.json (tests/mobile/make_bundles.py: this schema and another bank's)."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from finlite.data.profile_features import ProfileEncoder, ProfileInputs
from finlite.data.profile_normalisation import fit_normalisation
from finlite.data.profile_spec import SPEC_FORMAT, ProfileSpec, static_columns
from finlite.data.raw_rows import encode_profile_cases, tables_from_rows
from finlite.data.schema import OOV_ID
from finlite.data.synth.vocabulary import AUM_BUCKETS, EVENT_TYPES, OFFERABLE_PRODUCTS, PAGES, PRODUCTS, synthetic_schema
from finlite.data.tables import AttributeTable, EventTable
from finlite.data.timestamps import iso_ms

SCHEMA = synthetic_schema()
AS_OF = 1_718_000_000_000  # 2024-06-10T06:13:20Z
H = 3_600_000
NAN = math.nan


def spec(**kwargs) -> ProfileSpec:
    return ProfileSpec(schema=SCHEMA, **kwargs)


COLS = {name: i for i, name in enumerate(static_columns(spec()))}
RISK = {int(v): 2 + i for i, v in enumerate(SCHEMA.user_fields[1].values)}  # risk level -> id


# --- tiny tables with the finlite.data.tables API ---------------------------------------------------------


def ev(ts, event_type=2, page=2, product=2, amount=NAN, dwell=NAN) -> tuple:
    return (ts, event_type, page, product, amount, dwell)


def make_events(users: dict[str, list[tuple]]) -> EventTable:
    rows = [r for evs in users.values() for r in evs]
    col = lambda i, dtype: np.array([r[i] for r in rows], dtype=dtype)  # noqa: E731
    return EventTable(
        user_ids=list(users),
        offsets=np.cumsum([0] + [len(v) for v in users.values()]).astype(np.int64),
        ts_ms=col(0, np.int64),
        cats={"event_type": col(1, np.int32), "page": col(2, np.int32), "product": col(3, np.int32)},
        nums={"amount": col(4, np.float32), "dwell_ms": col(5, np.float32)},
        report=None,
    )


def make_attrs(users: dict[str, dict]) -> AttributeTable:
    """Attribute rows; ``risk_level`` and ``aum_bucket`` are ids (0 missing, 1 OOV, from 2 the values)."""
    rows = list(users.values())
    get = lambda key, default, dtype: np.array([r.get(key, default) for r in rows], dtype=dtype)  # noqa: E731
    holdings = np.zeros((len(rows), len(OFFERABLE_PRODUCTS)), dtype=np.uint8)
    for i, r in enumerate(rows):
        for p in r.get("holdings", ()):
            holdings[i, OFFERABLE_PRODUCTS.index(p)] = 1
    return AttributeTable(
        user_ids=list(users),
        cats={"risk_level": get("risk_level", 0, np.int32), "aum_bucket": get("aum_bucket", 0, np.int32)},
        nums={"age": get("age", NAN, np.float32), "tenure_days": get("tenure_days", NAN, np.float32)},
        multi={"holdings": holdings},
        report=None,
    )


def random_tables(
    n_users: int, seed: int, min_per_user: int = 0, max_per_user: int = 90, attr_fraction: float = 0.8
) -> tuple[EventTable, AttributeTable, list[str]]:
    rng = np.random.default_rng(seed)
    counts = rng.integers(min_per_user, max_per_user, n_users)
    n = int(counts.sum())
    users = [f"u{i}" for i in range(n_users)]
    amount = rng.lognormal(5, 2, n) * rng.choice([-1, 1], n)
    amount[rng.random(n) < 0.3] = np.nan
    dwell = rng.lognormal(9, 1, n)
    dwell[rng.random(n) < 0.2] = np.nan
    events = EventTable(
        user_ids=users,
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        # coarse timestamps so that ties happen; some after AS_OF
        ts_ms=(AS_OF - rng.integers(-20, 2000, n) * 60_000).astype(np.int64),
        cats={"event_type": rng.integers(0, 20, n).astype(np.int32), "page": rng.integers(0, 23, n).astype(np.int32),
              "product": rng.integers(0, 17, n).astype(np.int32)},
        nums={"amount": amount.astype(np.float32), "dwell_ms": dwell.astype(np.float32)},
        report=None,
    )
    k = int(n_users * attr_fraction)
    chosen = rng.permutation(n_users)[:k]
    age = rng.uniform(18, 80, k)
    age[rng.random(k) < 0.1] = np.nan
    attrs = AttributeTable(
        user_ids=[users[i] for i in chosen],
        cats={"risk_level": rng.integers(0, 9, k).astype(np.int32), "aum_bucket": rng.integers(0, 10, k).astype(np.int32)},
        nums={"age": age.astype(np.float32), "tenure_days": rng.uniform(0, 5000, k).astype(np.float32)},
        multi={"holdings": (rng.random((k, len(OFFERABLE_PRODUCTS))) < 0.2).astype(np.uint8)},
        report=None,
    )
    return events, attrs, users


@pytest.fixture(scope="module")
def enc() -> ProfileEncoder:
    return ProfileEncoder(spec(max_events=4))


# --- shapes, ordering, padding ----------------------------------------------------------------------------


def test_shapes_and_dtypes():
    s = spec()
    events, attrs, users = random_tables(5, seed=0)
    x = ProfileEncoder(s).encode(events, attrs, users, AS_OF)
    assert isinstance(x, ProfileInputs) and len(x) == 5
    assert x.cat.shape == (5, 64, 4) and x.cat.dtype == np.int32
    assert x.num.shape == (5, 64, 6) and x.num.dtype == np.float32
    width = 2 + (5 + 2) + 2 + len(OFFERABLE_PRODUCTS) + (len(AUM_BUCKETS) + 2) + 3  # age, risk, tenure, holdings, aum, time
    assert x.static.shape == (5, width) == (5, s.static_features) and x.static.dtype == np.float32
    assert s.cat_vocabs == [len(EVENT_TYPES) + 2, len(PAGES) + 2, len(PRODUCTS) + 2, 25]
    assert x[1].cat.shape == (1, 64, 4) and x[-1].static.shape == (1, width)
    assert np.isfinite(x.num).all() and np.isfinite(x.static).all()


def test_keeps_most_recent_events_newest_first_and_pads_with_zeros(enc):
    events = make_events({"a": [ev(AS_OF - k * H, event_type=2 + k) for k in (5, 0, 3, 1, 6, 2, 4)], "b": [ev(AS_OF - H, 7)]})
    x = enc.encode(events, None, ["a", "b"], AS_OF)
    assert x.cat[0, :, 0].tolist() == [2, 3, 4, 5]  # k = 0, 1, 2, 3: the four most recent, newest first
    assert x.cat[1, :, 0].tolist() == [7, 0, 0, 0]
    assert not x.cat[1, 1:].any() and not x.num[1, 1:].any()  # padding rows all zero
    assert x.static[0, COLS["event_count"]] == 1.0  # 7 events > max_events: capped
    assert x.static[1, COLS["event_count"]] == np.float32(math.log1p(1) / math.log1p(4))


def test_ignores_future_events_and_breaks_ties_by_table_order(enc):
    events = make_events({"a": [ev(AS_OF + 1, 9), ev(AS_OF - H, 3), ev(AS_OF - H, 4), ev(AS_OF, 5)]})
    x = enc.encode(events, None, ["a"], AS_OF)
    assert x.cat[0, :, 0].tolist() == [5, 4, 3, 0]  # event at exactly as_of kept; the later row of a tie first
    assert x.static[0, COLS["log_recency"]] == 0.0 and x.static[0, COLS["no_events"]] == 0.0  # log1p(0) = 0


def test_users_without_events_or_attributes(enc):
    events = make_events({"a": [ev(AS_OF - H)], "late": [ev(AS_OF + H)]})
    attrs = make_attrs({"a": {"age": 30.0, "risk_level": RISK[2], "tenure_days": 10.0, "aum_bucket": 3}})
    for pair in [(events, attrs), (None, None), (make_events({}), make_attrs({}))]:
        x = enc.encode(*pair, ["ghost", "late"], AS_OF)
        assert not x.cat.any() and not x.num.any()
        s = x.static
        for flag in ("age_missing", "risk_level_missing", "tenure_days_missing", "aum_bucket_missing", "no_events"):
            assert (s[:, COLS[flag]] == 1).all(), flag
        assert (s.sum(axis=1) == 5).all()  # nothing else set
    x = enc.encode(events, attrs, ["a"], AS_OF)
    assert x.static[0, COLS["age_missing"]] == 0 and x.static[0, COLS["risk_level=2"]] == 1 and x.static[0, COLS["aum_bucket=10k-50k"]] == 1


def test_ids_pass_through_and_out_of_range_ids_become_oov(enc):
    events = make_events({"a": [ev(AS_OF - 3 * H, 1, 1, 1), ev(AS_OF - 2 * H, 99, -4, 16), ev(AS_OF - H, 0, 0, 0), ev(AS_OF, 17, 20, 15)]})
    x = enc.encode(events, None, ["a"], AS_OF)
    assert x.cat[0, :, :3].tolist() == [
        [len(EVENT_TYPES) + 1, len(PAGES) + 1, len(PRODUCTS) + 1],  # the last known ids
        [OOV_ID, 0, 0],  # event_type 0 on a real event -> OOV (it marks padding); page/product 0 stay
        [OOV_ID, OOV_ID, OOV_ID],  # outside the vocabularies
        [OOV_ID, OOV_ID, OOV_ID],  # OOV passes through
    ]
    assert (x.cat[0, :, 0] != 0).all()


def test_missing_numerics_get_flags_not_silent_zeros(enc):
    events = make_events({"a": [ev(AS_OF - 3 * H, amount=NAN, dwell=NAN), ev(AS_OF - 2 * H, amount=np.inf, dwell=-1.0), ev(AS_OF - H, amount=-99.0, dwell=0.0)]})
    x = enc.encode(events, None, ["a"], AS_OF)
    num = x.num[0]
    assert num[:3, 1].tolist() == [0, 1, 1] and num[:3, 3].tolist() == [0, 1, 1]
    assert num[1:3, 0].tolist() == [0, 0] and num[1:3, 2].tolist() == [0, 0]
    assert num[0, 0] == np.float32(-math.log1p(99.0)) and num[0, 2] == 0.0  # signed log1p; dwell 0 is a real 0, flag 0
    attrs = make_attrs({"a": {"age": NAN, "risk_level": 0, "tenure_days": -1.0, "aum_bucket": 0}, "b": {"age": 0.0, "risk_level": 99, "tenure_days": np.inf, "aum_bucket": 1}})
    s = enc.encode(None, attrs, ["a", "b"], AS_OF).static
    assert s[:, COLS["age_missing"]].tolist() == [1, 0] and s[:, COLS["age"]].tolist() == [0, 0]
    assert s[:, COLS["risk_level_missing"]].tolist() == [1, 0] and s[:, COLS["risk_level_oov"]].tolist() == [0, 1]  # id 99: OOV
    assert s[:, COLS["tenure_days_missing"]].tolist() == [1, 1]  # negative under log1p, infinite
    assert s[:, COLS["aum_bucket_missing"]].tolist() == [1, 0] and s[:, COLS["aum_bucket_oov"]].tolist() == [0, 1]


def test_static_one_hots_and_holdings():
    attrs = make_attrs({"a": {"age": 40.0, "risk_level": RISK[5], "tenure_days": 100.0, "aum_bucket": 2 + 5, "holdings": ("gold", "fx")}})
    s = ProfileEncoder(spec()).encode(None, attrs, ["a"], AS_OF).static[0]
    assert s[COLS["age"]] == np.float32(math.log1p(40.0)) and s[COLS["tenure_days"]] == np.float32(math.log1p(100.0))
    assert [c for c in COLS if c.startswith("risk_level") and s[COLS[c]]] == ["risk_level=5"]
    assert [c for c in COLS if c.startswith("aum_bucket") and s[COLS[c]]] == ["aum_bucket=5m+"]
    assert [c for c in COLS if c.startswith("holdings=") and s[COLS[c]]] == ["holdings=gold", "holdings=fx"]


@pytest.mark.parametrize(
    "offset, ts, hour",
    [
        (480, 1_717_948_800_000, 0),  # 16:00Z = midnight in Shanghai
        (480, 1_717_948_799_999, 23),
        (0, 1_717_948_800_000, 16),
        (-300, 1_717_948_800_000, 11),  # UTC-5
        (330, 1_717_948_800_000, 21),  # UTC+5:30: 21:30
        (480, -1, 7),  # 1969-12-31T23:59:59.999Z: floor division
        (840, 0, 14),
    ],
)
def test_hour_of_day_uses_the_spec_utc_offset(offset, ts, hour):
    encoder = ProfileEncoder(spec(utc_offset_minutes=offset))
    x = encoder.encode(make_events({"a": [ev(ts)]}), None, ["a"], AS_OF)
    assert x.cat[0, 0, 3] == hour + 1
    # the same from a raw row as an app holds it (ISO 8601 text), through the file loader
    events, _ = tables_from_rows([{"user_id": "a", "timestamp": iso_ms(ts), "event_type": "login", "page": "home"}], [], SCHEMA)
    assert encoder.encode(events, None, ["a"], AS_OF).cat[0, 0, 3] == hour + 1


def test_gaps_are_to_the_previous_kept_event(enc):
    times = [AS_OF - 10_000_000, AS_OF - 4_000_000, AS_OF - 1_000_000, AS_OF - 500, AS_OF]  # 5 events, keep 4
    x = enc.encode(make_events({"a": [ev(t) for t in times]}), None, ["a"], AS_OF)
    expected = [math.log1p(0.5), math.log1p(999.5), math.log1p(3000.0), 0.0]  # oldest kept: 0
    assert x.num[0, :, 4].tolist() == [np.float32(v) for v in expected]
    recency = enc.encode(make_events({"a": [ev(AS_OF - 90_000)]}), None, ["a"], AS_OF).static[0, COLS["log_recency"]]
    assert recency == np.float32(math.log1p(90.0))


def test_normalisation_is_applied_with_the_spec_constants():
    s = spec(norms={"event.amount": (2.0, 4.0), "gap": (1.0, 0.5), "user.age": (3.0, 2.0)})
    events = make_events({"a": [ev(AS_OF - 2000, amount=10.0), ev(AS_OF - 1000, amount=100.0)]})
    attrs = make_attrs({"a": {"age": 20.0}})
    x = ProfileEncoder(s).encode(events, attrs, ["a"], AS_OF)
    assert x.num[0, 0, 0] == np.float32((math.log1p(100.0) - 2.0) / 4.0)
    assert x.num[0, 0, 4] == np.float32((math.log1p(1.0) - 1.0) / 0.5)
    assert x.num[0, 1, 4] == 0.0  # the oldest: 0 (not normalised)
    assert x.static[0, COLS["age"]] == np.float32((math.log1p(20.0) - 3.0) / 2.0)


def test_clip_and_transforms_follow_the_schema():
    """clip before the transform; identity; a negative value under log1p is missing."""
    from finlite.data.schema import NUMERIC, Field

    fields = tuple(Field("amount", NUMERIC, transform="identity", clip=(-5.0, 5.0)) if f.name == "amount" else f for f in SCHEMA.event_fields)
    other = ProfileSpec(schema=replace(SCHEMA, event_fields=fields))
    events = make_events({"a": [ev(AS_OF - 2000, amount=-100.0, dwell=-3.0), ev(AS_OF - 1000, amount=2.5, dwell=9.0)]})
    x = ProfileEncoder(other).encode(events, None, ["a"], AS_OF)
    assert x.num[0, :2, 0].tolist() == [2.5, -5.0] and x.num[0, :2, 1].tolist() == [0, 0]
    assert x.num[0, :2, 3].tolist() == [0, 1] and x.num[0, 0, 2] == np.float32(math.log1p(9.0))


def test_fit_normalisation_matches_hand_statistics_and_standardises():
    events = make_events(
        {
            "a": [ev(AS_OF - 3000, amount=10.0, dwell=100.0), ev(AS_OF - 1000, amount=-1000.0), ev(AS_OF + 5, amount=1e9)],
            "b": [ev(AS_OF - 10_000, amount=NAN, dwell=400.0)],
        }
    )
    attrs = make_attrs({"a": {"age": 30.0, "tenure_days": 5.0}, "b": {"age": 50.0}, "c": {"age": NAN, "tenure_days": 15.0}})
    fitted_small = fit_normalisation(events, attrs, AS_OF, base=spec(max_events=8, utc_offset_minutes=0))
    assert fitted_small.max_events == 8 and fitted_small.utc_offset_minutes == 0

    def stats(values):
        v = np.array(values, dtype=np.float64)
        v = np.sign(v) * np.log1p(np.abs(v))
        return pytest.approx((v.mean(), v.std()))

    norm = fitted_small.norm
    assert norm("event.amount") == stats([10.0, -1000.0])  # signed log1p; NaN skipped, future event ignored
    assert norm("event.dwell_ms") == stats([100.0, 400.0])
    assert norm("user.age") == stats([30.0, 50.0])
    assert norm("user.tenure_days") == stats([5.0, 15.0])
    assert norm("recency") == stats([1.0, 10.0])
    assert norm("gap") == (pytest.approx(math.log1p(2.0)), 1.0)  # one gap: zero std -> 1
    assert fit_normalisation(None, None, AS_OF, spec()) == spec()

    big_events, big_attrs, users = random_tables(400, seed=3)
    fitted = fit_normalisation(big_events, big_attrs, AS_OF, spec())
    x = ProfileEncoder(fitted).encode(big_events, big_attrs, users, AS_OF)
    real = x.cat[..., 0] != 0
    for value, flag in ((0, 1), (2, 3)):
        v = x.num[..., value][real & (x.num[..., flag] == 0)]
        assert abs(v.mean()) < 1e-3 and abs(v.std() - 1) < 1e-3
    has_age = x.static[:, COLS["age_missing"]] == 0
    has_row = np.isin(users, big_attrs.user_ids)
    assert has_age.sum() == (has_row.sum() - np.isnan(big_attrs.nums["age"]).sum())
    v = x.static[has_age, COLS["age"]]
    assert abs(v.mean()) < 1e-3 and abs(v.std() - 1) < 1e-3


def test_batch_rows_match_encoding_each_user_alone():
    events, attrs, users = random_tables(120, seed=1)
    encoder = ProfileEncoder(fit_normalisation(events, attrs, AS_OF, base=spec(max_events=16)))
    queried = users + ["ghost", users[3]]  # unknown and repeated users
    x = encoder.encode(events, attrs, queried, AS_OF)
    assert np.array_equal(x.cat[3], x.cat[-1]) and np.array_equal(x.static[3], x.static[-1])
    for i, uid in enumerate(queried):
        y = encoder.encode(events, attrs, [uid], AS_OF)  # batch size 1, as on the phone
        assert np.array_equal(y.cat, x.cat[i : i + 1]), uid
        assert np.array_equal(y.num, x.num[i : i + 1]), uid
        assert np.array_equal(y.static, x.static[i : i + 1]), uid


def test_encoding_20000_users_is_fast():
    events, attrs, users = random_tables(20_000, seed=2, min_per_user=64, max_per_user=128)
    assert len(events.ts_ms) >= 20_000 * 64
    encoder = ProfileEncoder(spec())
    start = time.perf_counter()
    x = encoder.encode(events, attrs, users, AS_OF)
    elapsed = time.perf_counter() - start
    assert x.cat.shape == (20_000, 64, 4)
    assert elapsed < 10.0, f"encoding took {elapsed:.1f} s"


def test_describe_covers_every_column_and_is_json():
    s = spec()
    d = ProfileEncoder(s).describe()
    assert json.loads(json.dumps(d)) == d
    cat, num, static = d["inputs"]
    assert (cat["name"], num["name"], static["name"]) == ("cat", "num", "static")
    assert cat["shape"] == ["batch", 64, 4] and [c["name"] for c in cat["columns"]] == ["event_type", "page", "product", "hour"]
    assert [c["vocab_size"] for c in cat["columns"]] == s.cat_vocabs
    assert num["shape"] == ["batch", 64, 6] and [c["name"] for c in num["columns"]] == [
        "amount", "amount_missing", "dwell_ms", "dwell_ms_missing", "log_gap", "log_elapsed"]
    assert static["shape"] == ["batch", s.static_features] and [c["name"] for c in static["columns"]] == static_columns(s)
    for col in num["columns"] + static["columns"]:
        if "missing_flag" in col:
            flagged = (num if col in num["columns"] else static)["columns"][col["missing_flag"]]
            assert flagged["kind"] == "flag"


# --- spec -------------------------------------------------------------------------------------------------


def test_spec_json_round_trip():
    s = spec(max_events=32, utc_offset_minutes=-300, norms={"event.amount": (4.25, 1.5), "recency": (0.0, 0.1 + 0.2)})
    data = json.loads(json.dumps(s.to_json()))
    assert ProfileSpec.from_json(data) == replace(s, norms={k: s.norm(k) for k in s.norm_keys()})
    assert data["format"] == SPEC_FORMAT == "finlite.profile/2" and data["schema"] == SCHEMA.to_json()
    data["norms"]["event.amount"]["std"] = 2  # JSON has one number type: an integer is accepted
    assert ProfileSpec.from_json(data).norm("event.amount") == (4.25, 2.0)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"extra": 1}, "unknown fields"),
        ({"max_events": None}, "missing fields"),
        ({"max_events": 64.0}, "max_events must be an integer"),
        ({"max_events": True}, "max_events must be an integer"),
        ({"max_events": 0}, "max_events"),
        ({"utc_offset_minutes": 900}, "utc_offset_minutes"),
        ({"format": "finlite.profile/1"}, "unsupported profile spec format"),
        ({"norms": {}}, "norms must have exactly the keys"),
        ({"norms": {"gap": {"mean": 0, "std": 0}}}, "finite std > 0"),
        ({"norms": {"gap": {"mean": "0", "std": 1}}}, "norms"),
        ({"schema": {"format": "finlite.schema/9"}}, "profile spec schema"),
    ],
)
def test_spec_from_json_is_strict(change, message):
    data = spec().to_json()
    for key, value in change.items():
        if value is None:
            del data[key]
        elif key == "norms" and value:
            data["norms"] = {**data["norms"], **value}
        else:
            data[key] = value
    with pytest.raises(ValueError, match=message):
        ProfileSpec.from_json(data)


def test_spec_rejects_bad_values_directly():
    with pytest.raises(ValueError, match="std"):
        spec(norms={"user.age": (0.0, -1.0)})
    with pytest.raises(ValueError, match="not a numeric field"):
        spec(norms={"event.page": (0.0, 1.0)})
    with pytest.raises(ValueError, match="JSON object"):
        ProfileSpec.from_json([])


# --- golden vectors (tests/golden/profile_v2.json; Kotlin and Swift replay the same file) ------------------

GOLDEN = Path(__file__).resolve().parent / "golden" / "profile_v2.json"


def _golden_module():
    import importlib.util

    path = GOLDEN.parent / "make_profile_golden.py"
    spec_ = importlib.util.spec_from_file_location("make_profile_golden", path)
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    return module


def test_golden_file_is_up_to_date_with_its_tables():
    assert json.loads(GOLDEN.read_text(encoding="ascii")) == _golden_module().build(), \
        "tests/golden/profile_v2.json is stale: run tests/golden/make_profile_golden.py"


@pytest.mark.parametrize("name", ["synthetic", "other_bank"])
def test_golden_raw_rows_encode_exactly_from_the_files_spec(name):
    golden = json.loads(GOLDEN.read_text(encoding="ascii"))
    entry = next(s for s in golden["schemas"] if s["name"] == name)
    spec_ = ProfileSpec.from_json(entry["profile"])
    cases = entry["cases"]
    assert {"no_events", "no_attributes"} <= {c["name"] for c in cases}
    assert any(len(c["events"]) > spec_.max_events for c in cases)
    cat, num, static = encode_profile_cases(ProfileEncoder(spec_), cases)
    for i, c in enumerate(cases):
        assert cat[i].tolist() == c["inputs"]["cat"], c["name"]
        assert num[i].tolist() == c["inputs"]["num"], c["name"]  # float32 -> JSON -> float32 is exact
        assert static[i].tolist() == c["inputs"]["static"], c["name"]
