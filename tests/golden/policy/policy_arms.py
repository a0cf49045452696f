"""Golden scenarios of experiments (stable arms, holdout, rules only, challenger scores) and diversity."""

from __future__ import annotations

import hashlib

from policy_helpers import DAY, HOUR, S, decide, entry, offers, policy, req, scores

SALT = "offers-2026-12"
R5 = {"risk_level": "5"}


def user_in(lo: int, hi: int, salt: str = SALT) -> str:
    """The first user id 'user-N' whose bucket (sha256 of salt:user, u32 big-endian mod 10000) is in [lo, hi)."""
    for n in range(100_000):
        user = f"user-{n}"
        b = int.from_bytes(hashlib.sha256(f"{salt}:{user}".encode()).digest()[:4], "big") % 10_000
        if lo <= b < hi:
            return user
    raise AssertionError("no user in range")


def experiment(*arms: dict) -> dict:
    return {"salt": SALT, "arms": list(arms)}


THREE_ARMS = experiment({"id": "champion", "buckets": 4500, "scores": "champion"},
                        {"id": "challenger", "buckets": 4500, "scores": "challenger"},
                        {"id": "holdout", "buckets": 1000, "holdout": True, "scores": "champion"})
SOURCES = {"champion": scores({"fund_bond": 0.5}), "challenger": scores({"time_deposit": 0.9})}
CHAMPION, CHALLENGER, HOLDOUT = user_in(0, 4500), user_in(4500, 9000), user_in(9000, 10_000)

ARMS = [
    S("holdout_gets_nothing", "the holdout decides and logs (shown false) but shows nothing; its would-be stream is capped",
      policy(experiment=THREE_ARMS, caps=[{"scope": "global", "max": 1, "per": "day"}]),
      [decide(req(0, user=HOLDOUT, src=SOURCES), [("bond_fund", "in_app")], arm="holdout"),
       decide(req(HOUR, user=HOLDOUT, src=SOURCES), [], {"bond_fund": "cap"}, arm="holdout")]),
    S("same_user_same_arm", "a user's arm depends only on the salt and the id: the same on every day",
      policy(experiment=THREE_ARMS),
      [decide(req(0, user=CHAMPION, src=SOURCES), [("bond_fund", "in_app")], arm="champion"),
       decide(req(DAY, user=CHAMPION, src=SOURCES), [("bond_fund", "in_app")], arm="champion"),
       decide(req(2 * DAY, user=CHALLENGER, src=SOURCES), [("time_deposit", "in_app")], arm="challenger"),
       decide(req(3 * DAY, user=CHALLENGER, src=SOURCES), [("time_deposit", "in_app")], arm="challenger")]),
    S("rules_only_arm", "model false: model conditions skipped, offers ranked by value (card 1.2 > fund 1.0)",
      policy(experiment=experiment({"id": "rules", "buckets": 10_000, "model": False})),
      [decide(req(0, user=CHAMPION, attributes=R5, src={"default": scores({"fund_equity": 0.9}, {"fund_preference": 0.9})}),
              [("credit_card", "in_app")], {"equity_fund": "outranked", "mortgage": "channel"}, arm="rules")]),
    S("arm_overrides_ranking", "an arm may rank by value while the policy ranks by propensity",
      policy(experiment=experiment({"id": "by_value", "buckets": 10_000, "by": "value"})),
      [decide(req(0, user=CHAMPION, src={"default": scores({"time_deposit": 0.9})}), [("bond_fund", "in_app")],
              {"time_deposit": "outranked"}, arm="by_value")]),
]

BOND = {"default": scores({"fund_bond": 0.5})}
HISTORY = [entry(1, -10 * DAY, "bond_fund", "funds", "in_app"), entry(2, -3 * DAY, "bond_fund", "funds", "in_app")]
DIVERSE = {"default": scores({"fund_bond": 0.5, "time_deposit": 0.5})}  # bond 0.40, deposit 0.30
LIST = {"default": scores({"fund_equity": 0.6, "fund_bond": 0.5, "time_deposit": 0.3, "pension_account": 0.3},
                          {"fund_preference": 0.9})}
OLD = {"risk_level": "5", "age": 45}

DIVERSITY = [
    S("no_diversity_keeps_the_bubble", "lambda 0: after two funds in the month, a fund again (0.40 > 0.30)",
      policy(ranking={"lambda": 0.0, "history_ms": 30 * DAY}),
      [{"merge": HISTORY}, decide(req(0, src=DIVERSE), [("bond_fund", "in_app")], {"time_deposit": "outranked"})]),
    S("diversity_breaks_the_bubble", "lambda 0.5: after two funds the deposit's category wins (KL 0.015 vs 1.66)",
      policy(ranking={"lambda": 0.5, "history_ms": 30 * DAY}),
      [{"merge": HISTORY}, decide(req(0, src=DIVERSE), [("time_deposit", "in_app")], {"bond_fund": "outranked"})]),
    S("history_window_bounds", "lambda 0.5 but a 2-day history: the funds shown 3 and 10 days ago no longer count",
      policy(ranking={"lambda": 0.5, "history_ms": 2 * DAY}),
      [{"merge": HISTORY}, decide(req(0, src=DIVERSE), [("bond_fund", "in_app")])]),
    S("list_without_diversity", "two slots, lambda 0: the two funds (0.60, 0.40)", policy(ranking={"slots": 2}),
      [decide(req(0, attributes=OLD, src=LIST), [("equity_fund", "in_app"), ("bond_fund", "in_app")], {"pension": "outranked"})]),
    S("list_with_diversity", "two slots, lambda 0.5: the fund, then retirement (objective 0.13 vs -0.09 for a second fund)",
      policy(ranking={"slots": 2, "lambda": 0.5}),
      [decide(req(0, attributes=OLD, src=LIST), [("equity_fund", "in_app"), ("pension", "in_app")], {"bond_fund": "outranked"})]),
    S("challenger_bundle_scores", "champion and challenger read their own bundle's scores; lambda per arm",
      policy(experiment=experiment({"id": "champion", "buckets": 4500, "scores": "champion"},
                                   {"id": "challenger", "buckets": 5500, "scores": "challenger", "lambda": 0.5}),
             ranking={"history_ms": 30 * DAY}, offers=offers()),
      [{"merge": [entry(1, -DAY, "bond_fund", "funds", "in_app", user=CHALLENGER)]},
       decide(req(0, user=CHAMPION, src={"champion": scores({"fund_bond": 0.5}), "challenger": DIVERSE["default"]}),
              [("bond_fund", "in_app")], arm="champion"),
       decide(req(0, user=CHALLENGER, src={"champion": scores({"fund_bond": 0.5}), "challenger": DIVERSE["default"]}),
              [("time_deposit", "in_app")], arm="challenger")]),
]
