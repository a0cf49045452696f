"""Hand-built raw rows for the finlite.profile/2 golden file (tests/golden/profile_v2.json).

Two schemas: finlite's synthetic bank and another bank (other column names and values, a categorical
``channel`` and a clipped signed-log1p ``balance`` event field, 3 tags, 4 stages, a multi field). Rows are
the text cells of CSV files ("" = empty cell), keyed by the schema's column names.
"""

from __future__ import annotations

from finlite.data.schema import CATEGORICAL, MULTI, NUMERIC, Field, Labels, ProfileSchema, Tag
from finlite.data.synth.vocabulary import synthetic_schema

AS_OF_MS = 1_718_000_000_000  # 2024-06-10T06:13:20Z
MAX_EVENTS = 4
UTC_OFFSET_MINUTES = 480


def other_schema() -> ProfileSchema:
    """Another bank's data: its own column names, values, two extra event fields, 3 tags, 4 stages."""
    events = (
        Field("action", CATEGORICAL, column="evt_name", role="event", values=("app_open", "click_banner", "coupon_claim", "loan_apply_start")),
        Field("screen", CATEGORICAL, column="screen_id", values=("home", "loans", "cards")),
        Field("channel", CATEGORICAL, column="chan", values=("ios", "android", "web")),
        Field("spend", NUMERIC, column="amt", transform="log1p"),
        Field("balance", NUMERIC, column="bal", transform="signed_log1p", clip=(-10000.0, 50000.0)),
    )
    users = (
        Field("segment", CATEGORICAL, column="seg", values=("mass", "affluent")),
        Field("age_years", NUMERIC, column="age", transform="identity"),
        Field("owned", MULTI, column="products_owned", values=("card", "loan", "fund")),
    )
    labels = Labels(stages=("new", "active", "dormant", "gone"), tags=(Tag("saver"), Tag("borrower"), Tag("traveller")),
                    products=("card", "loan", "fund"), user_id="cust", stage="stage", next_product="next_buy")
    return ProfileSchema(events, users, labels, event_user_id="cust", event_timestamp="event_time", user_user_id="cust",
                         description="golden: another bank's schema")


SYNTH_NORMS = {"event.amount": (1.5, 2.0), "event.dwell_ms": (8.0, 1.5), "user.age": (3.6, 0.3), "user.tenure_days": (5.0, 1.2),
               "gap": (7.0, 2.5), "elapsed": (12.0, 2.0), "recency": (10.0, 3.0)}
OTHER_NORMS = {"event.spend": (2.0, 1.0), "event.balance": (4.0, 5.0), "user.age_years": (40.0, 12.0),
               "gap": (6.0, 2.0), "elapsed": (11.0, 2.5), "recency": (9.0, 2.0)}


def _t(hours_before: float) -> str:
    from finlite.data.timestamps import iso_ms

    return iso_ms(AS_OF_MS - int(hours_before * 3_600_000))


def synth_cases() -> list[dict]:
    def ev(user, h, et="app_open", page="home", product="", amount="", dwell="") -> dict:
        return {"user_id": user, "timestamp": _t(h), "event_type": et, "page": page, "product": product, "amount": amount, "dwell_ms": dwell}

    def at(user, age="35", risk="3", tenure="400", holdings="", aum="") -> dict:
        return {"user_id": user, "age": age, "risk_level": risk, "tenure_days": tenure, "holdings": holdings, "aum_bucket": aum}

    s = synthetic_schema()
    et, pg = s.event_fields[0].values, s.event_fields[1].values
    aum, hold = s.user_fields[4].values, s.user_fields[3].values
    return [
        {"name": "truncated_out_of_order", "user_id": "s1", "attributes": at("s1", holdings=";".join(hold[:2]), aum=aum[0]),
         "events": [ev("s1", h, et[i % len(et)], pg[i % len(pg)], amount=str(10 * i - 25), dwell=str(1000 * i)) for i, h in
                    enumerate([3, 30, 1, 50, 7, 0.5])]},
        {"name": "equal_timestamps_future_event", "user_id": "s2", "attributes": at("s2", age="", risk="9", tenure=""),
         "events": [ev("s2", 2, et[0]), ev("s2", 2, et[1]), ev("s2", 2, et[2]), ev("s2", -1, et[3])]},
        {"name": "oov_and_missing", "user_id": "s3", "attributes": at("s3", aum="no_such_bucket", holdings=""),
         "events": [ev("s3", 5, "never_seen", "no_page", "no_product", "-3.5", ""), ev("s3", 6, "", "", "", "", "-0")]},
        {"name": "no_attributes", "user_id": "s4", "attributes": None, "events": [ev("s4", 12, et[1], amount="1e6", dwell="2500")]},
        {"name": "no_events", "user_id": "s5", "attributes": at("s5", holdings=";".join(hold)), "events": []},
        {"name": "neither", "user_id": "s6", "attributes": None, "events": []},
    ]


def other_cases() -> list[dict]:
    def ev(user, h, name="app_open", screen="home", chan="ios", amt="", bal="") -> dict:
        return {"cust": user, "event_time": _t(h), "evt_name": name, "screen_id": screen, "chan": chan, "amt": amt, "bal": bal}

    def at(user, seg="mass", age="30", owned="") -> dict:
        return {"cust": user, "seg": seg, "age": age, "products_owned": owned}

    return [
        {"name": "truncated_out_of_order_clip", "user_id": "c1", "attributes": at("c1", owned="card;fund"),
         "events": [ev("c1", 4, "click_banner", "loans", "web", "12.5", "99999"), ev("c1", 40, "coupon_claim", "cards", "android", "0", "-50000"),
                    ev("c1", 1, "loan_apply_start", "loans", "ios", "300", "1234.5"), ev("c1", 20), ev("c1", 0.25, "app_open", "home", "web", "", "-7"),
                    ev("c1", 9, "click_banner")]},
        {"name": "negative_under_log1p_equal_ts", "user_id": "c2", "attributes": at("c2", seg="private", age=""),
         "events": [ev("c2", 3, amt="-5", bal=""), ev("c2", 3, "coupon_claim", amt="7"), ev("c2", -2, "loan_apply_start")]},
        {"name": "oov_values", "user_id": "c3", "attributes": at("c3", seg="", owned="loan;unknown_product"),
         "events": [ev("c3", 8, "", "settings", "tv", "1", "0"), ev("c3", 9, "pay_bill", "", "", "", "")]},
        {"name": "no_attributes", "user_id": "c4", "attributes": None, "events": [ev("c4", 100, "app_open", amt="5", bal="-20000")]},
        {"name": "no_events", "user_id": "c5", "attributes": at("c5", seg="affluent", age="61", owned="loan"), "events": []},
    ]


def golden_schemas() -> list[tuple[str, ProfileSchema, dict, list[dict]]]:
    """(name, schema, norms, cases) of each schema in the golden file."""
    return [("synthetic", synthetic_schema(), SYNTH_NORMS, synth_cases()), ("other_bank", other_schema(), OTHER_NORMS, other_cases())]
