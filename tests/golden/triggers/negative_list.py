"""Shared negative spec cases: each spec is refused with the error code given (all three languages)."""

from __future__ import annotations

PV = {"field": "event_type", "eq": "page_view"}


def _case(name: str, code: str, trigger: dict | None = None, *, spec: dict | None = None, others: list | None = None,
          names: str | None = None) -> dict:
    body = {"format": "finlite.triggers/1", "time_zone": "Europe/Berlin", "triggers": [*(others or []), *([trigger] if trigger else [])]}
    body.update(spec or {})
    named = names or (None if spec or trigger is None else trigger["id"])  # the trigger the message must name
    return {"name": name, "code": code, "trigger": named, "spec": body}


def ev(tid: str, match: dict, **extra) -> dict:
    return {"id": tid, "type": "event", "match": match, **extra}


def chain(tid: str, steps: list[str]) -> dict:
    return {"id": tid, "type": "chain", "steps": steps, "within_ms": 60000}


def negatives() -> list[dict]:
    return [
        _case("unknown_field", "unknown_field", ev("t", {"field": "channel", "eq": "app"})),
        _case("unknown_field_nested", "unknown_field", ev("t", {"and": [PV, {"not": {"field": "balance", "gt": 1}}]})),
        _case("unknown_group_by", "unknown_field", ev("t", PV, group_by="channel")),
        _case("unknown_schema_value", "unknown_value", ev("t", {"field": "page", "eq": "fundz"})),
        _case("unknown_value_in_list", "unknown_value", ev("t", {"field": "product", "in": ["fund_bond", "bitcoin"]})),
        _case("unknown_stage", "unknown_value", {"id": "t", "type": "model", "condition": {"stage": "zombie"}}),
        _case("unknown_tag", "unknown_value", ev("t", PV, when={"tag": "loyalty", "min": 0.5})),
        _case("unknown_product", "unknown_value", {"id": "t", "type": "model", "condition": {"product": "crypto", "top_k": 3}}),
        _case("negative_duration", "negative_duration", {"id": "t", "type": "sequence", "first": PV, "then": PV, "within_ms": -5}),
        _case("zero_window", "negative_duration", {"id": "t", "type": "count", "match": PV, "goal": 2, "window_ms": 0}),
        _case("negative_cooldown", "negative_duration", ev("t", PV, cooldown_ms=-1)),
        _case("negative_lateness", "negative_duration", ev("t", PV), spec={"allowed_lateness_ms": -1000}),
        _case("chain_cycle", "chain_cycle", chain("a", ["b", "x"]), others=[ev("x", PV), chain("b", ["a", "x"])], names="b"),
        _case("chain_self_cycle", "chain_cycle", chain("a", ["x", "a"]), others=[ev("x", PV)]),
        _case("chain_unknown_step", "unknown_trigger", chain("a", ["x", "nope"]), others=[ev("x", PV)]),
        _case("duplicate_id", "duplicate_id", ev("x", PV), others=[ev("x", PV)]),
        _case("unknown_type", "unknown_type", {"id": "t", "type": "geofence"}),
        _case("missing_goal", "missing_key", {"id": "t", "type": "count", "match": PV, "window_ms": 1000}),
        _case("misspelt_key", "unknown_key", {"id": "t", "type": "count", "match": PV, "goal": 2, "windw_ms": 1000}),
        _case("order_on_categorical", "wrong_kind", ev("t", {"field": "page", "gt": "funds"})),
        _case("dwell_on_categorical", "wrong_kind", {"id": "t", "type": "dwell", "match": PV, "field": "page", "min_ms": 1000}),
        _case("number_as_text", "bad_type", ev("t", {"field": "amount", "gt": "100"})),
        _case("tag_min_above_one", "bad_type", ev("t", PV, when={"tag": "churn_risk", "min": 1.5})),
        _case("top_k_zero", "bad_count", {"id": "t", "type": "model", "condition": {"product": "gold", "top_k": 0}}),
        _case("max_firings_zero", "bad_count", ev("t", PV, max_firings=0)),
        _case("window_days_too_long", "bad_count", {"id": "t", "type": "distinct_days", "match": PV, "goal": 2, "window_days": 400}),
        _case("empty_and", "bad_predicate", ev("t", {"and": []})),
        _case("two_ops", "bad_predicate", ev("t", {"field": "amount", "gt": 1, "lt": 5})),
        _case("bad_id", "bad_id", ev("9lives", PV)),
        _case("bad_time_zone", "bad_time_zone", ev("t", PV), spec={"time_zone": "Mars/Olympus_Mons"}),
        _case("offset_is_not_a_zone", "bad_time_zone", ev("t", PV), spec={"time_zone": "+08:00"}),
        _case("bad_format", "bad_format", ev("t", PV), spec={"format": "finlite.triggers/2"}),
        _case("no_triggers", "bad_type", None),
    ]
