"""Calibrated greedy re-ranking over offer categories (Steck, "Calibrated recommendations", RecSys 2018).

The objective of a list I is ``(1 − λ)·Σ_{i∈I} score(i) − λ·KL(p ‖ q̃(I))``: ``p`` is the user's interest over
categories (the eligible offers' scores per category, normalised), ``q(I)`` the category shares of the recent
exposures plus I, ``q̃ = 0.99·q + 0.01·p`` so the divergence stays finite. With λ = 0 it is plain ranking by
score; with λ > 0 a category the user keeps being shown loses to one they are interested in but have not seen —
the filter-bubble counterweight, measured by ``finlite simulate``.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

__all__ = ["ALPHA", "interest", "objective"]

ALPHA = 0.01


def interest(categories: Sequence[str], scored: Sequence[tuple[str, float]]) -> dict[str, float]:
    """p: per category (in ``categories`` order) the summed scores of the eligible offers, normalised; all
    zero: uniform over the categories that have an eligible offer."""
    totals = {c: 0.0 for c in categories}
    present: list[str] = []
    for category, score in scored:
        totals[category] += score
        if category not in present:
            present.append(category)
    total = 0.0  # explicit loops fix the order of the sums (Python >= 3.12's sum() of floats is compensated)
    for c in categories:
        total += totals[c]
    if total > 0:
        return {c: totals[c] / total for c in categories if totals[c] > 0}
    return {c: 1.0 / len(present) for c in categories if c in present}


def objective(lam: float, chosen_sum: float, score: float, p: Mapping[str, float], categories: Sequence[str],
              shown: Mapping[str, int]) -> float:
    """``(1 − λ)·(S + score) − λ·KL(p ‖ q̃)``, ``shown`` the category counts of history + chosen + candidate."""
    n = 0
    for count in shown.values():
        n += count
    kl = 0.0
    for c in categories:
        pc = p.get(c, 0.0)
        if pc > 0:
            q = (1 - ALPHA) * (shown.get(c, 0) / n) + ALPHA * pc
            if q > 0:  # 0 only when 0.01·p(c) underflows (p(c) below ~1e-322)
                kl += pc * math.log(pc / q)
    return (1 - lam) * (chosen_sum + score) - lam * kl
