"""Ground truth of the synthetic population: lifecycle stage, one score in [0, 1] per tag and the next
purchased product, from the latent state *and* the observed (clean) behaviour with noise.

Recent events weigh more than old ones (half-life one week), so the labels are learnable from the
event sequence and attributes but not readable from one column. Every formula is documented in
``docs/synthetic_profiles.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocabulary import LIFECYCLE_STAGES, OFFERABLE_PRODUCTS, PRODUCTS, TAGS
from .profile_story import (
    CREDIT_PAGES,
    DAY_MS,
    EVENT_ID,
    FUND_PAGES,
    FUNDS,
    ONCE_ONLY,
    PAGE_ID,
    PRODUCT_ID,
    WEEK_MS,
    trait_affinity,
)
from .profile_users import Traits, Window
from .sampling import sigmoid

__all__ = ["ground_truth"]


@dataclass
class _Activity:
    """Per event: how recent it is; per user: login trend and recency."""

    recency: np.ndarray  # per event: 0.5 ** (age in weeks)
    trend: np.ndarray  # log ratio of the recent (last 4 weeks) to the earlier login rate
    early_rate: np.ndarray
    days_since: np.ndarray  # days from the last event to as_of
    recent_sessions: np.ndarray  # logins in the last 28 days


def ground_truth(
    rng: np.random.Generator,
    window: Window,
    traits: Traits,
    events: dict[str, np.ndarray],
    held: np.ndarray,
    is_customer: np.ndarray,
    tenure: np.ndarray,
    aum_index: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(label columns ``lifecycle``, ``next_product`` and one per tag; latent activity per user)."""
    activity = _activity(window, events)
    stage = _lifecycle(rng, activity, is_customer, tenure)
    tags = _tag_scores(rng, events, activity, traits, is_customer, aum_index)
    next_product = _next_product(rng, events, activity, traits, held)
    labels = {
        "lifecycle": np.array(LIFECYCLE_STAGES, dtype=object)[stage],
        "next_product": np.array(OFFERABLE_PRODUCTS, dtype=object)[next_product],
        **{tag: np.round(tags[tag], 6) for tag in TAGS},
    }
    return labels, {"activity_trend": activity.trend, "days_since_last_event": activity.days_since}


def _activity(window: Window, events: dict[str, np.ndarray]) -> _Activity:
    n, W, as_of_ms, window_start = window.n_users, window.weeks, window.as_of_ms, window.start
    e_user, e_ts = events["user"], events["ts"]
    age_days = (as_of_ms - e_ts) / DAY_MS
    week = np.clip((e_ts - window_start) // WEEK_MS, 0, W - 1)
    is_login = events["type"] == EVENT_ID["login"]
    logins = np.zeros((n, W))
    np.add.at(logins, (e_user[is_login], week[is_login]), 1.0)
    first_week = np.where(logins.sum(1) > 0, np.argmax(logins > 0, axis=1), W)
    recent_rate = logins[:, W - 4:].sum(1) / np.clip(W - np.maximum(first_week, W - 4), 1, 4)
    early_weeks = np.clip((W - 4) - first_week, 0, None)
    early_rate = np.where(early_weeks > 0, logins[:, : W - 4].sum(1) / np.maximum(early_weeks, 1), recent_rate)
    last_ts = np.full(n, window_start, dtype=np.int64)
    np.maximum.at(last_ts, e_user, e_ts)
    return _Activity(
        recency=0.5 ** (age_days / 7.0),
        trend=np.log((recent_rate + 0.25) / (early_rate + 0.25)),
        early_rate=early_rate,
        days_since=(as_of_ms - last_ts) / DAY_MS,
        recent_sessions=np.bincount(e_user[is_login & (age_days < 28)], minlength=n),
    )


def _lifecycle(rng: np.random.Generator, activity: _Activity, is_customer: np.ndarray, tenure: np.ndarray) -> np.ndarray:
    """Index into LIFECYCLE_STAGES: prospect > churned > new > pre_churn > active, thresholds blurred per user."""
    n = len(is_customer)
    churn_days = 21 + rng.uniform(-5, 5, size=n)
    new_days = 60 + 10 * rng.standard_normal(n)
    decline = activity.trend + 0.45 * rng.standard_normal(n)
    stage = np.full(n, LIFECYCLE_STAGES.index("active"))
    stage[(decline < -0.75) & (activity.early_rate >= 0.5)] = LIFECYCLE_STAGES.index("pre_churn")
    stage[tenure < new_days] = LIFECYCLE_STAGES.index("new")
    stage[activity.days_since >= churn_days] = LIFECYCLE_STAGES.index("churned")
    stage[~is_customer] = LIFECYCLE_STAGES.index("prospect")
    return stage


def _tag_scores(
    rng: np.random.Generator, events: dict[str, np.ndarray], activity: _Activity, traits: Traits,
    is_customer: np.ndarray, aum_index: np.ndarray,
) -> dict[str, np.ndarray]:
    n, z, recency = len(is_customer), traits.z, activity.recency
    e_user, e_type, e_page, e_product, e_amount = (events[k] for k in ("user", "type", "page", "product", "amount"))
    E = EVENT_ID  # short: the aggregates below read as a table
    is_view = e_type == E["page_view"]
    w_view = np.bincount(e_user, weights=recency * is_view, minlength=n)
    fund_view = np.isin(e_page, [PAGE_ID[p] for p in FUND_PAGES]) & is_view
    credit_view = np.isin(e_page, [PAGE_ID[p] for p in CREDIT_PAGES]) & is_view
    fund_share = np.bincount(e_user, weights=recency * fund_view, minlength=n) / (w_view + 0.5)
    credit_share = np.bincount(e_user, weights=recency * credit_view, minlength=n) / (w_view + 0.5)
    fund_ids = [PRODUCT_ID[p] for p in FUNDS]
    fund_buys = np.bincount(e_user[(e_type == E["purchase"]) & np.isin(e_product, fund_ids)], minlength=n)
    deposits = np.bincount(e_user[(e_type == E["deposit"]) | ((e_type == E["purchase"]) & np.isin(
        e_product, [PRODUCT_ID["time_deposit"], PRODUCT_ID["demand_deposit_wealth"]]))], minlength=n)
    card_use = np.bincount(e_user[np.isin(e_type, [E["card_payment"], E["repayment"]])], minlength=n)
    pushes = np.bincount(e_user[e_type == E["push_open"]], minlength=n)
    max_amount = np.zeros(n)
    has_amount = np.isfinite(e_amount)
    np.maximum.at(max_amount, e_user[has_amount], e_amount[has_amount])
    eps = lambda: 0.5 * rng.standard_normal(n)  # noqa: E731
    trend, days_since = activity.trend, activity.days_since

    tags = {
        "fund_preference": sigmoid(-1.9 + 0.5 * z["fund"] + 7.0 * fund_share
                                   + 1.2 * (fund_buys - deposits) / (fund_buys + deposits + 1) + eps()),
        "dormant_activation": sigmoid(-0.6 + 0.9 * (traits.log_aum - 4.5) - 1.0 * np.log1p(activity.recent_sessions)
                                      + 0.6 * np.log1p(pushes) + 0.4 * z["engagement"] - 2.5 * ~is_customer + eps()),
        "high_net_worth": sigmoid(-4.6 + 1.3 * aum_index + 0.6 * np.maximum(np.log10(max_amount + 1) - 3.5, 0)
                                  + 0.5 * z["wealth"] + eps()),
        "churn_risk": sigmoid(-1.2 - 1.3 * trend + 0.06 * np.minimum(days_since, 60) - 0.4 * z["engagement"] + eps()),
        "credit_appetite": sigmoid(-1.8 + 0.9 * z["credit"] + 6.0 * credit_share + 0.3 * np.log1p(card_use) + eps()),
    }
    assert set(tags) == set(TAGS)
    return tags


def _next_product(
    rng: np.random.Generator, events: dict[str, np.ndarray], activity: _Activity, traits: Traits, held: np.ndarray
) -> np.ndarray:
    """Index into OFFERABLE_PRODUCTS: softmax over latent affinity + recency-weighted interest - products
    held once."""
    n, e_user, e_product = len(held), events["user"], events["product"]
    has_product = e_product > 0
    key = e_user[has_product] * len(PRODUCTS) + e_product[has_product]
    size = n * len(PRODUCTS)
    weighted = np.bincount(key, weights=activity.recency[has_product], minlength=size).reshape(n, -1)[:, 1:]
    total = np.bincount(key, minlength=size).reshape(n, -1)[:, 1:]
    once = np.array([p in ONCE_ONLY for p in OFFERABLE_PRODUCTS])
    product_bias = np.array([0.3 if p in FUNDS else 0.0 for p in OFFERABLE_PRODUCTS])
    logits = (0.8 * trait_affinity(traits.z) + 2.0 * np.log1p(weighted) + 0.1 * np.log1p(total)
              - 2.5 * (held[:, 1:] & once) + product_bias)
    return np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
