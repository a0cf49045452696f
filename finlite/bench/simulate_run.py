"""The day-by-day loop of ``finlite simulate``: events → triggers → model scores → policy → responses.

Triggers come from the trigger engine run over every user's events (the same engine the apps run). Each
simulated day starts with the bundles scoring every user on their events so far (the batch encoder, which
the streaming state equals — tests/test_profile_state.py); then each user's decision moments of the day, in
time order: every trigger firing (in-app), the first login (the home screen's offer slots, in-app) and the
19:00 local push job (push or inbox). Shown offers are answered by the response model of
:mod:`.simulate_world`; an accepted product is held from then on.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .simulate_world import DAY_MS, RESPONSE, World, accept_probability

__all__ = ["ArmTotals", "run_simulation"]

PUSH_HOUR_MS = 19 * 3_600_000
DELIVERY_CHECKS = ("cap", "dedup", "min_interval", "quiet_hours")


@dataclass
class ArmTotals:
    """What one experiment arm did, summed over its users and days."""

    users: set = field(default_factory=set)
    decisions: Counter = field(default_factory=Counter)  # by moment kind
    shown: int = 0
    would_be: int = 0  # offers a holdout would have been shown
    accepted: int = 0
    shown_by_channel: Counter = field(default_factory=Counter)
    accepted_by_channel: Counter = field(default_factory=Counter)
    blocked: Counter = field(default_factory=Counter)  # delivery check -> offers it stopped
    pairs: int = 0  # pairs of offers within one decision
    diverse_pairs: int = 0  # ... of different categories
    offers_seen: Counter = field(default_factory=Counter)
    categories_seen: dict = field(default_factory=lambda: defaultdict(set))  # user -> categories
    shown_per_user: Counter = field(default_factory=Counter)
    accepted_per_user: Counter = field(default_factory=Counter)
    converted: set = field(default_factory=set)  # users who bought an offerable product (offer or organic)
    shown_per_day: Counter = field(default_factory=Counter)


def _moments(world: World, u: int, day: int, firings: list[tuple[int, str]]) -> list[tuple[int, str, str | None]]:
    """(time, kind, trigger) of user u's decision moments on ``day``, in time order."""
    lo, hi = world.start_ms + day * DAY_MS, world.start_ms + (day + 1) * DAY_MS
    out = [(t, "trigger", tid) for t, tid in firings if lo <= t < hi]
    if day in world.first_logins[u]:
        out.append((world.first_logins[u][day], "app_open", None))
    out.append((lo + PUSH_HOUR_MS, "push_job", None))
    return sorted(out, key=lambda m: (m[0], m[1]))


def _firings_by_user(world: World, trigger_spec, progress: bool) -> dict[str, list[tuple[int, str]]]:
    """Every user's whole history through their trigger engine (cooldowns and caps remember it); the firings
    inside the simulated days."""
    from ..realtime.triggers.replay import replay_table

    result = replay_table(trigger_spec, world.schema, world.events, None, progress=progress)
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    end = world.start_ms + world.days * DAY_MS
    for user, f in result.firings:
        if world.start_ms <= f.time < end:
            out[user].append((f.time, f.trigger))
    return out


def run_simulation(world: World, policy, trigger_spec, scorers: dict[str, Any], seed: int = 0,
                   progress: bool = True) -> dict[str, ArmTotals]:
    """Run every day; ``scorers`` maps the policy's score sources to a Scorer (e.g. BatchScorer per bundle)."""
    from tqdm.auto import tqdm

    from ..realtime.policy.engine import PolicyEngine
    from ..realtime.policy.exposure_log import ExposureLog
    from ..realtime.triggers.primitives import iso

    rng = np.random.default_rng(seed)
    firings = _firings_by_user(world, trigger_spec, progress)
    engines = [PolicyEngine(policy, world.schema, ExposureLog("sim")) for _ in world.user_ids]
    arms = [engines[0].arm(u)[0] for u in world.user_ids]
    totals: dict[str, ArmTotals] = {a.id: ArmTotals() for a in policy.arms}
    holdings = [set(a.get(policy.holdings) or ()) if policy.holdings else set() for a in world.attributes]
    offer_products = {o.id: o.product for o in policy.offers}
    needs: dict[str, list[int]] = defaultdict(list)  # score source -> users reading it
    for u, arm in enumerate(arms):
        totals[arm.id].users.add(u)
        if arm.model:
            needs[arm.scores].append(u)
    missing = sorted(set(needs) - set(scorers))
    if missing:
        from ..errors import FinliteError

        raise FinliteError(f"the policy's arms read score sources {missing}; give a bundle for each (--bundle, --challenger)")
    for u, purchases in enumerate(world.purchases):
        if purchases:
            totals[arms[u].id].converted.add(u)
    bar = tqdm(total=world.days * len(world.user_ids), unit="user-day", unit_scale=True, desc="simulating", disable=not progress)
    for day in range(world.days):
        as_of = world.start_ms + day * DAY_MS
        day_scores = {src: scorers[src].score([world.user_ids[u] for u in us], as_of) for src, us in needs.items()}
        for u, user in enumerate(world.user_ids):
            arm, t_arm = arms[u], totals[arms[u].id]
            for t, kind, trigger in _moments(world, u, day, firings.get(user, [])):
                for pt, product in world.purchases[u]:
                    if pt <= t:
                        holdings[u].add(product)
                attributes = dict(world.attributes[u])
                if policy.holdings:
                    attributes[policy.holdings] = sorted(holdings[u])
                request = {"at": iso(t), "user": user, "channels": ["in_app"] if kind != "push_job" else ["push"],
                           "attributes": attributes, "scores": {s: day_scores[s][user] for s in day_scores if user in day_scores[s]}}
                if trigger is not None:
                    request["trigger"] = trigger
                decision = engines[u].decide(request)
                _count(decision, kind, u, day, t, trigger is not None, world, engines[u], t_arm, holdings[u], rng, offer_products)
            bar.update(1)
    bar.close()
    return totals


def _count(decision: dict, kind: str, u: int, day: int, t: int, triggered: bool, world: World, engine, totals: ArmTotals,
           held: set, rng: np.random.Generator, offer_products: dict[str, str]) -> None:
    totals.decisions[kind] += 1
    for r in decision["rejected"]:
        if r["check"]["check"] in DELIVERY_CHECKS:
            totals.blocked[r["check"]["check"]] += 1
    offers = decision["offers"]
    cats = [o["category"] for o in offers]
    for i in range(len(cats)):
        for j in range(i + 1, len(cats)):
            totals.pairs += 1
            totals.diverse_pairs += cats[i] != cats[j]
    if decision["holdout"]:
        totals.would_be += len(offers)
        return
    week = [e.at for e in engine.log.for_user(decision["user"], t) if e.shown and e.at < t]
    recent = len(week) - bisect.bisect_left(week, t - RESPONSE["fatigue_days"] * DAY_MS)
    for o in offers:
        product = offer_products[o["offer"]]
        totals.shown += 1
        totals.shown_by_channel[o["channel"]] += 1
        totals.offers_seen[o["offer"]] += 1
        totals.categories_seen[u].add(o["category"])
        totals.shown_per_user[u] += 1
        totals.shown_per_day[day] += 1
        p = 0.0 if product in held else accept_probability(world, u, product, o["channel"], t, recent, triggered)
        if rng.random() < p:
            totals.accepted += 1
            totals.accepted_by_channel[o["channel"]] += 1
            totals.accepted_per_user[u] += 1
            totals.converted.add(u)
            held.add(product)
