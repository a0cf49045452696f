"""Scenarios of sequence, absence, model conditions, cooldown/cap, chain, lateness and restarts (by hand)."""

from __future__ import annotations

from scenario_helpers import DAY, ET, MIN, PV, RESTART, S, at, ev, ev_trigger, fire, sc, tick

SEQ = {"id": "search_then_buy", "type": "sequence", "first": ET("search"), "then": ET("purchase"), "within_ms": 5 * MIN}
ABS = {"id": "onboarding_left", "type": "absence", "first": ET("onboarding_step"), "then": ET("onboarding_complete"), "within_ms": 15 * MIN}
STARTED = {"first": at(0), "waited_ms": 15 * MIN}


def sequence_scenarios() -> list[dict]:
    return [
        S("sequence_basic", "search at 0 then purchase 4 min later: fires at the purchase, elapsed 240000",
          [SEQ], [ev(0, event_type="search"), ev(4 * MIN, event_type="purchase")],
          [fire(1, "search_then_buy", 4 * MIN, {"first": at(0), "elapsed_ms": 4 * MIN})]),
        S("sequence_within_inclusive", "exactly 5 min later still fires; 5 min + 1 ms later does not",
          [SEQ], [ev(0, event_type="search"), ev(5 * MIN, event_type="purchase"), ev(10 * MIN, event_type="search"), ev(15 * MIN + 1, event_type="purchase")],
          [fire(1, "search_then_buy", 5 * MIN, {"first": at(0), "elapsed_ms": 5 * MIN})]),
        S("sequence_consumes_first", "a purchase consumes its search: the second purchase has no search before it",
          [SEQ], [ev(0, event_type="search"), ev(MIN, event_type="purchase"), ev(2 * MIN, event_type="purchase")],
          [fire(1, "search_then_buy", MIN, {"first": at(0), "elapsed_ms": MIN})]),
        S("sequence_latest_first", "two searches: the later one (4 min) pairs with the purchase at 8 min, so it is within 5 min",
          [SEQ], [ev(0, event_type="search"), ev(4 * MIN, event_type="search"), ev(8 * MIN, event_type="purchase")],
          [fire(2, "search_then_buy", 8 * MIN, {"first": at(4 * MIN), "elapsed_ms": 4 * MIN})]),
        S("sequence_same_predicate", "two page views within 1 min: each view closes the pair before it and opens a new one",
          [{"id": "two_views", "type": "sequence", "first": PV, "then": PV, "within_ms": MIN}],
          [ev(0, event_type="page_view"), ev(30_000, event_type="page_view"), ev(50_000, event_type="page_view")],
          [fire(1, "two_views", 30_000, {"first": at(0), "elapsed_ms": 30_000}),
           fire(2, "two_views", 50_000, {"first": at(30_000), "elapsed_ms": 20_000})]),
        S("sequence_equal_times", "equal times keep arrival order: search then purchase at one instant fires (elapsed 0); purchase then search at one instant does not",
          [SEQ], [ev(0, event_type="search"), ev(0, event_type="purchase"), ev(10 * MIN, event_type="purchase"), ev(10 * MIN, event_type="search"), ev(20 * MIN, event_type="login")],
          [fire(1, "search_then_buy", 0, {"first": at(0), "elapsed_ms": 0})]),
    ]


def absence_scenarios() -> list[dict]:
    return [
        S("absence_fires_on_tick", "due at 15 min: a tick at 15 min is not past it; a tick at 15 min + 1 ms fires, stamped 15 min",
          [ABS], [ev(0, event_type="onboarding_step"), tick(15 * MIN), tick(15 * MIN + 1)],
          [fire(2, "onboarding_left", 15 * MIN, STARTED)]),
        S("absence_cancelled", "completed after 10 min: no firing, even at a tick an hour later",
          [ABS], [ev(0, event_type="onboarding_step"), ev(10 * MIN, event_type="onboarding_complete"), tick(60 * MIN)], []),
        S("absence_then_at_deadline", "a completion at exactly 15 min is within the time and cancels",
          [ABS], [ev(0, event_type="onboarding_step"), ev(15 * MIN, event_type="onboarding_complete"), tick(30 * MIN)], []),
        S("absence_timer_before_later_event", "a login at 20 min moves the clock: the absence (15 min) fires first, then the login's own trigger",
          [ABS, ev_trigger("login", ET("login"))], [ev(0, event_type="onboarding_step"), ev(20 * MIN, event_type="login")],
          [fire(1, "onboarding_left", 15 * MIN, STARTED), fire(1, "login", 20 * MIN, {"event_type": "login"})]),
        S("absence_no_restart_while_pending", "a 2nd step at 10 min does not move the deadline (15 min); a step at 20 min starts anew (due 35 min)",
          [ABS], [ev(0, event_type="onboarding_step"), ev(10 * MIN, event_type="onboarding_step"), tick(16 * MIN),
                  ev(20 * MIN, event_type="onboarding_step"), tick(36 * MIN)],
          [fire(2, "onboarding_left", 15 * MIN, STARTED), fire(4, "onboarding_left", 35 * MIN, {"first": at(20 * MIN), "waited_ms": 15 * MIN})]),
        S("absence_max_firings", "max_firings 1: the second abandonment does not fire",
          [{**ABS, "max_firings": 1}], [ev(0, event_type="onboarding_step"), tick(20 * MIN), ev(30 * MIN, event_type="onboarding_step"), tick(50 * MIN)],
          [fire(1, "onboarding_left", 15 * MIN, STARTED)]),
    ]


def model_scenarios() -> list[dict]:
    products = {"fund_equity": 0.5, "fund_bond": 0.3, "fund_money_market": 0.3, "fixed_income_wealth": 0.2, "gold": 0.1}
    return [
        S("model_stage_edge", "fires when the top stage becomes pre_churn, not again while it stays, again after it left",
          [{"id": "churning", "type": "model", "condition": {"stage": "pre_churn"}}],
          [sc(0, "active"), sc(DAY, "pre_churn"), sc(2 * DAY, "pre_churn"), sc(3 * DAY, "active"), sc(4 * DAY, "pre_churn")],
          [fire(1, "churning", DAY, {"stage": "pre_churn", "probability": 0.6}), fire(4, "churning", 4 * DAY, {"stage": "pre_churn", "probability": 0.6})]),
        S("model_tag_min_inclusive", "churn_risk >= 0.7: 0.69 does not, 0.7 does",
          [{"id": "risky", "type": "model", "condition": {"tag": "churn_risk", "min": 0.7}}],
          [sc(0, tags={"churn_risk": 0.69}), sc(MIN, tags={"churn_risk": 0.7})],
          [fire(1, "risky", MIN, {"tag": "churn_risk", "score": 0.7})]),
        S("model_product_top_k", "first fund_bond is 4th (no) and fund_money_market 2nd (fires); then fund_bond rises to tie it at 0.3 and comes first in the schema's order: fund_bond rank 2 <= 3 fires, fund_money_market drops to 3",
          [{"id": "bond_top3", "type": "model", "condition": {"product": "fund_bond", "top_k": 3}},
           {"id": "mm_top2", "type": "model", "condition": {"product": "fund_money_market", "top_k": 2}}],
          [sc(0, products={**products, "fund_bond": 0.15}), sc(MIN, products=products)],
          [fire(0, "mm_top2", 0, {"product": "fund_money_market", "rank": 2}), fire(1, "bond_top3", MIN, {"product": "fund_bond", "rank": 2})]),
        S("when_gates_event", "a funds view fires only while fund_preference >= 0.5: before any scores no, at 0.6 yes, at 0.4 no",
          [ev_trigger("funds_fan", {"field": "page", "eq": "funds"}, when={"tag": "fund_preference", "min": 0.5})],
          [ev(0, page="funds"), sc(MIN, tags={"fund_preference": 0.6}), ev(2 * MIN, page="funds"), sc(3 * MIN, tags={"fund_preference": 0.4}), ev(4 * MIN, page="funds")],
          [fire(2, "funds_fan", 2 * MIN, {"page": "funds"})]),
    ]


def limit_scenarios() -> list[dict]:
    login = ET("login")
    return [
        S("cooldown_exclusive_end", "cooldown 10 min: fires at 0, not 5, at exactly 10 (the cooldown is over), not 15 or 19:59, at 20",
          [ev_trigger("login", login, cooldown_ms=10 * MIN)],
          [ev(t, event_type="login") for t in (0, 5 * MIN, 10 * MIN, 15 * MIN, 20 * MIN - 1000, 20 * MIN)],
          [fire(0, "login", 0, {"event_type": "login"}), fire(2, "login", 10 * MIN, {"event_type": "login"}), fire(5, "login", 20 * MIN, {"event_type": "login"})]),
        S("cap_counts_firings_only", "max_firings 2, cooldown 1 min: a suppressed match does not use up the cap; the 2nd firing is at 1 min; then none",
          [ev_trigger("login", login, cooldown_ms=MIN, max_firings=2)],
          [ev(t, event_type="login") for t in (0, 30_000, MIN, 2 * MIN, 3 * MIN)],
          [fire(0, "login", 0, {"event_type": "login"}), fire(2, "login", MIN, {"event_type": "login"})]),
        S("cooldown_per_group", "the cooldown of group_by page is per page: funds, cards both fire; funds again within the hour does not",
          [ev_trigger("page", PV, cooldown_ms=60 * MIN, group_by="page")],
          [ev(0, event_type="page_view", page="funds"), ev(MIN, event_type="page_view", page="cards"), ev(2 * MIN, event_type="page_view", page="funds")],
          [fire(0, "page", 0, {"event_type": "page_view", "page": "funds"}, group="funds"),
           fire(1, "page", MIN, {"event_type": "page_view", "page": "cards"}, group="cards")]),
    ]


def chain_scenarios() -> list[dict]:
    steps = [ev_trigger("login", ET("login")), ev_trigger("buy", ET("purchase")),
             {"id": "login_then_buy", "type": "chain", "steps": ["login", "buy"], "within_ms": 10 * MIN}]
    return [
        S("chain_basic", "login (0) then purchase (5 min): both fire, then the chain, stamped with its last step",
          steps, [ev(0, event_type="login"), ev(5 * MIN, event_type="purchase")],
          [fire(0, "login", 0, {"event_type": "login"}), fire(1, "buy", 5 * MIN, {"event_type": "purchase"}),
           fire(1, "login_then_buy", 5 * MIN, {"steps": [at(0), at(5 * MIN)]})]),
        S("chain_timeout_restarts", "a purchase 11 min after the login is too late; the next login restarts the chain",
          steps, [ev(0, event_type="login"), ev(11 * MIN, event_type="purchase"), ev(12 * MIN, event_type="login"), ev(13 * MIN, event_type="purchase")],
          [fire(0, "login", 0, {"event_type": "login"}), fire(1, "buy", 11 * MIN, {"event_type": "purchase"}),
           fire(2, "login", 12 * MIN, {"event_type": "login"}), fire(3, "buy", 13 * MIN, {"event_type": "purchase"}),
           fire(3, "login_then_buy", 13 * MIN, {"steps": [at(12 * MIN), at(13 * MIN)]})]),
        S("chain_over_absence", "onboarding left (absence at 15 min) and then a push opened within a day: the chain fires at the push",
          [ABS, ev_trigger("push", ET("push_open")),
           {"id": "left_then_push", "type": "chain", "steps": ["onboarding_left", "push"], "within_ms": DAY}],
          [ev(0, event_type="onboarding_step"), tick(16 * MIN), ev(120 * MIN, event_type="push_open")],
          [fire(1, "onboarding_left", 15 * MIN, STARTED), fire(2, "push", 120 * MIN, {"event_type": "push_open"}),
           fire(2, "left_then_push", 120 * MIN, {"steps": [at(15 * MIN), at(120 * MIN)]})]),
    ]


def order_scenarios() -> list[dict]:
    count2 = {"id": "two_logins", "type": "count", "match": ET("login"), "goal": 2, "window_ms": 60 * MIN}
    return [
        S("late_within_lateness_reordered", "lateness 60 s: the search at 50 s arrives after the purchase at 100 s (watermark 40 s), is reordered, and the pair fires once the watermark passes 100 s",
          [SEQ], [ev(100_000, event_type="purchase"), ev(50_000, event_type="search"), tick(159_999), tick(160_000)],
          [fire(3, "search_then_buy", 100_000, {"first": at(50_000), "elapsed_ms": 50_000})], lateness=60_000),
        S("late_beyond_dropped", "lateness 60 s: after a login at 200 s the watermark is 140 s, a login at 100 s is dropped (late 1); the login at 300 s pairs with 200 s",
          [count2], [ev(200_000, event_type="login"), ev(100_000, event_type="login"), tick(250_000), ev(300_000, event_type="login"), tick(360_000)],
          [fire(4, "two_logins", 300_000, {"count": 2, "first": at(200_000)})], late=1, lateness=60_000),
        S("lateness_zero_equal_time", "lateness 0: an event at the watermark itself (equal time) is on time; one a millisecond older is late",
          [count2], [ev(MIN, event_type="login"), ev(MIN, event_type="login"), ev(MIN - 1, event_type="login")],
          [fire(1, "two_logins", MIN, {"count": 2, "first": at(MIN)})], late=1),
        S("firing_waits_for_watermark", "lateness 60 s: an event at 0 fires only when the clock reaches 60 s (watermark 0), stamped 0",
          [ev_trigger("login", ET("login"))], [ev(0, event_type="login"), tick(59_999), tick(60_000)],
          [fire(2, "login", 0, {"event_type": "login"})], lateness=60_000),
        S("scores_are_ordered_too", "lateness 60 s: scores stamped 30 s arrive after a funds view at 40 s and still gate it (processed first)",
          [ev_trigger("funds_fan", {"field": "page", "eq": "funds"}, when={"tag": "fund_preference", "min": 0.5})],
          [ev(40_000, page="funds"), sc(30_000, tags={"fund_preference": 0.9}), tick(100_000)],
          [fire(2, "funds_fan", 40_000, {"page": "funds"})], lateness=60_000),
    ]


def restart_scenarios() -> list[dict]:
    return [
        S("restart_mid_count_window", "3 logins in an hour with a restart after the 2nd: the count survives",
          [{"id": "logins", "type": "count", "match": ET("login"), "goal": 3, "window_ms": 60 * MIN}],
          [ev(0, event_type="login"), ev(10 * MIN, event_type="login"), RESTART, ev(20 * MIN, event_type="login")],
          [fire(3, "logins", 20 * MIN, {"count": 3, "first": at(0)})]),
        S("restart_pending_absence", "the pending onboarding survives a restart and fires at the next tick",
          [ABS], [ev(0, event_type="onboarding_step"), RESTART, tick(16 * MIN)], [fire(2, "onboarding_left", 15 * MIN, STARTED)]),
        S("restart_buffered_input", "lateness 60 s: an event still in the reorder buffer survives a restart",
          [ev_trigger("login", ET("login"))], [ev(0, event_type="login"), RESTART, tick(60_000)],
          [fire(2, "login", 0, {"event_type": "login"})], lateness=60_000),
        S("restart_keeps_cooldown_days_late", "Mar 2 + Mar 3 fire; a late event is counted; Mar 4 and 5 are in the 7-day cooldown (kept across a restart); Mar 10 (exactly 7 days on) fires with Mar 4, 5, 10 (Mar 2 and 3 left the 7 days)",
          [{"id": "days", "type": "distinct_days", "match": PV, "goal": 2, "window_days": 7, "cooldown_ms": 7 * DAY}],
          [ev(0, event_type="page_view"), ev(DAY, event_type="page_view"), ev(MIN, event_type="page_view"), RESTART,
           ev(2 * DAY, event_type="page_view"), ev(3 * DAY, event_type="page_view"), RESTART, ev(8 * DAY, event_type="page_view")],
          [fire(1, "days", DAY, {"days": ["2026-03-02", "2026-03-03"]}), fire(7, "days", 8 * DAY, {"days": ["2026-03-04", "2026-03-05", "2026-03-10"]})], late=1),
    ]
