"""Helpers of the policy scenarios (make_scenarios.py): the base policy, requests, scores, expectations."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "triggers"))
from scenario_helpers import BASE, DAY, HOUR, MIN, at, utc  # noqa: E402,F401

PRODUCTS = ("fund_equity", "fund_bond", "fund_money_market", "fixed_income_wealth", "demand_deposit_wealth",
            "time_deposit", "pension_account", "credit_card", "consumer_loan", "mortgage", "insurance", "gold", "fx")
TAGS = ("fund_preference", "dormant_activation", "high_net_worth", "churn_risk", "credit_appetite")
STAGES = ("prospect", "new", "active", "pre_churn", "churned")
WEEK = 7 * DAY

OFFERS = [
    {"id": "equity_fund", "product": "fund_equity", "category": "funds", "channels": ["in_app", "push"], "value": 1.0,
     "risk": "4", "eligible": [{"tag": "fund_preference", "min": 0.5}],
     "why": "You have been reading about funds; this equity fund fits the risk level you told us."},
    {"id": "bond_fund", "product": "fund_bond", "category": "funds", "channels": ["in_app", "push"], "value": 0.8,
     "risk": "2", "why": "A steadier fund for part of your savings."},
    {"id": "time_deposit", "product": "time_deposit", "category": "deposits", "channels": ["in_app", "inbox"],
     "value": 0.6, "why": "A fixed rate for money you will not need for a year."},
    {"id": "credit_card", "product": "credit_card", "category": "credit", "channels": ["push", "in_app"], "value": 1.2,
     "eligible": [{"attribute": "age", "ge": 18}, {"tag": "credit_appetite", "min": 0.3}],
     "why": "A card with no annual fee for the payments you already make."},
    {"id": "mortgage", "product": "mortgage", "category": "credit", "channels": ["inbox"], "value": 2.0,
     "eligible": [{"stage": ["active"]}, {"attribute": "aum_bucket", "not_in": ["<10k"]}],
     "why": "A mortgage rate for active customers."},
    {"id": "pension", "product": "pension_account", "category": "retirement", "channels": ["in_app"], "value": 0.9,
     "eligible": [{"attribute": "age", "ge": 40}], "why": "Tax-advantaged saving for retirement."},
]


def policy(**over) -> dict:
    """The base policy of the scenarios; keyword arguments replace top-level keys (``ranking`` is merged)."""
    p = {
        "format": "finlite.policy/1",
        "time_zone": "Europe/Berlin",
        "channels": [{"id": "in_app"}, {"id": "push", "min_interval_ms": 30000, "quiet_hours": {"from": "21:00", "to": "08:00"}},
                     {"id": "inbox"}],
        "suitability": {"attribute": "risk_level", "levels": ["1", "2", "3", "4", "5"]},
        "holdings": "holdings",
        "offers": copy.deepcopy(OFFERS),
        "ranking": {"by": "propensity_x_value", "slots": 1},
        "caps": [],
    }
    ranking = over.pop("ranking", {})
    p["ranking"].update(ranking)
    p.update(over)
    return p


def offers(*ids: str, **changes: dict) -> list[dict]:
    """The base offers named (all when none), with per-offer key changes: ``offers("a", a={"value": 2})``."""
    out = [copy.deepcopy(o) for o in OFFERS if not ids or o["id"] in ids]
    for o in out:
        o.update(changes.get(o["id"], {}))
    return out


def scores(products: dict | None = None, tags: dict | None = None, stage: str | None = "active") -> dict:
    """Scores of one source: every product 0.05 and tag 0.1 unless given; the stage's probability 0.6."""
    out = {"stage": {s: (0.6 if s == stage else 0.1) for s in STAGES}} if stage else {}
    out["tags"] = {t: 0.1 for t in TAGS} | (tags or {})
    out["products"] = {p: 0.05 for p in PRODUCTS} | (products or {})
    return out


USER = {"risk_level": "3", "age": 35, "holdings": [], "aum_bucket": "10k-50k"}


def req(ms: int | str = 0, user: str = "u1", channels=("in_app",), trigger: str | None = None, attributes: dict | None = None,
        src: dict | None = None, **extra) -> dict:
    r = {"at": ms if isinstance(ms, str) else at(ms), "user": user, "channels": list(channels)}
    if trigger is not None:
        r["trigger"] = trigger
    r["attributes"] = dict(USER) | (attributes or {})
    r["scores"] = src if src is not None else {"default": scores()}
    r.update(extra)
    return r


def decide(request: dict, chosen: list[tuple[str, str]], rejected: dict[str, str] | None = None, arm: str | None = None) -> dict:
    """A decide step with what must come out, worked out by hand: ``chosen`` [(offer, channel)] in slot order,
    ``rejected`` {offer: the check that refused it}, and the arm."""
    return {"decide": request, "expect": {"chosen": chosen, "rejected": rejected or {}, "arm": arm}}


def entry(seq: int, ms: int | str, offer: str, category: str, channel: str, user: str = "u1", device: str = "phone-b",
          arm: str = "default", shown: bool = True) -> dict:
    return {"id": f"{device}:{seq}", "kind": "exposure", "user": user, "offer": offer, "category": category,
            "channel": channel, "at": ms if isinstance(ms, str) else at(ms), "arm": arm, "shown": shown}


def S(name: str, why: str, pol: dict, steps: list[dict], device: str = "phone-a") -> dict:
    return {"name": name, "why": why, "device": device, "policy": pol, "steps": steps}
