"""Policies and requests the readers must refuse: (name, code, offer or None, field, policy changes / request)."""

from __future__ import annotations

from policy_helpers import offers, policy, req

NEGATIVE_POLICIES = [
    ("bad_format", "bad_format", None, "format", policy(format="finlite.policy/2")),
    ("bad_time_zone", "bad_time_zone", None, "time_zone", policy(time_zone="Mars/Olympus")),
    ("misspelt_key", "unknown_key", None, "offer", {**policy(), "offer": []}),
    ("no_offers", "missing_key", None, "offers", {k: v for k, v in policy().items() if k != "offers"}),
    ("duplicate_offer", "duplicate_id", None, "offers[1].id", policy(offers=offers("bond_fund") * 2)),
    ("bad_offer_id", "bad_id", None, "offers[0].id", policy(offers=offers("bond_fund", bond_fund={"id": "1bond"}))),
    ("unknown_product", "unknown_value", "bond_fund", "product", policy(offers=offers("bond_fund", bond_fund={"product": "crypto"}))),
    ("unknown_offer_channel", "unknown_channel", "bond_fund", "channels[1]",
     policy(offers=offers("bond_fund", bond_fund={"channels": ["in_app", "sms"]}))),
    ("unknown_risk_level", "unknown_value", "bond_fund", "risk", policy(offers=offers("bond_fund", bond_fund={"risk": "6"}))),
    ("risk_without_suitability", "missing_key", "bond_fund", "risk",
     {k: v for k, v in policy(offers=offers("bond_fund")).items() if k != "suitability"}),
    ("zero_value", "bad_type", "bond_fund", "value", policy(offers=offers("bond_fund", bond_fund={"value": 0}))),
    ("unknown_attribute", "unknown_field", "pension", "eligible[0].attribute",
     policy(offers=offers("pension", pension={"eligible": [{"attribute": "income", "ge": 1}]}))),
    ("numeric_attribute_in", "wrong_kind", "pension", "eligible[0]",
     policy(offers=offers("pension", pension={"eligible": [{"attribute": "age", "in": ["40"]}]}))),
    ("unknown_stage", "unknown_value", "mortgage", "eligible[0].stage",
     policy(offers=offers("mortgage", mortgage={"eligible": [{"stage": ["vip"]}]}))),
    ("unknown_condition", "bad_condition", "mortgage", "eligible[0]",
     policy(offers=offers("mortgage", mortgage={"eligible": [{"score": 1}]}))),
    ("tag_min_above_one", "bad_type", "equity_fund", "eligible[0].min",
     policy(offers=offers("equity_fund", equity_fund={"eligible": [{"tag": "fund_preference", "min": 1.5}]}))),
    ("bad_valid_from", "bad_time", "bond_fund", "valid_from", policy(offers=offers("bond_fund", bond_fund={"valid_from": "2026-02-30"}))),
    ("valid_until_before_from", "bad_time", "bond_fund", "valid_until",
     policy(offers=offers("bond_fund", bond_fund={"valid_from": "2026-03-02", "valid_until": "2026-03-01"}))),
    ("bad_quiet_hours", "bad_time", None, "channels[0].quiet_hours.to",
     policy(channels=[{"id": "in_app", "quiet_hours": {"from": "21:00", "to": "24:00"}}, {"id": "push"}, {"id": "inbox"}])),
    ("quiet_hours_trailing_newline", "bad_time", None, "channels[0].quiet_hours.to",  # a regex's $ must not let a newline through
     policy(channels=[{"id": "in_app", "quiet_hours": {"from": "21:00", "to": "08:00\n"}}, {"id": "push"}, {"id": "inbox"}])),
    ("offer_id_trailing_newline", "bad_id", None, "offers[0].id", policy(offers=offers("bond_fund", bond_fund={"id": "bond_fund\n"}))),
    ("holdings_not_multi", "wrong_kind", None, "holdings", policy(holdings="age")),
    ("zero_slots", "bad_count", None, "ranking.slots", policy(ranking={"slots": 0})),
    ("lambda_above_one", "bad_type", None, "ranking.lambda", policy(ranking={"lambda": 1.5})),
    ("cap_without_period", "missing_key", None, "caps[0].per", policy(caps=[{"scope": "global", "max": 1}])),
    ("cap_unknown_channel", "unknown_channel", None, "caps[0].match",
     policy(caps=[{"scope": "channel", "match": "sms", "max": 1, "per": "day"}])),
    ("cap_negative_window", "negative_duration", None, "caps[0].window_ms",
     policy(caps=[{"scope": "global", "max": 1, "window_ms": -5}])),
    ("buckets_do_not_sum", "bad_buckets", None, "experiment.arms",
     policy(experiment={"salt": "s", "arms": [{"id": "a", "buckets": 5000}, {"id": "b", "buckets": 4000}]})),
    ("duplicate_channel", "duplicate_id", None, "channels[1].id", policy(channels=[{"id": "in_app"}, {"id": "in_app"}])),
]

NEGATIVE_REQUESTS = [
    ("unknown_attribute", "unknown_field", "attributes.income", {**req(), "attributes": {"income": 5}}),
    ("numeric_attribute_as_text", "bad_type", "attributes.age", {**req(), "attributes": {"age": "35"}}),
    ("multi_attribute_as_text", "bad_type", "attributes.holdings", {**req(), "attributes": {"holdings": "fund_bond"}}),
    ("unknown_channel", "unknown_channel", "channels[0]", req(channels=["sms"])),
    ("bad_time", "bad_time", "at", req("yesterday")),
    ("at_epoch_ms", "bad_time", "at", req("1780000000000")),  # digits are not a time here, in every language
    ("at_basic_format", "bad_time", "at", req("20260528")),  # ISO 8601 basic format: not in the grammar (docs/policy.md)
    ("no_user", "missing_key", "user", {k: v for k, v in req().items() if k != "user"}),
    ("score_not_a_number", "bad_type", "scores.default.tags", req(src={"default": {"tags": {"churn_risk": "high"}}})),
]
