"""Scenarios of the event primitives: predicates, dwell, count, distinct days (expected firings by hand)."""

from __future__ import annotations

from scenario_helpers import DAY, ET, FUNDS, MIN, PV, S, at, ev, ev_trigger, fire, utc


def predicate_scenarios() -> list[dict]:
    return [
        S("event_eq", "page eq funds: the 1st and 3rd events match, the home page does not",
          [ev_trigger("funds", FUNDS)],
          [ev(0, event_type="page_view", page="funds"), ev(MIN, event_type="page_view", page="home"), ev(2 * MIN, event_type="page_view", page="funds")],
          [fire(0, "funds", 0, {"event_type": "page_view", "page": "funds"}), fire(2, "funds", 2 * MIN, {"event_type": "page_view", "page": "funds"})]),
        S("event_ne_missing", "ne is false on a missing value: the event without a page does not fire, only cards does",
          [ev_trigger("not_home", {"field": "page", "ne": "home"})],
          [ev(0, event_type="page_view", page="home"), ev(MIN, event_type="login"), ev(2 * MIN, event_type="page_view", page="cards")],
          [fire(2, "not_home", 2 * MIN, {"event_type": "page_view", "page": "cards"})]),
        S("event_in", "in [funds, fund_detail]: loans is not a member",
          [ev_trigger("fund_pages", {"field": "page", "in": ["funds", "fund_detail"]})],
          [ev(0, page="funds"), ev(MIN, page="loans"), ev(2 * MIN, page="fund_detail")],
          [fire(0, "fund_pages", 0, {"page": "funds"}), fire(2, "fund_pages", 2 * MIN, {"page": "fund_detail"})]),
        S("event_not_in_missing", "not_in [home]: home is excluded and a missing page is false too",
          [ev_trigger("elsewhere", {"field": "page", "not_in": ["home"]})],
          [ev(0, page="home"), ev(MIN, page="cards"), ev(2 * MIN, event_type="logout")],
          [fire(1, "elsewhere", MIN, {"page": "cards"})]),
        S("numeric_gt_le", "amount > 100 and <= 500: 100 fails gt, 100.5 and 500 pass, 501 fails le",
          [ev_trigger("mid", {"and": [{"field": "amount", "gt": 100}, {"field": "amount", "le": 500}]})],
          [ev(0, amount=100), ev(MIN, amount=100.5), ev(2 * MIN, amount=500), ev(3 * MIN, amount=501)],
          [fire(1, "mid", MIN, {"amount": 100.5}), fire(2, "mid", 2 * MIN, {"amount": 500})]),
        S("numeric_lt_or_ge", "amount < -10 or >= 1000: -10 is not < -10; -10.5 and 1000 fire; 999 does not",
          [ev_trigger("big", {"or": [{"field": "amount", "lt": -10}, {"field": "amount", "ge": 1000}]})],
          [ev(0, amount=-10), ev(MIN, amount=-10.5), ev(2 * MIN, amount=999), ev(3 * MIN, amount=1000)],
          [fire(1, "big", MIN, {"amount": -10.5}), fire(3, "big", 3 * MIN, {"amount": 1000})]),
        S("numeric_in_eq", "amount in [100, 200] and ne 200 is false; eq 150 fires on its own trigger",
          [ev_trigger("listed", {"and": [{"field": "amount", "in": [100, 200]}, {"field": "amount", "ne": 200}]}),
           ev_trigger("exact", {"field": "amount", "eq": 150})],
          [ev(0, amount=100), ev(MIN, amount=150), ev(2 * MIN, amount=200)],
          [fire(0, "listed", 0, {"amount": 100}), fire(1, "exact", MIN, {"amount": 150})]),
        S("not_predicate", "not(event_type eq login): logout fires; an event without event_type fires too (the comparison is false, not inverts it)",
          [ev_trigger("not_login", {"not": ET("login")})],
          [ev(0, event_type="login"), ev(MIN, event_type="logout"), ev(2 * MIN, page="home")],
          [fire(1, "not_login", MIN, {"event_type": "logout"}), fire(2, "not_login", 2 * MIN, {"page": "home"})]),
        S("and_or_nested", "page_view and (page funds or product fund_bond): the search on funds fails the and",
          [ev_trigger("fundish", {"and": [PV, {"or": [FUNDS, {"field": "product", "in": ["fund_bond"]}]}]})],
          [ev(0, event_type="search", page="funds"), ev(MIN, event_type="page_view", page="home", product="fund_bond"),
           ev(2 * MIN, event_type="page_view", page="funds", product="none"), ev(3 * MIN, event_type="page_view", page="home", product="gold")],
          [fire(1, "fundish", MIN, {"event_type": "page_view", "page": "home", "product": "fund_bond"}),
           fire(2, "fundish", 2 * MIN, {"event_type": "page_view", "page": "funds", "product": "none"})]),
    ]


def dwell_scenarios() -> list[dict]:
    single = {"id": "long_view", "type": "dwell", "match": PV, "field": "dwell_ms", "min_ms": 30000}
    return [
        S("dwell_single_inclusive", "one view >= 30000 ms: 29999 does not fire, 30000 does (inclusive), 45000 does",
          [single],
          [ev(0, event_type="page_view", dwell_ms=29999), ev(MIN, event_type="page_view", dwell_ms=30000), ev(2 * MIN, event_type="page_view", dwell_ms=45000)],
          [fire(1, "long_view", MIN, {"dwell_ms": 30000}), fire(2, "long_view", 2 * MIN, {"dwell_ms": 45000})]),
        S("dwell_single_match_and_missing", "a long dwell on a non-matching event or a matching event without dwell does not fire",
          [{**single, "match": {"and": [PV, FUNDS]}}],
          [ev(0, event_type="page_view", page="home", dwell_ms=90000), ev(MIN, event_type="page_view", page="funds"),
           ev(2 * MIN, event_type="page_view", page="funds", dwell_ms=40000)],
          [fire(2, "long_view", 2 * MIN, {"dwell_ms": 40000})]),
        S("dwell_total_window", "total dwell in a 10 min window: 20 s + 20 s + 20 s reaches 60 s at the 3rd view",
          [{"id": "total", "type": "dwell", "match": PV, "field": "dwell_ms", "min_ms": 60000, "window_ms": 10 * MIN}],
          [ev(0, event_type="page_view", dwell_ms=20000), ev(2 * MIN, event_type="page_view", dwell_ms=20000), ev(4 * MIN, event_type="page_view", dwell_ms=20000)],
          [fire(2, "total", 4 * MIN, {"total": 60000, "events": 3})]),
        S("dwell_total_lower_bound_exclusive", "window (t - 60 s, t]: funds at 0 and 59.999 s sum to 60 s; fund_detail at 0 and 60.000 s does not (0 is outside)",
          [{"id": "total", "type": "dwell", "match": PV, "field": "dwell_ms", "min_ms": 60000, "window_ms": MIN, "group_by": "page"}],
          [ev(0, event_type="page_view", page="funds", dwell_ms=30000), ev(0, event_type="page_view", page="fund_detail", dwell_ms=30000),
           ev(59_999, event_type="page_view", page="funds", dwell_ms=30000), ev(60_000, event_type="page_view", page="fund_detail", dwell_ms=30000)],
          [fire(2, "total", 59_999, {"total": 60000, "events": 2}, group="funds")]),
        S("dwell_total_unless", "a purchase empties the window: 20 s, 20 s, purchase, 20 s (only 20 s), 20 s -> 40 s fires",
          [{"id": "total", "type": "dwell", "match": PV, "field": "dwell_ms", "min_ms": 40000, "window_ms": 30 * MIN, "unless": ET("purchase")}],
          [ev(0, event_type="page_view", dwell_ms=20000), ev(MIN, event_type="page_view", dwell_ms=19000), ev(2 * MIN, event_type="purchase"),
           ev(3 * MIN, event_type="page_view", dwell_ms=20000), ev(4 * MIN, event_type="page_view", dwell_ms=20000)],
          [fire(4, "total", 4 * MIN, {"total": 40000, "events": 2})]),
    ]


def count_scenarios() -> list[dict]:
    logins = {"id": "logins", "type": "count", "match": ET("login"), "goal": 3, "window_ms": 60 * MIN}
    return [
        S("count_basic", "3 logins within an hour fire at the 3rd; a 4th fires again (no cooldown), counting 10-30 min",
          [logins],
          [ev(0, event_type="login"), ev(10 * MIN, event_type="login"), ev(20 * MIN, event_type="login"), ev(30 * MIN, event_type="login")],
          [fire(2, "logins", 20 * MIN, {"count": 3, "first": at(0)}), fire(3, "logins", 30 * MIN, {"count": 3, "first": at(10 * MIN)})]),
        S("count_window_exclusive", "goal 2 in (t - 60 min, t]: 0 and 60 min do not pair; 60 and 61 min do",
          [{**logins, "goal": 2}],
          [ev(0, event_type="login"), ev(60 * MIN, event_type="login"), ev(61 * MIN, event_type="login")],
          [fire(2, "logins", 61 * MIN, {"count": 2, "first": at(60 * MIN)})]),
        S("count_unless", "a purchase resets: view, purchase, view (1), view (2) fires",
          [{"id": "views", "type": "count", "match": PV, "goal": 2, "window_ms": DAY, "unless": ET("purchase")}],
          [ev(0, event_type="page_view"), ev(MIN, event_type="purchase"), ev(2 * MIN, event_type="page_view"), ev(3 * MIN, event_type="page_view")],
          [fire(3, "views", 3 * MIN, {"count": 2, "first": at(2 * MIN)})]),
        S("count_group_by", "counted per product: the 2nd fund_bond view fires for fund_bond; fund_equity has one",
          [{"id": "views", "type": "count", "match": PV, "goal": 2, "window_ms": DAY, "group_by": "product"}],
          [ev(0, event_type="page_view", product="fund_bond"), ev(MIN, event_type="page_view", product="fund_equity"), ev(2 * MIN, event_type="page_view", product="fund_bond")],
          [fire(2, "views", 2 * MIN, {"count": 2, "first": at(0)}, group="fund_bond")]),
    ]


def days_scenarios() -> list[dict]:
    days = {"id": "days", "type": "distinct_days", "match": PV, "goal": 3, "window_days": 7}
    return [
        S("days_basic", "views Mon, Mon, Wed, Fri (Berlin): the 3rd distinct day is Friday",
          [days],
          [ev(0, event_type="page_view"), ev(2 * 3_600_000, event_type="page_view"), ev(2 * DAY, event_type="page_view"), ev(4 * DAY, event_type="page_view")],
          [fire(3, "days", 4 * DAY, {"days": ["2026-03-02", "2026-03-04", "2026-03-06"]})]),
        S("days_window_edge", "7 days ending with the event's day: on day 8 (Mar 9) day 1 (Mar 2) is out, so days 4 and 8 only; day 9 makes 3",
          [days],
          [ev(0, event_type="page_view"), ev(3 * DAY, event_type="page_view"), ev(7 * DAY, event_type="page_view"), ev(8 * DAY, event_type="page_view")],
          [fire(3, "days", 8 * DAY, {"days": ["2026-03-05", "2026-03-09", "2026-03-10"]})]),
        S("days_local_midnight", "Asia/Shanghai (UTC+8): 15:59:59Z and 16:00Z are two local days (Mar 2, Mar 3); 20:00Z next day is Mar 4 local — in UTC only Mar 2 and 3",
          [days],
          [ev(utc("2026-03-02T15:59:59"), event_type="page_view"), ev(utc("2026-03-02T16:00:00"), event_type="page_view"),
           ev(utc("2026-03-03T20:00:00"), event_type="page_view")],
          [fire(2, "days", utc("2026-03-03T20:00:00"), {"days": ["2026-03-02", "2026-03-03", "2026-03-04"]})], zone="Asia/Shanghai"),
        S("days_utc_zone", "time zone UTC: 23:59:59.999Z and 00:00Z are two days; 'UTC' is a zone name in every engine",
          [{**days, "goal": 2}],
          [ev(utc("2026-03-02T23:59:59.999"), event_type="page_view"), ev(utc("2026-03-03T00:00:00"), event_type="page_view")],
          [fire(1, "days", utc("2026-03-03T00:00:00"), {"days": ["2026-03-02", "2026-03-03"]})], zone="UTC"),
        S("days_dst_spring", "Berlin springs forward on 2026-03-29 (01:00Z): 21:59Z is 23:59 Mar 29 (UTC+2), 22:00Z is 00:00 Mar 30 — a fixed +1 h offset would see Mar 29 twice",
          [days],
          [ev(utc("2026-03-28T22:30:00"), event_type="page_view"), ev(utc("2026-03-28T23:30:00"), event_type="page_view"),
           ev(utc("2026-03-29T21:59:00"), event_type="page_view"), ev(utc("2026-03-29T22:00:00"), event_type="page_view")],
          [fire(3, "days", utc("2026-03-29T22:00:00"), {"days": ["2026-03-28", "2026-03-29", "2026-03-30"]})]),
        S("days_dst_autumn", "Berlin falls back on 2026-10-25 (a 25 h day): 22:00Z Oct 24 is 00:00 Oct 25 (UTC+2), 22:59Z Oct 25 is 23:59 Oct 25 (UTC+1), 23:00Z is Oct 26",
          [days],
          [ev(utc("2026-10-24T21:59:00"), event_type="page_view"), ev(utc("2026-10-24T22:00:00"), event_type="page_view"),
           ev(utc("2026-10-25T22:59:00"), event_type="page_view"), ev(utc("2026-10-25T23:00:00"), event_type="page_view")],
          [fire(3, "days", utc("2026-10-25T23:00:00"), {"days": ["2026-10-24", "2026-10-25", "2026-10-26"]})]),
        S("days_unless_per_group", "the seed rule: fund_bond viewed Mon and Tue, bought Tue, viewed Wed: reset, no firing; fund_equity viewed Mon, Tue, Wed fires",
          [{**days, "match": {"and": [PV, {"field": "product", "ne": "none"}]}, "unless": ET("purchase"), "group_by": "product"}],
          [ev(0, event_type="page_view", product="fund_bond"), ev(MIN, event_type="page_view", product="fund_equity"),
           ev(DAY, event_type="page_view", product="fund_bond"), ev(DAY + MIN, event_type="page_view", product="fund_equity"),
           ev(DAY + 2 * MIN, event_type="purchase", product="fund_bond"), ev(2 * DAY, event_type="page_view", product="fund_bond"),
           ev(2 * DAY + MIN, event_type="page_view", product="fund_equity"), ev(2 * DAY + 2 * MIN, event_type="page_view", product="none")],
          [fire(6, "days", 2 * DAY + MIN, {"days": ["2026-03-02", "2026-03-03", "2026-03-04"]}, group="fund_equity")]),
    ]
