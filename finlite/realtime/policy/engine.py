"""The policy engine: one request in, one decision with its reasons out (docs/policy.md, "A decision").

The Kotlin (PolicyEngine.kt) and Swift (PolicyEngine.swift) engines follow this reference and pass the same
golden decision scenarios (tests/golden/policy/).
"""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from ...data.schema import ProfileSchema
from ..triggers.primitives import iso
from .delivery import Exposure, deliver
from .eligibility import eligibility, offer_score
from .exposure_log import ExposureLog
from .local_time import LocalTime
from .ranking import interest, objective
from .request import parse_request
from .spec import BUCKETS, Arm, Policy

__all__ = ["PolicyEngine", "bucket_of"]

DAY_MS = 86_400_000


def bucket_of(salt: str, user: str) -> int:
    """``u32(sha256(salt + ":" + user)[0:4]) mod 10000``: the same user, the same bucket, everywhere."""
    digest = hashlib.sha256(f"{salt}:{user}".encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % BUCKETS


def _horizon(policy: Policy) -> int | None:
    """The look-back H of docs/policy.md: how far back an entry can still block a delivery (None: a cap
    ``per: ever``)."""
    spans = [policy.dedup_window_ms, *(c.min_interval_ms for c in policy.channels)]
    calendar = {"day": 2 * DAY_MS, "week": 8 * DAY_MS, "month": 32 * DAY_MS, "ever": None}
    for cap in policy.caps:
        spans.append(cap.window_ms if cap.window_ms is not None else calendar[cap.per])
    return None if None in spans else max(spans) + 1


class PolicyEngine:
    """Decides for ``policy`` and appends what it delivers (or would deliver, in a holdout) to ``log``."""

    def __init__(self, policy: Policy, schema: ProfileSchema, log: ExposureLog) -> None:
        self.policy = policy
        self.schema = schema
        self.log = log
        self.labels = (schema.labels.stages, schema.labels.products)
        self._zones: dict[str, ZoneInfo] = {}
        self.horizon_ms = _horizon(policy)

    def arm(self, user: str) -> tuple[Arm, int]:
        b = bucket_of(self.policy.salt, user)
        return next(a for a in self.policy.arms if a.start <= b < a.start + a.buckets), b

    def _zone(self, name: str) -> ZoneInfo:
        if name not in self._zones:
            self._zones[name] = ZoneInfo(name)
        return self._zones[name]

    def reset(self, user: str, at_ms: int) -> None:
        """"Reset my profile": the user's exposures stop counting and are erased from the log."""
        self.log.reset(user, at_ms)

    def decide(self, raw_request: Any) -> dict[str, Any]:
        policy = self.policy
        request = parse_request(raw_request, policy, self.schema)
        arm, bucket = self.arm(request.user)
        zone = self._zone(request.time_zone or policy.time_zone)
        scores = request.scores.get(arm.scores) if arm.model else None
        by = "value" if not arm.model else (arm.by or policy.by)
        lam = policy.lam if arm.lam is None else arm.lam
        date = LocalTime(request.at, zone).date

        eligible: dict[str, tuple[Any, list, float]] = {}  # offer id -> (offer, checks, score)
        rejected: dict[str, dict[str, Any]] = {}
        for offer in policy.offers:
            checks, ok = eligibility(offer, request, policy, arm, date, scores, by, self.labels)
            if ok:
                eligible[offer.id] = (offer, checks, offer_score(offer, scores, by))
            else:
                rejected[offer.id] = checks[-1]

        mine = self.log.for_user(request.user, request.at)
        history: dict[str, int] = {}
        for e in mine:
            if policy.history_ms > 0 and request.at - e.at < policy.history_ms:
                history[e.category] = history.get(e.category, 0) + 1
        horizon = self.horizon_ms  # older entries can block nothing: skip them (same decisions, faster)
        seen = [Exposure(e.offer, e.category, e.channel, e.at) for e in mine if horizon is None or request.at - e.at < horizon]
        p = interest(policy.categories, [(o.category, s) for o, _, s in eligible.values()])

        chosen: list[dict[str, Any]] = []
        chosen_sum = 0.0
        last_fail: dict[str, dict[str, Any]] = {}
        while len(chosen) < policy.slots:
            best = None
            for oid, (offer, checks, score) in eligible.items():
                if any(c["offer"] == oid for c in chosen):
                    continue
                channel, delivery = deliver(policy, offer, request.channels, seen, request.at, zone)
                if channel is None:
                    last_fail[oid] = delivery[-1]  # eligibility checked an available channel, so one was tried
                    continue
                last_fail.pop(oid, None)
                shown = dict(history)
                for c in chosen:
                    shown[c["category"]] = shown.get(c["category"], 0) + 1
                shown[offer.category] = shown.get(offer.category, 0) + 1
                value = objective(lam, chosen_sum, score, p, policy.categories, shown)
                if best is None or value > best[0] or (value == best[0] and oid < best[1].id):
                    best = (value, offer, checks, score, channel, delivery)
            if best is None:
                break
            value, offer, checks, score, channel, delivery = best
            chosen_sum += score
            seen.append(Exposure(offer.id, offer.category, channel, request.at))
            chosen.append({"offer": offer.id, "category": offer.category, "channel": channel, "shown": not arm.holdout,
                           "score": score, "objective": value, "why": offer.why, "trigger": request.trigger,
                           "checks": checks, "delivery": delivery})
        for c in chosen:
            self.log.append_exposure(request.user, c["offer"], c["category"], c["channel"], request.at, arm.id, c["shown"])
        picked = {c["offer"] for c in chosen}
        out_rejected = []
        for offer in policy.offers:
            if offer.id in picked:
                continue
            check = rejected.get(offer.id) or last_fail.get(offer.id) or {"check": "outranked", "pass": False}
            out_rejected.append({"offer": offer.id, "check": check})
        return {"user": request.user, "at": iso(request.at), "arm": arm.id, "bucket": bucket, "holdout": arm.holdout,
                "offers": chosen, "rejected": out_rejected}
