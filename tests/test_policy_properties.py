"""Properties of the policy engine over generated inputs: suitability is never violated, caps are never
exceeded, the holdout is never shown anything, and merging exposure logs is order-free and idempotent."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden" / "policy"))

from make_policy_scenarios import schema  # noqa: E402
from policy_helpers import PRODUCTS, TAGS, policy, req  # noqa: E402

from finlite.realtime.policy.engine import PolicyEngine  # noqa: E402
from finlite.realtime.policy.exposure_log import Entry, ExposureLog  # noqa: E402
from finlite.realtime.policy.spec import parse_policy  # noqa: E402

LEVELS = ["1", "2", "3", "4", "5"]
SCHEMA = schema()
unit = st.floats(0.0, 1.0, allow_nan=False)
scores = st.fixed_dictionaries({"tags": st.fixed_dictionaries({t: unit for t in TAGS}),
                                "products": st.fixed_dictionaries({p: unit for p in PRODUCTS})})


def _risky_offers(risks: list[str]) -> list[dict]:
    return [{"id": f"o{i}", "product": PRODUCTS[i % len(PRODUCTS)], "category": f"c{i % 3}", "channels": ["in_app", "push"],
             "value": 1.0 + i / 10, "risk": r, "why": "w"} for i, r in enumerate(risks)]


@settings(max_examples=60, deadline=None)
@given(risks=st.lists(st.sampled_from(LEVELS), min_size=1, max_size=8), user=st.sampled_from(LEVELS + [None]),
       s=scores, slots=st.integers(1, 4), lam=unit)
def test_an_unsuitable_offer_is_never_chosen(risks, user, s, slots, lam):
    pol = parse_policy(policy(offers=_risky_offers(risks), ranking={"slots": slots, "lambda": lam}), SCHEMA)
    decision = PolicyEngine(pol, SCHEMA, ExposureLog("d")).decide(
        req(channels=["in_app", "push"], attributes={"risk_level": user}, src={"default": s}))
    for o in decision["offers"]:
        risk = next(x["risk"] for x in _risky_offers(risks) if x["id"] == o["offer"])
        assert user is not None and LEVELS.index(risk) <= LEVELS.index(user)
    assert user is not None or not decision["offers"]


@settings(max_examples=30, deadline=None)
@given(gaps=st.lists(st.integers(0, 6 * 3_600_000), min_size=1, max_size=25), cap=st.integers(0, 3), s=scores)
def test_a_daily_cap_is_never_exceeded(gaps, cap, s):
    pol = parse_policy(policy(offers=_risky_offers(["1", "2", "3"]), caps=[{"scope": "global", "max": cap, "per": "day"}],
                              ranking={"slots": 2}), SCHEMA)
    engine = PolicyEngine(pol, SCHEMA, ExposureLog("d"))
    t = 0
    for gap in gaps:
        t += gap
        engine.decide(req(t, channels=["in_app"], attributes={"risk_level": "5"}, src={"default": s}))
    from finlite.realtime.policy.local_time import LocalTime
    from zoneinfo import ZoneInfo

    per_day: dict[int, int] = {}
    for e in engine.log:
        day = LocalTime(e.at, ZoneInfo("Europe/Berlin")).day
        per_day[day] = per_day.get(day, 0) + 1
    assert all(n <= cap for n in per_day.values())


@settings(max_examples=30, deadline=None)
@given(s=scores, n=st.integers(1, 5))
def test_the_holdout_is_shown_nothing(s, n):
    pol = parse_policy(policy(offers=_risky_offers(["1", "1"]), experiment={"salt": "x", "arms": [{"id": "h", "buckets": 10_000, "holdout": True}]}), SCHEMA)
    engine = PolicyEngine(pol, SCHEMA, ExposureLog("d"))
    for i in range(n):
        d = engine.decide(req(i * 3_600_000, user=f"u{i}", attributes={"risk_level": "5"}, src={"default": s}))
        assert d["holdout"] and all(not o["shown"] for o in d["offers"])
    assert all(not e.shown for e in engine.log)


entries = st.builds(
    lambda device, seq, user, minute, offer, reset: Entry(f"{device}:{seq}", "reset" if reset else "exposure", user,
                                                          minute * 60_000, *(("", "", "") if reset else (offer, "c", "push")),
                                                          "" if reset else "a", True),
    st.sampled_from(["pa", "pb", "srv"]), st.integers(1, 40), st.sampled_from(["u1", "u2"]), st.integers(0, 500),
    st.sampled_from(["o1", "o2"]), st.sampled_from([False, False, False, True]))  # one in four a reset


def _unique(es: list[Entry]) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for e in es:
        seen.setdefault(e.id, e)
    return list(seen.values())


@settings(max_examples=80, deadline=None)
@given(pool=st.lists(entries, max_size=40), split=st.integers(0, 40))
def test_merging_logs_is_order_free_and_idempotent(pool, split):
    pool = _unique(pool)  # one content per id: a conflict is its own test
    a, b = pool[:split], pool[split:]
    ab = ExposureLog("me", a)
    ab.merge(b)
    ba = ExposureLog("me", b)
    ba.merge(a)
    assert list(ab) == list(ba)
    twice = ExposureLog("me", a)
    twice.merge(b)
    twice.merge(a + b)
    assert list(twice) == list(ab)
    for e in ab:  # nothing a reset erased survives
        resets = [r.at for r in ab if r.kind == "reset" and r.user == e.user]
        assert e.kind == "reset" or all(e.at > t for t in resets)


def test_two_contents_for_one_id_are_a_conflict():
    import pytest

    from finlite.realtime.policy.exposure_log import LogError

    log = ExposureLog("me", [Entry("pb:1", "exposure", "u1", 0, "o1", "c", "push", "a", True)])
    with pytest.raises(LogError, match=r"'pb:1' differs .*\[conflict\]"):
        log.merge([Entry("pb:1", "exposure", "u1", 0, "o2", "c", "push", "a", True)])


def test_a_log_line_that_is_not_an_entry_names_its_line():
    import pytest

    from finlite.realtime.policy.exposure_log import LogError

    good = '{"id":"pa:1","kind":"reset","user":"u1","at":"2026-03-02T10:00:00.000Z"}'
    with pytest.raises(LogError, match=r"log line 2, field 'id': 'pa:0' is not DEVICE:SEQUENCE"):
        ExposureLog.read_entries(good + "\n" + good.replace("pa:1", "pa:0"))
    with pytest.raises(LogError, match=r"log line 1: not JSON"):
        ExposureLog.read_entries("{oops")


def test_a_device_numbers_its_entries_after_the_highest_it_used():
    log = ExposureLog("pa")
    first = log.append_exposure("u1", "o1", "c", "push", 1000, "a", True)
    log.reset("u2", 500)  # erases nothing of u1
    later = log.append_exposure("u1", "o1", "c", "push", 2000, "a", True)
    assert (first.id, later.id) == ("pa:1", "pa:3")
    assert ExposureLog("pb", ExposureLog.read_entries(log.to_lines())).to_lines() == log.to_lines()
