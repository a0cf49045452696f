"""Users of the synthetic population: persona and latent traits, tenure and registration, the onboarding
plan, the lifecycle trajectory with the weekly number of sessions, and the observed attributes.

Steps of :func:`finlite.data.synth.profile.generate_population`; each draws from the shared generator in
a fixed order (the order is part of the output: same seed, same population).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocabulary import AUM_BUCKETS, OFFERABLE_PRODUCTS, PRODUCTS
from .profile_story import (
    DAY_MS,
    EVENT_ID,
    HOUR_MS,
    ONBOARDING_STEPS,
    PERSONA_ID,
    PERSONA_TABLE,
    PERSONAS,
    TRAIT_SD,
    WEEK_MS,
    persona_column,
    trait_affinity,
    utc_hour_ms,
)
from .sampling import gumbel_argmax

__all__ = ["Joining", "Traits", "Window", "draw_joining", "draw_traits", "draw_weekly_sessions", "observed_users"]


@dataclass(frozen=True)
class Window:
    """``n_users`` users observed over the ``weeks`` weeks before ``as_of_ms``."""

    n_users: int
    weeks: int
    as_of_ms: int

    @property
    def start(self) -> int:
        return self.as_of_ms - self.weeks * WEEK_MS


@dataclass
class Traits:
    """Latent traits per user (``persona`` indexes PERSONAS; ``z`` holds the standardised traits)."""

    persona: np.ndarray
    log_rate: np.ndarray  # log sessions per week
    risk: np.ndarray
    log_aum: np.ndarray  # log10 assets under management
    credit: np.ndarray
    fund: np.ndarray
    age: np.ndarray  # int64 years
    risk_level: np.ndarray  # int64 1..5
    z: dict[str, np.ndarray]  # engagement, risk, wealth, credit, fund, age
    preference: np.ndarray  # (n, len(OFFERABLE_PRODUCTS)) noisy product affinity
    is_prospect: np.ndarray
    is_newcomer: np.ndarray


@dataclass
class Joining:
    """When users registered and how their onboarding goes."""

    tenure: np.ndarray  # days since registration at as_of
    reg_ms: np.ndarray
    visible: np.ndarray  # registration (and onboarding) inside the window
    reg_week: np.ndarray  # week of the registration, -1 before the window
    complete_first: np.ndarray  # completes onboarding in the registration session
    wants_retry: np.ndarray  # abandons, then completes in the next session (if there is one)
    started: np.ndarray  # onboarding steps shown in the registration session
    explicit_abandon: np.ndarray  # an abandon event (else the user just leaves)
    abandon_steps: np.ndarray  # steps before abandoning


def draw_traits(rng: np.random.Generator, n: int, persona_weights: np.ndarray | None = None) -> Traits:
    """Persona, noisy traits around the persona means, age, risk level and product preference.

    ``persona_weights`` (one per PERSONAS, any positive scale) replaces the persona shares of the story."""
    weights = np.array([PERSONA_TABLE[name][0] for name in PERSONAS]) if persona_weights is None else persona_weights
    persona = rng.choice(len(PERSONAS), size=n, p=weights / weights.sum())
    col = lambda k: persona_column(persona, k)  # noqa: E731
    noise = rng.standard_normal((n, 5))
    log_rate = np.log(col(1)) + TRAIT_SD[0] * noise[:, 0]
    risk = col(2) + TRAIT_SD[1] * noise[:, 1]
    log_aum = col(3) + TRAIT_SD[2] * noise[:, 2]
    credit = col(4) + TRAIT_SD[3] * noise[:, 3]
    fund = col(5) + TRAIT_SD[4] * noise[:, 4]
    age = np.clip(np.rint(col(6) + col(7) * rng.standard_normal(n)), col(8), col(9)).astype(np.int64)
    risk_level = np.clip(np.rint(3.0 + 1.1 * risk + 0.5 * rng.standard_normal(n)), 1, 5).astype(np.int64)
    z = {
        "engagement": (log_rate - np.log(1.3)) / 0.6, "risk": risk, "wealth": (log_aum - 4.8) / 0.8,
        "credit": credit, "fund": fund, "age": (age - 40.0) / 12.0,
    }
    preference = trait_affinity(z) + 0.5 * rng.standard_normal((n, len(OFFERABLE_PRODUCTS)))
    return Traits(
        persona, log_rate, risk, log_aum, credit, fund, age, risk_level, z, preference,
        is_prospect=persona == PERSONA_ID["prospect"], is_newcomer=persona == PERSONA_ID["new_customer_onboarding"],
    )


def draw_joining(rng: np.random.Generator, window: Window, traits: Traits, hour_logits: np.ndarray) -> Joining:
    """Tenure and registration time, then the onboarding outcome."""
    n, is_prospect, is_newcomer = window.n_users, traits.is_prospect, traits.is_newcomer
    window_days = 7 * window.weeks
    u = rng.random(n)
    recent = rng.integers(1, window_days, size=n)
    old = np.floor(np.exp(rng.uniform(np.log(window_days + 5), np.log(5000), size=n))).astype(np.int64)
    newcomer_tenure = rng.integers(2, 86, size=n)
    tenure = np.where(is_newcomer, newcomer_tenure, np.where(u < np.where(is_prospect, 0.45, 0.07), recent, old))
    reg_hour = gumbel_argmax(rng, hour_logits, traits.persona)
    reg_ms = window.as_of_ms - (tenure + 1) * DAY_MS + utc_hour_ms(reg_hour) + rng.integers(1, HOUR_MS, size=n)
    visible = reg_ms >= window.start
    reg_week = np.where(visible, (reg_ms - window.start) // WEEK_MS, -1)

    u_first, u_retry, u_explicit, u_start = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
    complete_first = ~is_prospect & (~is_newcomer | (u_first < 0.78))
    return Joining(
        tenure, reg_ms, visible, reg_week, complete_first,
        wants_retry=is_newcomer & ~complete_first & (u_retry < 0.45) & visible,
        started=visible & (~is_prospect | (u_start < 0.6)),
        explicit_abandon=u_explicit < 0.6,
        abandon_steps=rng.integers(1, ONBOARDING_STEPS, size=n),
    )


def draw_weekly_sessions(
    rng: np.random.Generator, window: Window, traits: Traits, joining: Joining
) -> tuple[np.ndarray, np.ndarray]:
    """(trajectory per user, index into TRAJECTORIES; (n, weeks) number of sessions per week)."""
    n, W = window.n_users, window.weeks
    visible, reg_week, log_rate = joining.visible, joining.reg_week, traits.log_rate
    traj_p = persona_column(traits.persona, 10)
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
    week_end = window.start + (reg_week + 1) * WEEK_MS
    frac = np.clip((week_end - joining.reg_ms) / WEEK_MS, 0.0, 1.0)
    ramp = np.where(wk == reg_week[:, None], frac[:, None],
                    np.where(wk > reg_week[:, None], 1.0 + 0.4 * np.exp(-(wk - reg_week[:, None]) / 2.0), 0.0))
    trend = np.where(visible[:, None], trend * ramp, trend)
    lam = np.exp(log_rate)[:, None] * trend * rng.gamma(4.0, 0.25, size=(n, W))
    counts = rng.poisson(lam)
    empty = ~visible & (counts.sum(axis=1) == 0)
    counts[np.nonzero(empty)[0], np.argmax(trend[empty], axis=1)] = 1
    return traj, counts


def observed_users(
    rng: np.random.Generator,
    traits: Traits,
    joining: Joining,
    is_customer: np.ndarray,
    held: np.ndarray,
    events: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(the users table, AUM bucket index per user). ``held`` (n, len(PRODUCTS)) gains the products
    bought in the window (in place); non-customers hold nothing."""
    e_user, e_type, e_product = events["user"], events["type"], events["product"]
    n = len(traits.persona)
    bought = np.isin(e_type, [EVENT_ID["purchase"], EVENT_ID["deposit"]]) & (e_product > 0)
    held[e_user[bought], e_product[bought]] = True
    held[~is_customer] = False
    log_aum = traits.log_aum
    observed_log_aum = np.where(joining.visible, log_aum - rng.uniform(0.3, 1.2, size=n), log_aum)
    aum_index = np.clip(np.searchsorted(np.array([4.0, 4.7, 5.3, 6.0, 6.7]), observed_log_aum, side="right"), 0, 5)
    aum_index = np.where(is_customer, aum_index, 0)

    product_names = np.array(PRODUCTS, dtype=object)
    users = {
        "user_id": np.array([f"u{i:06d}" for i in range(n)], dtype=object),
        "age": traits.age,
        "risk_level": traits.risk_level,
        "tenure_days": joining.tenure.astype(np.int64),
        "holdings": np.array([";".join(product_names[1:][row]) for row in held[:, 1:]], dtype=object),
        "aum_bucket": np.array(AUM_BUCKETS, dtype=object)[aum_index],
    }
    return users, aum_index
