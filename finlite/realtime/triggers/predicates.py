"""Per-event predicates and model conditions of a checked trigger spec, compiled to plain functions.

An event is a mapping field name -> value (a string for a categorical field, a number for a numeric one);
a field that is absent, ``None`` or an empty string is *missing*, and every comparison on a missing value is
false (``ne`` and ``not_in`` too); ``not`` inverts the result of its predicate. Scores are the model's latest
output: ``{"stage": {stage: p}, "tags": {tag: score}, "products": {product: propensity}}``.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Mapping

__all__ = ["Predicate", "compile_condition", "compile_predicate", "condition_values", "product_rank"]

Predicate = Callable[[Mapping[str, Any]], bool]
_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def compile_predicate(p: Mapping[str, Any]) -> Predicate:
    """A checked predicate (see :mod:`.spec`) as a function of one event."""
    if "and" in p:
        parts = [compile_predicate(q) for q in p["and"]]
        return lambda e: all(q(e) for q in parts)
    if "or" in p:
        parts = [compile_predicate(q) for q in p["or"]]
        return lambda e: any(q(e) for q in parts)
    if "not" in p:
        inner = compile_predicate(p["not"])
        return lambda e: not inner(e)
    name = p["field"]
    op = next(k for k in p if k != "field")
    value = p[op]
    if op in ("in", "not_in"):
        members = frozenset(value)
        wanted = op == "in"
        return lambda e: _present(e.get(name)) and ((e[name] in members) == wanted)
    compare = _COMPARE[op]
    return lambda e: _present(e.get(name)) and compare(e[name], value)


def _present(value: Any) -> bool:
    return value is not None and value != ""


def product_rank(scores: Mapping[str, Any], product: str, products: tuple[str, ...]) -> int | None:
    """1-based rank of ``product`` by propensity, highest first, ties in the schema's product order."""
    table = scores.get("products") or {}
    if product not in table:
        return None
    mine = table[product]
    pos = products.index(product)
    return 1 + sum(1 for i, p in enumerate(products) if p in table and (table[p] > mine or (table[p] == mine and i < pos)))


def top_stage(scores: Mapping[str, Any], stages: tuple[str, ...]) -> str | None:
    """The most probable stage, ties in the schema's stage order; None without stage scores."""
    table = scores.get("stage") or {}
    best = None
    for s in stages:
        if s in table and (best is None or table[s] > table[best]):
            best = s
    return best


def compile_condition(c: Mapping[str, Any], stages: tuple[str, ...], products: tuple[str, ...]) -> Callable[[Mapping[str, Any] | None], bool]:
    """A checked model condition as a function of the latest scores (false before any scores)."""
    if "stage" in c:
        stage = c["stage"]
        return lambda s: s is not None and top_stage(s, stages) == stage
    if "tag" in c:
        tag, low = c["tag"], c["min"]
        return lambda s: s is not None and (s.get("tags") or {}).get(tag, -1.0) >= low
    product, k = c["product"], c["top_k"]

    def in_top(s: Mapping[str, Any] | None) -> bool:
        rank = product_rank(s, product, products) if s is not None else None
        return rank is not None and rank <= k

    return in_top


def condition_values(c: Mapping[str, Any], scores: Mapping[str, Any], stages: tuple[str, ...], products: tuple[str, ...]) -> dict[str, Any]:
    """What made a model condition true, for the firing's ``values``."""
    if "stage" in c:
        return {"stage": c["stage"], "probability": (scores.get("stage") or {}).get(c["stage"])}
    if "tag" in c:
        return {"tag": c["tag"], "score": (scores.get("tags") or {}).get(c["tag"])}
    return {"product": c["product"], "rank": product_rank(scores, c["product"], products)}
