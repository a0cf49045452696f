"""Synthetic mobile-banking user population with ground truth, for on-device *profile* models.

Every user gets a persona (young saver, fund investor, high-net-worth, retiree, dormant holder, credit-card
spender, onboarding newcomer, or a prospect who only browses), latent traits drawn with noise around the
persona means (engagement, risk appetite, wealth, credit appetite, fund affinity) and a lifecycle
trajectory over ``weeks`` weeks (stable, declining, stopped; newcomers start late). Weekly session counts
follow the traits and the trajectory; each session is ``[push_open] login → [onboarding steps] →
page views (log-normal dwell) with searches and transactions (log-normal amounts scaled by wealth) →
[logout]``. Some users have a burst of interest in one product in the last one or two weeks, others had
one weeks ago.

The labels (lifecycle stage, one score in [0, 1] per tag, next purchased product) are computed from the
latent state *and* the observed behaviour with noise, and weigh recent events more than old ones, so they
are learnable from the event sequence and attributes but not readable from one column. The generative
story and every label formula are documented in ``docs/synthetic_profiles.md``.

Timestamps are UTC epoch milliseconds; the personas' hour-of-day habits are in local time at
:data:`LOCAL_UTC_OFFSET_MINUTES` (UTC+8, the profile feature spec's default).

Only ``numpy.random.default_rng`` generators seeded from ``seed`` are used, and nothing iterates over sets
or hashes strings, so the same arguments give bit-identical populations in every process.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import numpy as np

from finlite.data.event_schema import (
    ATTRIBUTE_COLUMNS,
    AUM_BUCKETS,
    EVENT_COLUMNS,
    EVENT_TYPES,
    LABEL_COLUMNS_PREFIX,
    LIFECYCLE_STAGES,
    OFFERABLE_PRODUCTS,
    PAGES,
    PRODUCTS,
    SCHEMA_VERSION,
    TAGS,
)
from finlite.errors import FinliteError

GENERATOR_VERSION = "finlite.synth_profile/1"
PERSONAS = (
    "young_saver",
    "active_fund_investor",
    "high_net_worth",
    "retiree_pension",
    "dormant_holder",
    "credit_card_spender",
    "new_customer_onboarding",
    "prospect",
)
TRAJECTORIES = ("stable", "declining", "stopped")
# Values no vocabulary knows; a dirty population carries a few of them.
UNKNOWN_PAGES = ("promo_618", "wealth_v2", "mini_program", "live_stream")
UNKNOWN_EVENT_TYPES = ("share", "screenshot", "biometric_setup")
# Event types that carry an amount, and those that carry a dwell time (all others leave the cell empty).
AMOUNT_EVENT_TYPES = (
    "transfer", "purchase", "redemption", "card_payment", "repayment", "deposit", "withdrawal", "bill_payment"
)
DWELL_EVENT_TYPES = ("page_view", "onboarding_step")

SECOND_MS = 1_000
HOUR_MS = 3_600_000
# Personas' hour-of-day patterns are in local wall-clock time at this offset from UTC (China Standard Time,
# the default of the profile feature spec); timestamps are written in UTC.
LOCAL_UTC_OFFSET_MINUTES = 480
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS

# --- the generative story: tables ----------------------------------------------------------------

# persona: weight, sessions/week, risk z, log10 AUM, credit z, fund z, age mean, sd, min, max,
#          P(stable, declining, stopped), dwell factor, P(session opened from a push)
_PERSONA_TABLE = {
    "young_saver":             (0.16, 1.3, -0.3, 4.2, 0.2, -0.1, 26, 4, 18, 35, (0.64, 0.19, 0.17), 0.8, 0.10),
    "active_fund_investor":    (0.13, 2.4, 1.0, 5.2, -0.1, 1.3, 37, 8, 22, 62, (0.74, 0.15, 0.11), 1.0, 0.08),
    "high_net_worth":          (0.07, 1.4, 0.5, 6.3, -0.3, 0.6, 50, 9, 30, 78, (0.74, 0.15, 0.11), 1.1, 0.10),
    "retiree_pension":         (0.10, 1.0, -1.0, 5.1, -0.9, -0.4, 66, 5, 58, 88, (0.70, 0.15, 0.15), 1.5, 0.20),
    "dormant_holder":          (0.11, 0.6, -0.2, 4.9, -0.3, -0.2, 45, 12, 22, 82, (0.48, 0.24, 0.28), 1.1, 0.45),
    "credit_card_spender":     (0.16, 2.0, 0.1, 4.3, 1.4, -0.4, 31, 6, 20, 52, (0.66, 0.19, 0.15), 0.8, 0.10),
    "new_customer_onboarding": (0.15, 1.6, 0.0, 4.4, 0.3, 0.1, 29, 7, 18, 58, (0.78, 0.12, 0.10), 0.9, 0.12),
    "prospect":                (0.12, 0.9, 0.0, 4.0, 0.3, 0.2, 30, 9, 18, 66, (0.60, 0.20, 0.20), 0.9, 0.15),
}
_TRAIT_SD = (0.35, 0.6, 0.45, 0.6, 0.6)  # engagement (log rate), risk, log10 AUM, credit, fund
# Hour-of-day mixtures per persona: (peak hour, weight) bumps of sd 1.8 h plus a small floor.
_HOUR_PEAKS = {
    "young_saver": ((12.5, 0.3), (21.5, 0.6), (0.5, 0.1)),
    "active_fund_investor": ((9.7, 0.35), (14.0, 0.25), (21.0, 0.4)),
    "high_net_worth": ((8.0, 0.4), (13.0, 0.2), (20.0, 0.4)),
    "retiree_pension": ((8.5, 0.6), (15.0, 0.3), (19.0, 0.1)),
    "dormant_holder": ((12.0, 0.5), (20.0, 0.5)),
    "credit_card_spender": ((12.5, 0.35), (19.0, 0.3), (23.0, 0.35)),
    "new_customer_onboarding": ((11.0, 0.3), (21.0, 0.7)),
    "prospect": ((13.0, 0.3), (22.0, 0.7)),
}
# Median dwell per page (ms).
_DWELL_MEDIAN = {
    "home": 3500, "accounts": 6000, "transfer": 15000, "funds": 12000, "fund_detail": 30000, "wealth": 15000,
    "deposits": 10000, "cards": 6000, "credit_card": 10000, "loans": 15000, "mortgage": 20000,
    "pension": 15000, "insurance": 15000, "bills": 8000, "search": 5000, "onboarding": 25000,
    "messages": 5000, "settings": 7000, "support": 20000,
}
# Products a page can be about; "none" weight (log) on pages that may be about no product.
_PAGE_PRODUCTS = {
    "funds": (("fund_equity", "fund_bond", "fund_money_market"), 0.7),
    "fund_detail": (("fund_equity", "fund_bond", "fund_money_market"), None),
    "wealth": (("fixed_income_wealth", "demand_deposit_wealth", "gold", "fx"), 0.3),
    "deposits": (("time_deposit", "demand_deposit_wealth"), 0.3),
    "cards": (("credit_card",), 0.5),
    "credit_card": (("credit_card",), None),
    "loans": (("consumer_loan",), None),
    "mortgage": (("mortgage",), None),
    "pension": (("pension_account",), None),
    "insurance": (("insurance",), None),
    "search": (OFFERABLE_PRODUCTS, 0.8),
}
# Pages an interest burst in a product pushes the user to: product -> ((page, logit boost), ...).
_BURST_PAGES = {
    "fund_equity": (("funds", 1.5), ("fund_detail", 2.5)),
    "fund_bond": (("funds", 1.5), ("fund_detail", 2.5)),
    "fund_money_market": (("funds", 1.5), ("fund_detail", 2.5)),
    "fixed_income_wealth": (("wealth", 2.5),),
    "demand_deposit_wealth": (("wealth", 1.5), ("deposits", 1.5)),
    "time_deposit": (("deposits", 2.5),),
    "pension_account": (("pension", 2.5),),
    "credit_card": (("credit_card", 2.5), ("cards", 1.0)),
    "consumer_loan": (("loans", 2.5),),
    "mortgage": (("mortgage", 2.5),),
    "insurance": (("insurance", 2.5),),
    "gold": (("wealth", 2.5),),
    "fx": (("wealth", 1.5), ("transfer", 0.5)),
}
# Prior holdings (customers who joined before the window): P = sigmoid(0.9 * preference + bias).
_HOLDING_BIAS = {
    "fund_equity": -1.4, "fund_bond": -1.8, "fund_money_market": -1.0, "fixed_income_wealth": -1.7,
    "demand_deposit_wealth": -0.6, "time_deposit": -0.8, "pension_account": -2.0, "credit_card": -0.6,
    "consumer_loan": -2.6, "mortgage": -2.3, "insurance": -2.0, "gold": -2.8, "fx": -2.6,
}
_HOLDING_PERSONA_BONUS = {
    "retiree_pension": {"pension_account": 2.5, "time_deposit": 1.0},
    "high_net_worth": {"fixed_income_wealth": 1.2, "gold": 1.2, "insurance": 1.0, "fx": 1.0},
    "credit_card_spender": {"credit_card": 2.5, "consumer_loan": 0.8},
    "active_fund_investor": {"fund_equity": 1.8, "fund_bond": 1.0, "fund_money_market": 1.0},
    "young_saver": {"demand_deposit_wealth": 1.0},
}
# Products that are bought once (a holder rarely buys another); funds, wealth, deposits, gold, fx repeat.
_ONCE_ONLY = ("pension_account", "credit_card", "consumer_loan", "mortgage", "insurance")
_ONBOARDING_STEPS = 6
_DRIFT_SD = 0.3  # weekly random-walk step of the product-page logits
_DRIFT_PAGES = np.array([p in ("funds", "fund_detail", "wealth", "deposits", "cards", "credit_card", "loans", "mortgage",
                               "pension", "insurance", "search") for p in PAGES], dtype=float)

# --- dirt -----------------------------------------------------------------------------------------
_DIRT_OOV = 0.003  # rows whose page or event_type is replaced by an unknown value
_DIRT_SWAP = 0.003  # rows swapped with the next row of the same user (out of timestamp order)
_DIRT_MISSING = 0.004  # rows whose amount or dwell cell is emptied

_CHUNK = 200_000  # rows per chunk when sampling categorical values (bounds memory)

_P = {name: i for i, name in enumerate(PAGES)}
_E = {name: i for i, name in enumerate(EVENT_TYPES)}
_R = {name: i for i, name in enumerate(PRODUCTS)}  # index 0 = "none"
_PERSONA = {name: i for i, name in enumerate(PERSONAS)}
_FUNDS = ("fund_equity", "fund_bond", "fund_money_market")
_FUND_PAGES = ("funds", "fund_detail")
_CREDIT_PAGES = ("cards", "credit_card", "loans")


class PopulationArgumentError(FinliteError, ValueError):
    """A bad argument to the generator or the writer (the CLI prints it as one line)."""


class PopulationExistsError(FinliteError, FileExistsError):
    """write_population would replace existing files and ``overwrite`` is False."""


class ParquetUnavailableError(FinliteError, ImportError):
    """fmt="parquet" without pyarrow installed."""


@dataclass
class Population:
    """A synthetic population: events (one row per event), users (one row per user) and labels.

    ``events`` columns follow :data:`EVENT_COLUMNS`: ``user_id``, ``event_type``, ``page``, ``product`` are
    object arrays of ``str``; ``timestamp`` is int64 epoch milliseconds (UTC); ``amount`` and ``dwell_ms``
    are float64 with NaN for an empty cell. Rows are grouped by user in time order (a dirty population has a
    few rows out of order). ``users`` follows :data:`ATTRIBUTE_COLUMNS` (``holdings`` is a ``;``-joined
    string, empty for none); ``labels`` has ``user_id``, ``lifecycle``, ``next_product`` and one float64
    column per tag. ``latent`` holds the hidden generative state per user (persona, trajectory, traits) for
    analysis; it is never written and must not be used as a feature. ``meta`` describes the run.
    """

    events: dict[str, np.ndarray]
    users: dict[str, np.ndarray | list]
    labels: dict[str, np.ndarray | list]
    as_of_ms: int
    latent: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def n_users(self) -> int:
        return len(self.users["user_id"])

    @property
    def n_events(self) -> int:
        return len(self.events["user_id"])


# --- helpers --------------------------------------------------------------------------------------


def _parse_as_of(as_of: str) -> int:
    text = as_of.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise PopulationArgumentError(f"as_of must be an ISO 8601 timestamp such as 2026-06-30T00:00:00Z, got {as_of!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(round(moment.timestamp() * 1000))


def _utc_hour_ms(local_hour: np.ndarray) -> np.ndarray:
    """Offset within a UTC day (ms) of the start of a local wall-clock hour."""
    return (local_hour * HOUR_MS - LOCAL_UTC_OFFSET_MINUTES * 60_000) % DAY_MS


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _gumbel_argmax(rng: np.random.Generator, logits: np.ndarray, rows: np.ndarray, extra=None) -> np.ndarray:
    """For each i, a draw from softmax(logits[rows[i]] (+ extra[i])) by the Gumbel-max trick, in chunks."""
    out = np.empty(len(rows), dtype=np.int64)
    for lo in range(0, len(rows), _CHUNK):
        hi = min(lo + _CHUNK, len(rows))
        block = logits[rows[lo:hi]]
        if extra is not None:
            block = block + extra(lo, hi)
        out[lo:hi] = np.argmax(block + rng.gumbel(size=block.shape), axis=1)
    return out


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """Index of the first row of each row's run of equal (sorted) keys."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.ones(n, dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(n), 0))


def _exclusive_cumsum_by_group(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    before = total - values
    return before - before[starts]


def _log_normal(rng: np.random.Generator, log10_median: np.ndarray, sd10: float) -> np.ndarray:
    return 10.0 ** (log10_median + sd10 * rng.standard_normal(np.shape(log10_median)))


def _hour_tables() -> np.ndarray:
    hours = np.arange(24) + 0.5
    table = np.zeros((len(PERSONAS), 24))
    for k, name in enumerate(PERSONAS):
        for peak, weight in _HOUR_PEAKS[name]:
            distance = np.minimum(np.abs(hours - peak), 24 - np.abs(hours - peak))
            table[k] += weight * np.exp(-0.5 * (distance / 1.8) ** 2)
        table[k] += 0.01
        table[k] /= table[k].sum()
    return np.log(table)


def _trait_affinity(z: dict[str, np.ndarray]) -> np.ndarray:
    """(n, len(OFFERABLE_PRODUCTS)) latent product affinity from standardised traits (see docs)."""
    f, r, w, c, a, e = z["fund"], z["risk"], z["wealth"], z["credit"], z["age"], z["engagement"]
    columns = {
        "fund_equity": 1.0 * f + 0.6 * r,
        "fund_bond": 0.8 * f - 0.1 * r + 0.2 * w,
        "fund_money_market": 0.5 * f - 0.4 * r + 0.2,
        "fixed_income_wealth": 0.6 * w - 0.4 * r + 0.2 * a,
        "demand_deposit_wealth": -0.3 * r - 0.3 * w - 0.3 * a + 0.3,
        "time_deposit": -0.6 * r + 0.4 * a,
        "pension_account": 0.5 * a - 0.2,
        "credit_card": 1.1 * c - 0.3 * a,
        "consumer_loan": 0.8 * c - 0.5 * w - 0.2,
        "mortgage": 0.4 * c - 0.6 * np.abs(a + 0.5) + 0.2 * w,
        "insurance": 0.3 * a + 0.3 * w - 0.1,
        "gold": 0.4 * w + 0.2 * r - 0.3,
        "fx": 0.4 * w + 0.3 * e - 0.3,
    }
    return np.stack([columns[p] for p in OFFERABLE_PRODUCTS], axis=1)


def _page_logits(z: dict[str, np.ndarray], persona: np.ndarray) -> np.ndarray:
    """(n, len(PAGES)) base page-view logits (see docs)."""
    f, r, w, c, a, e = z["fund"], z["risk"], z["wealth"], z["credit"], z["age"], z["engagement"]
    one = np.ones_like(f)
    columns = {
        "home": 1.6 * one, "accounts": 0.9 + 0.3 * w, "transfer": 0.6 + 0.2 * e,
        "funds": -0.3 + 0.9 * f, "fund_detail": -0.6 + 1.0 * f, "wealth": -0.6 + 0.5 * w,
        "deposits": -0.5 - 0.3 * r, "cards": -0.4 + 0.5 * c, "credit_card": -0.7 + 0.8 * c,
        "loans": -1.5 + 0.5 * c - 0.3 * w, "mortgage": -2.2 + 0.3 * c, "pension": -1.8 + 0.6 * a,
        "insurance": -2.0 + 0.2 * a, "bills": 0.0 * one, "search": -0.6 * one, "onboarding": -np.inf * one,
        "messages": -0.8 * one, "settings": -1.5 * one, "support": -2.0 * one,
    }
    logits = np.stack([columns[p] for p in PAGES], axis=1)
    prospect = persona == _PERSONA["prospect"]
    for page, shift in (("accounts", -2.5), ("transfer", -2.5), ("bills", -2.5), ("cards", -2.0),
                        ("funds", 0.4), ("wealth", 0.3), ("credit_card", 0.3), ("deposits", 0.3)):
        logits[prospect, _P[page]] += shift
    return logits


# --- generation -----------------------------------------------------------------------------------


def generate_population(
    n_users: int,
    seed: int = 0,
    weeks: int = 12,
    as_of: str = "2026-06-30T00:00:00Z",
    dirty: bool = True,
) -> Population:
    """A population of ``n_users`` users observed over the ``weeks`` weeks before ``as_of``.

    ``dirty`` adds about 1 % realistic dirt to the event rows (unknown page / event_type values, rows out of
    timestamp order, empty amount / dwell cells); labels and users are the same with or without it, and the
    clean rows are identical. Deterministic for a given set of arguments.
    """
    if isinstance(n_users, bool) or not isinstance(n_users, (int, np.integer)) or n_users < 1:
        raise PopulationArgumentError(f"n_users must be a positive integer, got {n_users!r}")
    if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or weeks < 6:
        raise PopulationArgumentError(f"weeks must be an integer >= 6, got {weeks!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise PopulationArgumentError(f"seed must be a non-negative integer, got {seed!r}")
    n, W = int(n_users), int(weeks)
    as_of_ms = _parse_as_of(as_of)
    window_start = as_of_ms - W * WEEK_MS
    rng = np.random.default_rng(int(seed))

    # ---- users: persona and latent traits ----
    table = [_PERSONA_TABLE[name] for name in PERSONAS]
    weights = np.array([row[0] for row in table])
    persona = rng.choice(len(PERSONAS), size=n, p=weights / weights.sum())
    col = lambda k: np.array([row[k] for row in table], dtype=float)[persona]  # noqa: E731
    noise = rng.standard_normal((n, 5))
    log_rate = np.log(col(1)) + _TRAIT_SD[0] * noise[:, 0]
    risk = col(2) + _TRAIT_SD[1] * noise[:, 1]
    log_aum = col(3) + _TRAIT_SD[2] * noise[:, 2]
    credit = col(4) + _TRAIT_SD[3] * noise[:, 3]
    fund = col(5) + _TRAIT_SD[4] * noise[:, 4]
    age = np.clip(np.rint(col(6) + col(7) * rng.standard_normal(n)), col(8), col(9)).astype(np.int64)
    risk_level = np.clip(np.rint(3.0 + 1.1 * risk + 0.5 * rng.standard_normal(n)), 1, 5).astype(np.int64)
    z = {
        "engagement": (log_rate - np.log(1.3)) / 0.6, "risk": risk, "wealth": (log_aum - 4.8) / 0.8,
        "credit": credit, "fund": fund, "age": (age - 40.0) / 12.0,
    }
    is_prospect = persona == _PERSONA["prospect"]
    is_newcomer = persona == _PERSONA["new_customer_onboarding"]
    preference = _trait_affinity(z) + 0.5 * rng.standard_normal((n, len(OFFERABLE_PRODUCTS)))

    # ---- tenure and registration ----
    window_days = 7 * W
    u = rng.random(n)
    recent = rng.integers(1, window_days, size=n)
    old = np.floor(np.exp(rng.uniform(np.log(window_days + 5), np.log(5000), size=n))).astype(np.int64)
    newcomer_tenure = rng.integers(2, 86, size=n)
    tenure = np.where(is_newcomer, newcomer_tenure, np.where(u < np.where(is_prospect, 0.45, 0.07), recent, old))
    hour_logits = _hour_tables()
    reg_hour = _gumbel_argmax(rng, hour_logits, persona)
    reg_ms = as_of_ms - (tenure + 1) * DAY_MS + _utc_hour_ms(reg_hour) + rng.integers(1, HOUR_MS, size=n)
    visible = reg_ms >= window_start  # registration (and onboarding) inside the window
    reg_week = np.where(visible, (reg_ms - window_start) // WEEK_MS, -1)

    # ---- onboarding outcome and customer status ----
    u_first, u_retry, u_explicit, u_start = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
    complete_first = ~is_prospect & (~is_newcomer | (u_first < 0.78))
    wants_retry = is_newcomer & ~complete_first & (u_retry < 0.45) & visible
    started = visible & (~is_prospect | (u_start < 0.6))
    explicit_abandon = u_explicit < 0.6
    abandon_steps = rng.integers(1, _ONBOARDING_STEPS, size=n)

    # ---- lifecycle trajectory and weekly sessions ----
    traj_p = np.array([row[10] for row in table])[persona]
    traj = (rng.random(n)[:, None] > np.cumsum(traj_p, axis=1)).sum(axis=1)
    w0 = rng.uniform(0.3 * W, 0.65 * W, size=n)
    k = rng.uniform(0.2, 0.45, size=n)
    floor = np.clip(0.5 / np.exp(log_rate), 0.12, 0.4)  # declining users still show up now and then
    stop = rng.integers(1, W - 2, size=n)  # first silent week, <= W - 3
    stop = np.where(visible, np.maximum(stop, reg_week + 1), stop)
    traj = np.where((traj == 2) & (stop > W - 3), 0, traj)
    wk = np.arange(W)[None, :]
    trend = np.ones((n, W))
    decay = np.maximum(np.exp(-k[:, None] * np.maximum(0.0, wk + 0.5 - w0[:, None])), floor[:, None])
    trend = np.where((traj == 1)[:, None], decay, trend)
    pre_stop = np.exp(-0.25 * np.maximum(0, wk - (stop[:, None] - 3)))
    trend = np.where((traj == 2)[:, None], np.where(wk < stop[:, None], pre_stop, 0.0), trend)
    week_end = window_start + (reg_week + 1) * WEEK_MS
    frac = np.clip((week_end - reg_ms) / WEEK_MS, 0.0, 1.0)
    ramp = np.where(wk == reg_week[:, None], frac[:, None],
                    np.where(wk > reg_week[:, None], 1.0 + 0.4 * np.exp(-(wk - reg_week[:, None]) / 2.0), 0.0))
    trend = np.where(visible[:, None], trend * ramp, trend)
    lam = np.exp(log_rate)[:, None] * trend * rng.gamma(4.0, 0.25, size=(n, W))
    counts = rng.poisson(lam)
    empty = ~visible & (counts.sum(axis=1) == 0)
    counts[np.nonzero(empty)[0], np.argmax(trend[empty], axis=1)] = 1

    # ---- sessions: the registration session (at reg_ms) + the weekly ones ----
    flat = counts.ravel()
    s_user = np.repeat(np.repeat(np.arange(n), W), flat)
    s_week = np.repeat(np.tile(np.arange(W), n), flat)
    m = len(s_user)
    s_hour = _gumbel_argmax(rng, hour_logits, persona[s_user])
    s_start = (window_start + s_week * WEEK_MS + rng.integers(0, 7, size=m) * DAY_MS + _utc_hour_ms(s_hour)
               + rng.integers(0, HOUR_MS, size=m))
    lower = reg_ms[s_user] + HOUR_MS
    room = np.maximum(window_start + (s_week + 1) * WEEK_MS - lower, HOUR_MS)
    s_start = np.where(visible[s_user] & (s_start < lower), lower + (rng.random(m) * room).astype(np.int64), s_start)
    reg_users = np.nonzero(visible)[0]
    s_user = np.concatenate([reg_users, s_user])
    s_week = np.concatenate([reg_week[reg_users], s_week])
    s_start = np.concatenate([reg_ms[reg_users], s_start])
    s_is_reg = np.concatenate([np.ones(len(reg_users), bool), np.zeros(m, bool)])
    order = np.lexsort((s_start, s_user))
    s_user, s_week, s_start, s_is_reg = s_user[order], s_week[order], s_start[order], s_is_reg[order]
    m = len(s_user)
    s_first = _group_starts(s_user)
    s_rank = np.arange(m) - s_first
    n_sessions = np.bincount(s_user, minlength=n)
    retry = wants_retry & (n_sessions >= 2)
    is_customer = complete_first | retry
    customer_from = np.where(complete_first, 0, np.where(retry, 1, np.iinfo(np.int64).max))
    s_customer = is_customer[s_user] & (s_rank >= customer_from[s_user])
    # onboarding in this session: 0 none, else number of steps; outcome 1 complete, 2 abandon, 3 silent
    s_steps = np.zeros(m, dtype=np.int64)
    s_outcome = np.zeros(m, dtype=np.int64)
    first_onb = s_is_reg & started[s_user]
    s_steps[first_onb] = np.where(complete_first[s_user[first_onb]], _ONBOARDING_STEPS, abandon_steps[s_user[first_onb]])
    s_outcome[first_onb] = np.where(complete_first[s_user[first_onb]], 1,
                                    np.where(explicit_abandon[s_user[first_onb]], 2, 3))
    retry_session = retry[s_user] & (s_rank == 1)
    s_steps[retry_session] = _ONBOARDING_STEPS
    s_outcome[retry_session] = 1

    # ---- interest bursts: one in the last 1-2 weeks, one weeks ago ----
    has_burst = rng.random(n) < 0.55
    burst_len = rng.integers(1, 3, size=n)
    burst_product = 1 + np.argmax(preference + rng.gumbel(size=preference.shape), axis=1)  # PRODUCTS index
    has_old = rng.random(n) < 0.45
    old_product = 1 + np.argmax(preference + rng.gumbel(size=preference.shape), axis=1)
    old_start = rng.integers(0, W - 6, size=n) if W > 6 else np.zeros(n, dtype=np.int64)
    s_mode = np.zeros(m, dtype=np.int64)  # 0 base, 1 recent burst, 2 old burst
    su = s_user
    s_mode[has_old[su] & (s_week >= old_start[su]) & (s_week < old_start[su] + 2)] = 2
    s_mode[has_burst[su] & (s_week >= W - burst_len[su])] = 1
    mode_product = np.stack([np.zeros(n, np.int64), burst_product, old_product], axis=1)  # (n, 3)

    # ---- page views ----
    base = _page_logits(z, persona) + 0.35 * rng.standard_normal((n, len(PAGES)))
    base[:, _P["onboarding"]] = -np.inf
    boost = np.zeros((len(PRODUCTS), len(PAGES)))
    for product, pages in _BURST_PAGES.items():
        for page, value in pages:
            boost[_R[product], _P[page]] = value
        boost[_R[product], _P["search"]] = 0.5
    # interests drift from week to week (a random walk on the product pages), so recent behaviour differs
    # from the window's average
    steps = _DRIFT_SD * rng.standard_normal((n, W, len(PAGES))) * _DRIFT_PAGES[None, None, :]
    drift = np.cumsum(steps, axis=1)
    drift -= drift.mean(axis=1, keepdims=True)
    page_tables = (base[:, None, :] + drift).reshape(n * W, -1)
    mu_k = 2.0 * np.exp(0.25 * z["engagement"])
    s_k = np.where(s_is_reg, rng.poisson(1.0, size=m), 1 + rng.poisson(mu_k[su] * np.where(s_mode > 0, 1.3, 1.0)))
    v_sess = np.repeat(np.arange(m), s_k)
    v_user = su[v_sess]
    v_mode = s_mode[v_sess]
    v_week = s_week[v_sess]
    v_page = _gumbel_argmax(rng, page_tables, v_user * W + v_week,
                            extra=lambda lo, hi: boost[mode_product[v_user[lo:hi], v_mode[lo:hi]]])
    # product of the page: a preference-weighted draw among the page's products (burst product boosted)
    prod_logits = np.concatenate([np.zeros((n, 1)), preference], axis=1)
    prod_tables = np.repeat(prod_logits[:, None, :], 3, axis=1)
    prod_tables[np.arange(n), 1, burst_product] += 2.5
    prod_tables[np.arange(n), 2, old_product] += 2.5
    prod_tables = prod_tables.reshape(3 * n, -1)
    page_mask = np.full((len(PAGES), len(PRODUCTS)), -np.inf)
    page_mask[:, 0] = 0.0
    for page, (products, none_logit) in _PAGE_PRODUCTS.items():
        page_mask[_P[page], 0] = -np.inf if none_logit is None else none_logit
        for product in products:
            page_mask[_P[page], _R[product]] = 0.0
    no_product = np.isneginf(page_mask[:, 1:]).all(axis=1)
    prod_tables_none = prod_tables.copy()
    prod_tables_none[:, 0] = 0.0  # the "none" column of the tables is replaced by the page's none weight
    v_product = np.zeros(len(v_page), dtype=np.int64)
    has_products = ~no_product[v_page]
    idx = np.nonzero(has_products)[0]
    v_product[idx] = _gumbel_argmax(
        rng, prod_tables_none, (v_user * 3 + v_mode)[idx], extra=lambda lo, hi: page_mask[v_page[idx[lo:hi]]]
    )
    in_burst = (v_mode > 0) & (v_product == mode_product[v_user, v_mode])
    dwell_factor = np.array([row[11] for row in table])[persona]
    dwell_median = np.array([_DWELL_MEDIAN[p] for p in PAGES], dtype=float)
    v_dwell = np.rint(np.clip(dwell_median[v_page] * dwell_factor[v_user] * np.where(in_burst, 1.6, 1.0)
                              * np.exp(0.6 * rng.standard_normal(len(v_page))), 300, 1_800_000))
    v_gap = 300 + np.rint(rng.exponential(1500.0, size=len(v_page)))

    # ---- actions after page views ----
    held = np.zeros((n, len(PRODUCTS)), dtype=bool)
    bonus = np.zeros((n, len(OFFERABLE_PRODUCTS)))
    for name, extra in _HOLDING_PERSONA_BONUS.items():
        rows = persona == _PERSONA[name]
        for product, value in extra.items():
            bonus[rows, OFFERABLE_PRODUCTS.index(product)] += value
    hold_bias = np.array([_HOLDING_BIAS[p] for p in OFFERABLE_PRODUCTS])
    prior = rng.random((n, len(OFFERABLE_PRODUCTS))) < _sigmoid(0.9 * preference + hold_bias + bonus)
    held[:, 1:] = prior & (is_customer & ~visible)[:, None]
    v_action, a_product, v_amount = _actions(rng, v_page, v_product, v_user, in_burst, s_customer[v_sess], held, z, log_aum)

    # ---- session layout (offsets from the session start, ms) ----
    s_push = rng.random(m) < np.array([row[12] for row in table])[persona][su]
    st_sess = np.repeat(np.arange(m), s_steps)
    st_dwell = np.rint(np.clip(_DWELL_MEDIAN["onboarding"] * np.exp(0.5 * rng.standard_normal(len(st_sess))), 2000, 900_000))
    st_gap = 500 + np.rint(rng.exponential(1000.0, size=len(st_sess)))
    login_gap = 500 + rng.integers(0, 2500, size=m)
    st_offset = login_gap[st_sess] + _exclusive_cumsum_by_group(st_dwell + st_gap, _group_starts(st_sess))
    onb_total = np.bincount(st_sess, weights=st_dwell + st_gap, minlength=m)
    outcome_offset = login_gap + onb_total  # the onboarding outcome event, if any
    v_offset = (outcome_offset + np.where(s_outcome > 0, 800, 0))[v_sess] + _exclusive_cumsum_by_group(
        v_dwell + v_gap, _group_starts(v_sess))
    pv_total = np.bincount(v_sess, weights=v_dwell + v_gap, minlength=m)
    end_offset = outcome_offset + np.where(s_outcome > 0, 800, 0) + pv_total
    s_logout = rng.random(m) < 0.75
    logout_offset = end_offset + 200 + rng.integers(0, 2500, size=m)
    a_offset = v_offset + np.rint(v_dwell * rng.uniform(0.3, 0.95, size=len(v_dwell)))
    push_offset = -(1000 + rng.integers(0, 20_000, size=m))
    # sessions of a user never overlap: start_i >= end_{i-1} + 1 min (a grouped running maximum)
    duration = (logout_offset + 60_000).astype(np.int64)
    before = _exclusive_cumsum_by_group(duration, s_first)
    rel = s_start - window_start - before
    shift = np.int64(8 * (W + 2) * WEEK_MS)
    rel = np.maximum.accumulate(rel + su * shift) - su * shift
    s_start = rel + before + window_start

    # ---- assemble the event rows ----
    nan = np.nan
    blocks = []

    def block(sess, offset, etype, page, product, amount=None, dwell=None):
        count = len(sess)
        blocks.append((
            sess, s_start[sess] + np.asarray(offset, dtype=np.int64),
            np.broadcast_to(np.asarray(etype, np.int64), count), np.broadcast_to(np.asarray(page, np.int64), count),
            np.broadcast_to(np.asarray(product, np.int64), count),
            np.full(count, nan) if amount is None else amount, np.full(count, nan) if dwell is None else dwell,
        ))

    ps = np.nonzero(s_push)[0]
    block(ps, push_offset[ps], _E["push_open"], _P["messages"], 0)
    block(np.arange(m), np.zeros(m), _E["login"], _P["home"], 0)
    block(st_sess, st_offset, _E["onboarding_step"], _P["onboarding"], 0, dwell=st_dwell)
    for outcome, etype in ((1, "onboarding_complete"), (2, "onboarding_abandon")):
        sel = np.nonzero(s_outcome == outcome)[0]
        block(sel, outcome_offset[sel], _E[etype], _P["onboarding"], 0)
    block(v_sess, v_offset, _E["page_view"], v_page, v_product, dwell=v_dwell)
    act = np.nonzero(v_action >= 0)[0]
    block(v_sess[act], a_offset[act], v_action[act], v_page[act], a_product[act], amount=v_amount[act])
    last_page = np.full(m, _P["home"], dtype=np.int64)
    last_page[v_sess] = v_page  # later page views overwrite earlier ones
    lo = np.nonzero(s_logout)[0]
    block(lo, logout_offset[lo], _E["logout"], last_page[lo], 0)
    e_sess, e_ts, e_type, e_page, e_product, e_amount, e_dwell = (np.concatenate(parts) for parts in zip(*blocks))
    e_user = su[e_sess]
    keep = e_ts < as_of_ms
    e_sess, e_ts, e_type, e_page, e_product, e_amount, e_dwell, e_user = (
        a[keep] for a in (e_sess, e_ts, e_type, e_page, e_product, e_amount, e_dwell, e_user))
    order = np.lexsort((e_type == _E["logout"], e_ts, e_user))
    e_sess, e_ts, e_type, e_page, e_product, e_amount, e_dwell, e_user = (
        a[order] for a in (e_sess, e_ts, e_type, e_page, e_product, e_amount, e_dwell, e_user))

    # ---- observed attributes: holdings and AUM ----
    bought = np.isin(e_type, [_E["purchase"], _E["deposit"]]) & (e_product > 0)
    held[e_user[bought], e_product[bought]] = True
    held[~is_customer] = False
    observed_log_aum = np.where(visible, log_aum - rng.uniform(0.3, 1.2, size=n), log_aum)
    aum_index = np.clip(np.searchsorted(np.array([4.0, 4.7, 5.3, 6.0, 6.7]), observed_log_aum, side="right"), 0, 5)
    aum_index = np.where(is_customer, aum_index, 0)

    ids = np.array([f"u{i:06d}" for i in range(n)], dtype=object)
    product_names = np.array(PRODUCTS, dtype=object)
    holdings = np.array([";".join(product_names[1:][row]) for row in held[:, 1:]], dtype=object)
    users = {
        "user_id": ids, "age": age, "risk_level": risk_level, "tenure_days": tenure.astype(np.int64),
        "holdings": holdings, "aum_bucket": np.array(AUM_BUCKETS, dtype=object)[aum_index],
    }

    # ---- ground truth ----
    labels, label_info = _labels(
        rng, n=n, W=W, as_of_ms=as_of_ms, window_start=window_start, e_user=e_user, e_ts=e_ts, e_type=e_type,
        e_page=e_page, e_product=e_product, e_amount=e_amount, held=held, is_customer=is_customer,
        tenure=tenure, aum_index=aum_index, z=z, log_aum=log_aum,
    )
    labels = {"user_id": ids, **labels}

    events = {
        "user_id": ids[e_user], "timestamp": e_ts.astype(np.int64),
        "event_type": np.array(EVENT_TYPES, dtype=object)[e_type], "page": np.array(PAGES, dtype=object)[e_page],
        "product": product_names[e_product], "amount": e_amount.astype(np.float64),
        "dwell_ms": e_dwell.astype(np.float64),
    }
    dirt = {"oov_page": 0, "oov_event_type": 0, "out_of_order": 0, "missing_amount": 0, "missing_dwell": 0}
    if dirty:
        events, dirt = _add_dirt(np.random.default_rng([int(seed), 1]), events)
    latent = {
        "persona": np.array(PERSONAS, dtype=object)[persona],
        "trajectory": np.array(TRAJECTORIES, dtype=object)[traj],
        "is_customer": is_customer, "sessions_per_week": np.exp(log_rate), "risk": risk, "log10_aum": log_aum,
        "credit": credit, "fund": fund, "burst_product": np.where(has_burst, product_names[burst_product], "none"),
        **label_info,
    }
    meta = {
        "generator": GENERATOR_VERSION, "schema": SCHEMA_VERSION, "n_users": n, "seed": int(seed), "weeks": W,
        "as_of": str(_iso(np.array([as_of_ms]))[0]), "as_of_ms": as_of_ms, "dirty": bool(dirty), "dirt": dirt,
    }
    return Population(events=events, users=users, labels=labels, as_of_ms=as_of_ms, latent=latent, meta=meta)


def _actions(rng, v_page, v_product, v_user, in_burst, customer, held, z, log_aum):
    """Event type (-1 = none), product and amount of the action that may follow each page view."""
    count = len(v_page)
    page = v_page
    user = v_user
    c, f, w, r = z["credit"][user], z["fund"][user], z["wealth"][user], z["risk"][user]
    la = log_aum[user]
    has_product = v_product > 0
    holds_card = held[user, _R["credit_card"]]
    holds_it = held[user, v_product]
    logit = np.full(count, -np.inf)
    kind = np.full(count, -1, dtype=np.int64)
    second = np.full(count, -1, dtype=np.int64)
    p_second = np.zeros(count)

    def rule(where, base, primary, secondary=-1, share=0.0):
        logit[where] = base[where] if isinstance(base, np.ndarray) else base
        kind[where] = primary
        second[where] = secondary
        p_second[where] = share

    is_page = {name: page == _P[name] for name in PAGES}
    fundish = is_page["funds"] | is_page["fund_detail"]
    rule(fundish & has_product, -2.0 + 0.7 * f, _E["purchase"], _E["redemption"], 0.2)
    rule(is_page["wealth"] & has_product, -2.2 + 0.5 * w, _E["purchase"], _E["redemption"], 0.15)
    rule(is_page["deposits"] & has_product, -1.8 - 0.4 * r, _E["deposit"], _E["withdrawal"], 0.2)
    rule(is_page["pension"], -2.0, _E["deposit"])
    rule(is_page["insurance"], -3.0, _E["purchase"])
    rule(is_page["loans"], -3.2 + 0.6 * c, _E["purchase"])
    rule(is_page["mortgage"], -4.0, _E["purchase"])
    card_page = is_page["cards"] | is_page["credit_card"]
    rule(card_page & holds_card, -1.3 + 0.6 * c, _E["card_payment"], _E["repayment"], 0.35)
    rule(card_page & ~holds_card, -3.0 + 0.6 * c, _E["purchase"])  # applies for a card
    rule(is_page["transfer"], 1.2, _E["transfer"])
    rule(is_page["bills"], 1.0, _E["bill_payment"])
    rule(is_page["accounts"], -2.5, _E["withdrawal"], _E["transfer"], 0.5)
    rule(is_page["home"] & holds_card, -3.5 + 1.2 * c, _E["card_payment"])  # in-app QR payment
    rule(is_page["search"], 1.5, _E["search"])
    logit = np.where(in_burst, logit + 1.0, logit)
    transactional = kind != _E["search"]
    happens = (rng.random(count) < _sigmoid(logit)) & (customer | ~transactional)
    use_second = (rng.random(count) < p_second) & (second >= 0)
    use_second &= ~((second == _E["redemption"]) & ~holds_it)  # redeem only what is held
    action = np.where(happens, np.where(use_second, second, kind), -1)
    # card payments and card-page purchases are about the card; page views on "cards" may have no product
    prod = v_product.copy()
    card_action = np.isin(action, [_E["card_payment"], _E["repayment"]]) | ((action == _E["purchase"]) & card_page)
    prod[card_action] = _R["credit_card"]

    normal = rng.standard_normal(count)
    amount = np.full(count, np.nan)
    invest = np.isin(prod, [_R[p] for p in ("fund_equity", "fund_bond", "fund_money_market", "fixed_income_wealth",
                                             "demand_deposit_wealth", "gold", "fx")])
    cases = [
        ((action == _E["purchase"]) & invest, 10 ** (la - 1.4 + 0.4 * normal), 100.0),
        ((action == _E["purchase"]) & (prod == _R["consumer_loan"]), 10 ** (4.3 + 0.4 * normal), 100.0),
        ((action == _E["purchase"]) & (prod == _R["mortgage"]), 10 ** (5.9 + 0.25 * normal), 1000.0),
        ((action == _E["purchase"]) & (prod == _R["insurance"]), 10 ** (3.4 + 0.4 * normal), 0.01),
        ((action == _E["deposit"]) & (prod == _R["pension_account"]), np.minimum(10 ** (3.3 + 0.3 * normal), 12000), 1.0),
        ((action == _E["deposit"]) & (prod == _R["time_deposit"]), 10 ** (la - 1.0 + 0.4 * normal), 1000.0),
        ((action == _E["deposit"]) & (prod != _R["time_deposit"]) & (prod != _R["pension_account"]),
         10 ** (la - 1.5 + 0.4 * normal), 100.0),
        (action == _E["redemption"], 10 ** (la - 1.3 + 0.4 * normal), 100.0),
        (action == _E["transfer"], 10 ** (2.3 + 0.35 * (la - 4.5) + 0.5 * normal), 0.01),
        (action == _E["card_payment"], 10 ** (1.9 + 0.15 * (la - 4.5) + 0.4 * normal), 0.01),
        (action == _E["repayment"], 10 ** (3.2 + 0.2 * (la - 4.5) + 0.35 * normal), 0.01),
        (action == _E["withdrawal"], 10 ** (3.0 + 0.3 * (la - 4.5) + 0.4 * normal), 100.0),
        (action == _E["bill_payment"], 10 ** (2.0 + 0.3 * normal), 0.01),
    ]
    for where, value, unit in cases:
        amount = np.where(where, np.maximum(np.round(value / unit) * unit, unit), amount)
    amount = np.round(amount, 2)
    return action, prod, amount


def _labels(rng, *, n, W, as_of_ms, window_start, e_user, e_ts, e_type, e_page, e_product, e_amount, held,
            is_customer, tenure, aum_index, z, log_aum):
    """Lifecycle, tag scores and next product from latent state + observed (clean) behaviour."""
    age_days = (as_of_ms - e_ts) / DAY_MS
    recency = 0.5 ** (age_days / 7.0)  # half-life one week
    week = np.clip((e_ts - window_start) // WEEK_MS, 0, W - 1)
    is_login = e_type == _E["login"]
    logins = np.zeros((n, W))
    np.add.at(logins, (e_user[is_login], week[is_login]), 1.0)
    first_week = np.where(logins.sum(1) > 0, np.argmax(logins > 0, axis=1), W)
    recent_rate = logins[:, W - 4:].sum(1) / np.clip(W - np.maximum(first_week, W - 4), 1, 4)
    early_weeks = np.clip((W - 4) - first_week, 0, None)
    early_rate = np.where(early_weeks > 0, logins[:, : W - 4].sum(1) / np.maximum(early_weeks, 1), recent_rate)
    trend = np.log((recent_rate + 0.25) / (early_rate + 0.25))
    last_ts = np.full(n, window_start, dtype=np.int64)
    np.maximum.at(last_ts, e_user, e_ts)
    days_since = (as_of_ms - last_ts) / DAY_MS
    recent_sessions = np.bincount(e_user[is_login & (age_days < 28)], minlength=n)

    # lifecycle: prospect > churned > new > pre_churn > active, thresholds blurred per user
    churn_days = 21 + rng.uniform(-5, 5, size=n)
    new_days = 60 + 10 * rng.standard_normal(n)
    decline = trend + 0.45 * rng.standard_normal(n)
    stage = np.full(n, LIFECYCLE_STAGES.index("active"))
    stage[(decline < -0.75) & (early_rate >= 0.5)] = LIFECYCLE_STAGES.index("pre_churn")
    stage[tenure < new_days] = LIFECYCLE_STAGES.index("new")
    stage[days_since >= churn_days] = LIFECYCLE_STAGES.index("churned")
    stage[~is_customer] = LIFECYCLE_STAGES.index("prospect")

    # behaviour aggregates for the tags
    is_view = e_type == _E["page_view"]
    w_view = np.bincount(e_user, weights=recency * is_view, minlength=n)
    fund_view = np.isin(e_page, [_P[p] for p in _FUND_PAGES]) & is_view
    credit_view = np.isin(e_page, [_P[p] for p in _CREDIT_PAGES]) & is_view
    fund_share = np.bincount(e_user, weights=recency * fund_view, minlength=n) / (w_view + 0.5)
    credit_share = np.bincount(e_user, weights=recency * credit_view, minlength=n) / (w_view + 0.5)
    fund_ids = [_R[p] for p in _FUNDS]
    fund_buys = np.bincount(e_user[(e_type == _E["purchase"]) & np.isin(e_product, fund_ids)], minlength=n)
    deposits = np.bincount(e_user[(e_type == _E["deposit"]) | ((e_type == _E["purchase"]) & np.isin(
        e_product, [_R["time_deposit"], _R["demand_deposit_wealth"]]))], minlength=n)
    card_use = np.bincount(e_user[np.isin(e_type, [_E["card_payment"], _E["repayment"]])], minlength=n)
    pushes = np.bincount(e_user[e_type == _E["push_open"]], minlength=n)
    max_amount = np.zeros(n)
    has_amount = np.isfinite(e_amount)
    np.maximum.at(max_amount, e_user[has_amount], e_amount[has_amount])
    eps = lambda: 0.5 * rng.standard_normal(n)  # noqa: E731

    tags = {
        "fund_preference": _sigmoid(-1.9 + 0.5 * z["fund"] + 7.0 * fund_share
                                    + 1.2 * (fund_buys - deposits) / (fund_buys + deposits + 1) + eps()),
        "dormant_activation": _sigmoid(-0.6 + 0.9 * (log_aum - 4.5) - 1.0 * np.log1p(recent_sessions)
                                       + 0.6 * np.log1p(pushes) + 0.4 * z["engagement"] - 2.5 * ~is_customer + eps()),
        "high_net_worth": _sigmoid(-4.6 + 1.3 * aum_index + 0.6 * np.maximum(np.log10(max_amount + 1) - 3.5, 0)
                                   + 0.5 * z["wealth"] + eps()),
        "churn_risk": _sigmoid(-1.2 - 1.3 * trend + 0.06 * np.minimum(days_since, 60) - 0.4 * z["engagement"] + eps()),
        "credit_appetite": _sigmoid(-1.8 + 0.9 * z["credit"] + 6.0 * credit_share + 0.3 * np.log1p(card_use) + eps()),
    }
    assert set(tags) == set(TAGS)

    # next product: softmax over latent affinity + recency-weighted interest - products held once
    has_product = e_product > 0
    key = e_user[has_product] * len(PRODUCTS) + e_product[has_product]
    size = n * len(PRODUCTS)
    weighted = np.bincount(key, weights=recency[has_product], minlength=size).reshape(n, -1)[:, 1:]
    total = np.bincount(key, minlength=size).reshape(n, -1)[:, 1:]
    once = np.array([p in _ONCE_ONLY for p in OFFERABLE_PRODUCTS])
    product_bias = np.array([0.3 if p in _FUNDS else 0.0 for p in OFFERABLE_PRODUCTS])
    logits = (0.8 * _trait_affinity(z) + 2.0 * np.log1p(weighted) + 0.1 * np.log1p(total)
              - 2.5 * (held[:, 1:] & once) + product_bias)
    next_product = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)

    labels = {
        "lifecycle": np.array(LIFECYCLE_STAGES, dtype=object)[stage],
        "next_product": np.array(OFFERABLE_PRODUCTS, dtype=object)[next_product],
        **{tag: np.round(tags[tag], 6) for tag in TAGS},
    }
    info = {"activity_trend": trend, "days_since_last_event": days_since}
    return labels, info


def _add_dirt(rng: np.random.Generator, events: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict]:
    """About 1 % of rows: unknown page / event_type values, adjacent rows swapped out of timestamp order,
    and emptied amount / dwell cells. Every row stays valid (all categorical cells non-empty)."""
    events = {name: np.array(values, copy=True) for name, values in events.items()}
    n = len(events["user_id"])
    views = np.nonzero(events["event_type"] == "page_view")[0]
    picks = rng.choice(views, size=min(len(views), int(round(_DIRT_OOV * n))), replace=False)
    as_page = rng.random(len(picks)) < 0.5
    events["page"][picks[as_page]] = np.array(UNKNOWN_PAGES, dtype=object)[rng.integers(0, len(UNKNOWN_PAGES), as_page.sum())]
    as_type = picks[~as_page]
    events["event_type"][as_type] = np.array(UNKNOWN_EVENT_TYPES, dtype=object)[
        rng.integers(0, len(UNKNOWN_EVENT_TYPES), len(as_type))]

    amounts = np.nonzero(np.isfinite(events["amount"]))[0]
    dwells = np.nonzero(np.isfinite(events["dwell_ms"]))[0]
    n_missing = int(round(_DIRT_MISSING * n))
    n_amount = min(len(amounts), n_missing // 3)
    gone_amount = rng.choice(amounts, size=n_amount, replace=False)
    gone_dwell = rng.choice(dwells, size=min(len(dwells), n_missing - n_amount), replace=False)
    events["amount"][gone_amount] = np.nan
    events["dwell_ms"][gone_dwell] = np.nan

    user, ts = events["user_id"], events["timestamp"]
    candidates = np.nonzero((user[:-1] == user[1:]) & (ts[:-1] < ts[1:]))[0]
    chosen = np.sort(rng.choice(candidates, size=min(len(candidates), int(round(_DIRT_SWAP * n))), replace=False))
    keep = np.ones(len(chosen), dtype=bool)
    for i in range(1, len(chosen)):  # no overlapping swaps
        if keep[i - 1] and chosen[i] == chosen[i - 1] + 1:
            keep[i] = False
    chosen = chosen[keep]
    perm = np.arange(n)
    perm[chosen], perm[chosen + 1] = chosen + 1, chosen
    events = {name: values[perm] for name, values in events.items()}
    dirt = {
        "oov_page": int(as_page.sum()), "oov_event_type": int(len(as_type)), "out_of_order": int(len(chosen)),
        "missing_amount": int(n_amount), "missing_dwell": int(len(gone_dwell)),
    }
    return events, dirt


# --- files ----------------------------------------------------------------------------------------


def _iso(ms: np.ndarray) -> np.ndarray:
    """Epoch ms → ``YYYY-MM-DDTHH:MM:SS.mmmZ`` strings."""
    text = np.datetime_as_string(np.asarray(ms, dtype=np.int64).astype("datetime64[ms]"), unit="ms")
    return np.char.add(text.astype(str), "Z")


def _parse_iso(values) -> np.ndarray:
    stripped = [v[:-1] if v.endswith(("Z", "z")) else v for v in values]
    return np.array(stripped, dtype="datetime64[ms]").astype(np.int64)


def _float_text(values: np.ndarray) -> list[str]:
    return ["" if v != v else repr(v) for v in np.asarray(values, dtype=np.float64).tolist()]


def _float_parse(values) -> np.ndarray:
    return np.array([float(v) if v not in ("", None) else np.nan for v in values], dtype=np.float64)


def _tables(pop: Population) -> dict[str, dict[str, list]]:
    """Column name → list of cell values (str/int/float/None) per file, in file order."""
    ev = pop.events
    events = {
        "user_id": list(ev["user_id"]), "timestamp": _iso(ev["timestamp"]).tolist(),
        "event_type": list(ev["event_type"]), "page": list(ev["page"]), "product": list(ev["product"]),
        "amount": np.asarray(ev["amount"], dtype=np.float64), "dwell_ms": np.asarray(ev["dwell_ms"], dtype=np.float64),
    }
    users = {name: pop.users[name] for name in ATTRIBUTE_COLUMNS}
    labels = {name: pop.labels[name] for name in (*LABEL_COLUMNS_PREFIX, *TAGS)}
    return {"events": events, "users": users, "labels": labels}


def write_population(pop: Population, out_dir: str | os.PathLike, fmt: str = "csv", *, overwrite: bool = False) -> dict[str, Path]:
    """Write ``events``, ``users`` and ``labels`` as ``.csv`` (UTF-8, header row, timestamps as ISO 8601
    ``...Z`` strings, empty cell = missing) or ``.parquet`` (needs pyarrow; same columns, timestamps as the
    same strings, missing = null), plus ``meta.json`` (as_of, seed, weeks, dirt counts). Refuses to replace
    existing files unless ``overwrite=True``. Returns ``{"events": path, "users": ..., "labels": ..., "meta": ...}``."""
    if fmt not in ("csv", "parquet"):
        raise PopulationArgumentError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ParquetUnavailableError("writing parquet needs pyarrow: pip install pyarrow") from exc
    root = Path(out_dir)
    paths = {name: root / f"{name}.{fmt}" for name in ("events", "users", "labels")}
    paths["meta"] = root / "meta.json"
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not overwrite:
        raise PopulationExistsError(
            f"refusing to overwrite {', '.join(existing)} (pass overwrite=True, or --force on the command line)")
    root.mkdir(parents=True, exist_ok=True)
    for name, columns in _tables(pop).items():
        if fmt == "csv":
            cells = []
            for key, values in columns.items():
                arr = np.asarray(values)
                cells.append(_float_text(arr) if arr.dtype.kind == "f" else [str(v) for v in arr.tolist()])
            with paths[name].open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(list(columns))
                writer.writerows(zip(*cells))
        else:
            arrays = {}
            for key, values in columns.items():
                arr = np.asarray(values)
                if arr.dtype.kind == "f":
                    arrays[key] = pa.array(arr, type=pa.float64(), from_pandas=True)  # NaN -> null
                elif arr.dtype.kind in "iu":
                    arrays[key] = pa.array(arr.astype(np.int64), type=pa.int64())
                else:
                    arrays[key] = pa.array([str(v) for v in arr.tolist()], type=pa.string())
            pq.write_table(pa.table(arrays), paths[name])
    meta = {key: value for key, value in pop.meta.items()}
    meta.setdefault("as_of_ms", int(pop.as_of_ms))
    meta["format"] = fmt
    paths["meta"].write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return paths


def read_population(out_dir: str | os.PathLike, fmt: str | None = None) -> Population:
    """Read back what :func:`write_population` wrote (``fmt`` is guessed from the files when omitted).

    A convenience for round trips and notebooks, not the production loader: values are kept as written
    (unknown categories stay strings, rows stay in file order, empty cells become NaN)."""
    root = Path(out_dir)
    if fmt is None:
        fmt = "parquet" if (root / "events.parquet").exists() else "csv"
    columns: dict[str, dict[str, list]] = {}
    for name in ("events", "users", "labels"):
        path = root / f"{name}.{fmt}"
        if fmt == "csv":
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                rows = list(reader)
            columns[name] = {key: [row[i] for row in rows] for i, key in enumerate(header)}
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            columns[name] = {key: table.column(key).to_pylist() for key in table.column_names}
        else:
            raise PopulationArgumentError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    ev, us, lb = columns["events"], columns["users"], columns["labels"]
    events = {
        "user_id": np.array(ev["user_id"], dtype=object), "timestamp": _parse_iso(ev["timestamp"]),
        "event_type": np.array(ev["event_type"], dtype=object), "page": np.array(ev["page"], dtype=object),
        "product": np.array(ev["product"], dtype=object), "amount": _float_parse(ev["amount"]),
        "dwell_ms": _float_parse(ev["dwell_ms"]),
    }
    users = {
        "user_id": np.array(us["user_id"], dtype=object),
        **{key: np.array([int(v) for v in us[key]], dtype=np.int64) for key in ("age", "risk_level", "tenure_days")},
        "holdings": np.array(["" if v is None else v for v in us["holdings"]], dtype=object),
        "aum_bucket": np.array(us["aum_bucket"], dtype=object),
    }
    labels = {
        "user_id": np.array(lb["user_id"], dtype=object), "lifecycle": np.array(lb["lifecycle"], dtype=object),
        "next_product": np.array(lb["next_product"], dtype=object), **{tag: _float_parse(lb[tag]) for tag in TAGS},
    }
    meta_path = root / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    as_of_ms = int(meta["as_of_ms"]) if "as_of_ms" in meta else int(events["timestamp"].max(initial=0)) + 1
    return Population(events=events, users=users, labels=labels, as_of_ms=as_of_ms, meta=meta)


def split_users(user_ids: Iterable[str], eval_fraction: float = 0.2, seed: int = 0) -> tuple[list[str], list[str]]:
    """``(train_ids, eval_ids)``: about ``eval_fraction`` of the distinct users held out, sorted.

    A user's side depends only on ``(seed, user_id)`` rank (SHA-256), never on input order or duplicates, so
    passing ``events["user_id"]`` works and growing a population moves few users across the split."""
    if not 0.0 < eval_fraction < 1.0:
        raise PopulationArgumentError(f"eval_fraction must be in (0, 1), got {eval_fraction}")
    distinct = sorted({str(u) for u in user_ids})
    if len(distinct) < 2:
        raise PopulationArgumentError("split_users needs at least two distinct user ids")
    key = lambda u: hashlib.sha256(f"{int(seed)}:{u}".encode()).hexdigest()  # noqa: E731
    ranked = sorted(distinct, key=key)
    n_eval = min(max(1, int(round(eval_fraction * len(distinct)))), len(distinct) - 1)
    held = set(ranked[:n_eval])
    return [u for u in distinct if u not in held], [u for u in distinct if u in held]
