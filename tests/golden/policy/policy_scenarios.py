"""The golden decision scenarios: each states by hand what must be chosen (offer, channel) and which check
refuses which offer; make_scenarios.py stops when the reference engine disagrees."""

from __future__ import annotations

from policy_helpers import DAY, HOUR, WEEK, S, decide, entry, offers, policy, req, scores, utc

R5 = {"risk_level": "5"}
BOND = {"default": scores({"fund_bond": 0.5})}
CARD = {"default": scores({"credit_card": 0.5}, {"credit_appetite": 0.5})}
BOND_TD = {"default": scores({"fund_bond": 0.5, "time_deposit": 0.4})}  # bond 0.40 > deposit 0.24
DIVERSE = {"default": scores({"fund_bond": 0.5, "time_deposit": 0.5})}  # bond 0.40, deposit 0.30


def _no_bond() -> dict:
    s = scores({"time_deposit": 0.5})
    del s["products"]["fund_bond"]
    return {"default": s}


ELIGIBILITY = [
    S("top_score_wins", "bond 0.5 x 0.8 beats deposit 0.5 x 0.6; each other offer names its refusing check", policy(),
      [decide(req(src={"default": scores({"fund_bond": 0.5, "time_deposit": 0.5})}), [("bond_fund", "in_app")],
              {"equity_fund": "suitability", "time_deposit": "outranked", "credit_card": "tag", "mortgage": "channel",
               "pension": "attribute"})]),
    S("tie_break_by_offer_id", "equal objectives exactly: the smaller id wins, not the spec order",
      policy(offers=offers("time_deposit", time_deposit={"value": 0.8}) + offers("bond_fund")),
      [decide(req(src={"default": scores({"fund_bond": 0.25, "time_deposit": 0.25})}), [("bond_fund", "in_app")],
              {"time_deposit": "outranked"})]),
    S("suitability_never_violated", "risk 4 fund for a risk-2 user is refused whatever its scores",
      policy(), [decide(req(attributes={"risk_level": "2"}, src={"default": scores({"fund_equity": 0.99}, {"fund_preference": 0.99})}),
                        [("bond_fund", "in_app")], {"equity_fund": "suitability"})]),
    S("suitability_undeclared_level", "no declared risk level: no offer with a risk, only the deposit",
      policy(), [decide(req(attributes={"risk_level": None}, src=BOND), [("time_deposit", "in_app")],
                        {"equity_fund": "suitability", "bond_fund": "suitability"})]),
    S("suitability_equal_level", "an offer at exactly the user's level is suitable",
      policy(), [decide(req(attributes={"risk_level": "4"}, src={"default": scores({"fund_equity": 0.5}, {"fund_preference": 0.6})}),
                        [("equity_fund", "in_app")])]),
    S("held_product_not_offered", "the user holds the bond fund: refused as held",
      policy(), [decide(req(attributes={"holdings": ["fund_bond"]}, src=BOND_TD), [("time_deposit", "in_app")], {"bond_fund": "held"})]),
    S("tag_threshold_inclusive", "fund preference exactly 0.5 meets min 0.5",
      policy(), [decide(req(attributes=R5, src={"default": scores({"fund_equity": 0.5}, {"fund_preference": 0.5})}), [("equity_fund", "in_app")])]),
    S("tag_below_threshold", "fund preference 0.4999 is under min 0.5",
      policy(), [decide(req(attributes=R5, src={"default": scores({"fund_equity": 0.5}, {"fund_preference": 0.4999})}),
                        [("bond_fund", "in_app")], {"equity_fund": "tag"})]),
    S("stage_condition", "the mortgage needs the stage active; this user is new",
      policy(), [decide(req(channels=["inbox"], src={"default": scores({"mortgage": 0.9}, stage="new")}),
                        [("time_deposit", "inbox")], {"mortgage": "stage"})]),
    S("missing_attribute_fails", "no age: 'age >= 18' is false, so no card",
      policy(), [decide(req(channels=["in_app", "push"], attributes={"age": None}, src=CARD), [("bond_fund", "in_app")], {"credit_card": "attribute"})]),
    S("attribute_not_in", "AUM under 10k is excluded from the mortgage",
      policy(), [decide(req(channels=["inbox"], attributes={"aum_bucket": "<10k"}, src={"default": scores({"mortgage": 0.9})}),
                        [("time_deposit", "inbox")], {"mortgage": "attribute"})]),
    S("validity_in_local_dates", "valid until 31 March, Berlin: 23:30 CEST is in, 00:30 on 1 April is out",
      policy(offers=offers() + [{"id": "spring_cover", "product": "insurance", "category": "protection", "channels": ["in_app"],
                                 "value": 1.0, "valid_from": "2026-03-01", "valid_until": "2026-03-31", "why": "Cover for spring."}]),
      [decide(req(utc("2026-03-31T21:30"), src={"default": scores({"insurance": 0.5})}), [("spring_cover", "in_app")]),
       decide(req(utc("2026-03-31T22:30"), src={"default": scores({"insurance": 0.5})}), [("bond_fund", "in_app")], {"spring_cover": "valid"})]),
    S("trigger_scoped_offer", "the equity fund only answers the fund-page trigger",
      policy(offers=offers(equity_fund={"triggers": ["fund_page_dwell_30s"]})),
      [decide(req(0, attributes=R5, src={"default": scores({"fund_equity": 0.5}, {"fund_preference": 0.7})}), [("bond_fund", "in_app")],
              {"equity_fund": "trigger"}),
       decide(req(HOUR, trigger="fund_page_dwell_30s", attributes=R5, src={"default": scores({"fund_equity": 0.5}, {"fund_preference": 0.7})}),
              [("equity_fund", "in_app")])]),
    S("propensity_missing", "the scores have no bond propensity: not ranked, refused",
      policy(), [decide(req(src=_no_bond()), [("time_deposit", "in_app")], {"bond_fund": "propensity"})]),
    S("no_scores_for_the_arm", "scores only from another source: nothing is eligible",
      policy(), [decide(req(src={"other": scores({"fund_bond": 0.9})}), [], {"bond_fund": "propensity", "credit_card": "tag"})]),
    S("channel_not_available", "only push now: offers without push are refused on channel",
      policy(), [decide(req(channels=["push"], src={"default": scores({"fund_bond": 0.3, "time_deposit": 0.9})}), [("bond_fund", "push")],
                        {"time_deposit": "channel", "mortgage": "channel"})]),
]

DELIVERY = [
    S("quiet_hours_fall_back", "22:00 in Berlin: push is quiet, the card goes to in-app", policy(),
      [decide(req(utc("2026-03-02T21:00"), channels=["push", "in_app"], src=CARD), [("credit_card", "in_app")])]),
    S("quiet_hours_end_is_open", "07:59 is quiet, 08:00 is not (push only)", policy(),
      [decide(req(utc("2026-03-02T06:59"), channels=["push"], src=CARD), [], {"credit_card": "quiet_hours"}),
       decide(req(utc("2026-03-02T07:00"), channels=["push"], src=CARD), [("credit_card", "push")])]),
    S("min_interval_between_pushes", "a second push 29.999 s later waits; at 30 s it goes", policy(),
      [decide(req(0, channels=["push"], src=CARD), [("credit_card", "push")]),
       decide(req(29_999, channels=["push"], src=CARD), [], {"credit_card": "min_interval", "bond_fund": "min_interval"}),
       decide(req(30_000, channels=["push"], src=CARD), [("credit_card", "push")])]),
    S("global_daily_cap", "2 a day: the third waits for Berlin's midnight (23:00 UTC)",
      policy(caps=[{"scope": "global", "max": 2, "per": "day"}]),
      [decide(req(0, src=BOND), [("bond_fund", "in_app")]), decide(req(HOUR, src=BOND), [("bond_fund", "in_app")]),
       decide(req(2 * HOUR, src=BOND), [], {"bond_fund": "cap"}),
       decide(req(utc("2026-03-02T22:59"), src=BOND), [], {"bond_fund": "cap"}),
       decide(req(utc("2026-03-02T23:00"), src=BOND), [("bond_fund", "in_app")])]),
    S("calendar_day_in_users_zone", "the request's Shanghai zone: its midnight (16:00 UTC) starts a new day",
      policy(caps=[{"scope": "global", "max": 1, "per": "day"}]),
      [decide(req(0, src=BOND, time_zone="Asia/Shanghai"), [("bond_fund", "in_app")]),
       decide(req(utc("2026-03-02T15:59"), src=BOND, time_zone="Asia/Shanghai"), [], {"bond_fund": "cap"}),
       decide(req(utc("2026-03-02T16:00"), src=BOND, time_zone="Asia/Shanghai"), [("bond_fund", "in_app")])]),
    S("rolling_offer_cap", "2 per offer in a rolling week; an exposure exactly 7 days old is out",
      policy(caps=[{"scope": "offer", "max": 2, "window_ms": WEEK}]),
      [decide(req(0, src=BOND_TD), [("bond_fund", "in_app")]), decide(req(DAY, src=BOND_TD), [("bond_fund", "in_app")]),
       decide(req(2 * DAY, src=BOND_TD), [("time_deposit", "in_app")], {"bond_fund": "cap"}),
       decide(req(WEEK, src=BOND_TD), [("bond_fund", "in_app")])]),
    S("category_weekly_cap", "one fund a week (ISO week, Monday to Sunday, Berlin)",
      policy(caps=[{"scope": "category", "match": "funds", "max": 1, "per": "week"}]),
      [decide(req(0, src=BOND_TD), [("bond_fund", "in_app")]),
       decide(req(6 * DAY, src=BOND_TD), [("time_deposit", "in_app")], {"bond_fund": "cap"}),
       decide(req(utc("2026-03-08T23:30"), src=BOND_TD), [("bond_fund", "in_app")])]),
    S("monthly_channel_cap", "one push a month: the card falls back to in-app, push again in April",
      policy(caps=[{"scope": "channel", "match": "push", "max": 1, "per": "month"}]),
      [decide(req(0, channels=["push", "in_app"], src=CARD), [("credit_card", "push")]),
       decide(req(utc("2026-03-20T10:00"), channels=["push", "in_app"], src=CARD), [("credit_card", "in_app")]),
       decide(req(utc("2026-04-01T08:00"), channels=["push", "in_app"], src=CARD), [("credit_card", "push")])]),
    S("two_pushes_in_one_decision", "two slots, push only: the second push is blocked by the 30 s interval",
      policy(ranking={"slots": 2}),
      [decide(req(channels=["push"], src={"default": scores({"credit_card": 0.5, "fund_bond": 0.5}, {"credit_appetite": 0.5})}),
              [("credit_card", "push")], {"bond_fund": "min_interval"})]),
]

DEDUP = [
    S("dedup_across_channels", "the card pushed is not repeated in-app within a week; push again is for the caps to decide",
      policy(dedup_window_ms=WEEK),
      [decide(req(0, channels=["push"], src=CARD), [("credit_card", "push")]),
       decide(req(HOUR, channels=["in_app"], src=CARD), [("bond_fund", "in_app")], {"credit_card": "dedup"}),
       decide(req(2 * HOUR, channels=["push"], src=CARD), [("credit_card", "push")]),
       decide(req(WEEK + 2 * HOUR, channels=["in_app"], src=CARD), [("credit_card", "in_app")])]),
    S("dedup_with_a_second_device", "the tablet pushed the card an hour ago; the phone does not show it in-app",
      policy(dedup_window_ms=WEEK),
      [{"merge": [entry(1, -HOUR, "credit_card", "credit", "push")]},
       decide(req(0, channels=["in_app"], src=CARD), [("bond_fund", "in_app")], {"credit_card": "dedup"})]),
    S("foreign_id_scheme_in_a_merge", "an id that only starts with this device's name ('phone-a:srv:7', a server's) is kept, "
      "counts for the caps and does not number this device's next entry (phone-a:1)",
      policy(caps=[{"scope": "global", "max": 2, "per": "day"}]),
      [{"merge": [entry(7, -HOUR, "time_deposit", "deposits", "inbox", device="phone-a:srv")]},
       decide(req(0, src=BOND), [("bond_fund", "in_app")]),
       decide(req(HOUR, src=BOND), [], {"bond_fund": "cap"})]),
    S("merge_twice_changes_nothing", "the same two entries merged twice count twice, not four times (cap 3 a day)",
      policy(caps=[{"scope": "global", "max": 3, "per": "day"}]),
      [{"merge": [entry(1, -2 * HOUR, "bond_fund", "funds", "in_app"), entry(2, -HOUR, "bond_fund", "funds", "in_app")]},
       {"merge": [entry(1, -2 * HOUR, "bond_fund", "funds", "in_app"), entry(2, -HOUR, "bond_fund", "funds", "in_app")]},
       decide(req(0, src=BOND), [("bond_fund", "in_app")]),
       decide(req(HOUR, src=BOND), [], {"bond_fund": "cap"})]),
    S("future_entry_does_not_count", "an entry from a device whose clock is an hour ahead does not block the present",
      policy(caps=[{"scope": "global", "max": 1, "per": "day"}]),
      [{"merge": [entry(1, HOUR, "bond_fund", "funds", "in_app")]}, decide(req(0, src=BOND), [("bond_fund", "in_app")])]),
    S("reset_my_profile", "after a reset the cap starts again; an old entry merged later stays erased",
      policy(caps=[{"scope": "global", "max": 1, "per": "day"}]),
      [decide(req(0, src=BOND), [("bond_fund", "in_app")]), decide(req(HOUR, src=BOND), [], {"bond_fund": "cap"}),
       {"reset": {"user": "u1", "at": "2026-03-02T12:00:00.000Z"}},
       decide(req(3 * HOUR, src=BOND), [("bond_fund", "in_app")]),
       {"merge": [entry(1, -HOUR, "time_deposit", "deposits", "inbox")]},
       decide(req(4 * HOUR, src=BOND), [], {"bond_fund": "cap"})]),
]
