"""Eligibility of one offer for one request: validity, trigger, holdings, suitability, conditions, channel.

Checks run in the documented order and stop at the first that fails; each leaves a record (docs/policy.md,
"Output") so a decision can say which scores and thresholds made an offer eligible, or which rule refused it.
Suitability is a hard rule: an offer whose risk is above the user's declared level — or any offer with a risk
for a user who declared none — is never eligible, whatever the scores.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..triggers.predicates import product_rank, top_stage
from .spec import Arm, Offer, Policy
from .request import Request

__all__ = ["MODEL_CONDITIONS", "eligibility", "offer_score"]

MODEL_CONDITIONS = ("stage", "tag", "propensity_min", "top_k")
Check = dict[str, Any]


def _record(check: str, ok: bool, **fields: Any) -> Check:
    return {"check": check, **fields, "pass": bool(ok)}


def _condition(c: Mapping[str, Any], offer: Offer, request: Request, scores: Mapping[str, Any] | None,
               policy_labels: tuple[tuple[str, ...], tuple[str, ...]]) -> Check:
    stages, products = policy_labels
    s = scores or {}
    if "stage" in c:
        top = top_stage(s, stages) if scores else None
        return _record("stage", top in c["stage"], stages=list(c["stage"]), value=top)
    if "tag" in c:
        v = (s.get("tags") or {}).get(c["tag"])
        ok = v is not None and ("min" not in c or v >= c["min"]) and ("max" not in c or v <= c["max"])
        return _record("tag", ok, tag=c["tag"], **{k: c[k] for k in ("min", "max") if k in c}, value=v)
    if "propensity_min" in c:
        v = (s.get("products") or {}).get(offer.product)
        return _record("propensity_min", v is not None and v >= c["propensity_min"], min=c["propensity_min"], value=v)
    if "top_k" in c:
        rank = product_rank(s, offer.product, products) if scores else None
        return _record("top_k", rank is not None and rank <= c["top_k"], k=c["top_k"], value=rank)
    name = c["attribute"]
    op = next(k for k in c if k != "attribute")
    expected = c[op]
    v = request.attributes.get(name)
    if v is None:
        ok = False
    elif isinstance(v, tuple):  # multi: holds any / holds none
        hit = any(x in expected for x in v)
        ok = hit if op == "in" else not hit
    elif isinstance(v, str):
        ok = (v in expected) if op == "in" else (v not in expected)
    else:
        ok = {"lt": v < expected, "le": v <= expected, "gt": v > expected, "ge": v >= expected}[op]
    return _record("attribute", ok, attribute=name, op=op, expected=expected, value=list(v) if isinstance(v, tuple) else v)


def offer_score(offer: Offer, scores: Mapping[str, Any] | None, by: str) -> float | None:
    """propensity × value, or the value alone (``by: value``); None when the propensity is unknown."""
    if by == "value":
        return offer.value
    p = ((scores or {}).get("products") or {}).get(offer.product)
    return None if p is None else float(p) * offer.value


def eligibility(offer: Offer, request: Request, policy: Policy, arm: Arm, date: str,
                scores: Mapping[str, Any] | None, by: str, labels: tuple[tuple[str, ...], tuple[str, ...]]) -> tuple[list[Check], bool]:
    """The checks that ran, and whether all passed."""
    out: list[Check] = []

    def add(record: Check) -> bool:
        out.append(record)
        return record["pass"]

    if offer.valid_from or offer.valid_until:
        bounds = {k: getattr(offer, k) for k in ("valid_from", "valid_until") if getattr(offer, k)}
        ok = (offer.valid_from is None or date >= offer.valid_from) and (offer.valid_until is None or date <= offer.valid_until)
        if not add(_record("valid", ok, date=date, **bounds)):
            return out, False
    if offer.triggers is not None and not add(_record("trigger", request.trigger in offer.triggers, trigger=request.trigger)):
        return out, False
    if policy.holdings is not None:
        held = request.attributes.get(policy.holdings) or ()
        if not add(_record("held", offer.product not in held, product=offer.product)):
            return out, False
    if offer.risk is not None and policy.suitability is not None:
        attribute, levels = policy.suitability
        user = request.attributes.get(attribute)
        ok = user in levels and levels.index(offer.risk) <= levels.index(user)
        if not add(_record("suitability", ok, offer_risk=offer.risk, user_risk=user)):
            return out, False
    for j, c in enumerate(offer.eligible):
        if not arm.model and any(k in c for k in MODEL_CONDITIONS):
            add(_record("model", True, condition=j))
            continue
        if not add(_condition(c, offer, request, scores, labels)):
            return out, False
    if by == "propensity_x_value":
        p = ((scores or {}).get("products") or {}).get(offer.product)
        if not add(_record("propensity", p is not None, product=offer.product, value=p)):
            return out, False
    return out, add(_record("channel", any(c in request.channels for c in offer.channels), channels=list(request.channels)))
