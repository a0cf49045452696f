"""Sessions of the synthetic population and the page views inside them.

Every user with a registration in the window gets a registration session (with onboarding steps), plus
the weekly sessions of :func:`~.profile_users.draw_weekly_sessions`. Some users have a burst of
interest in one product in the last one or two weeks, others had one weeks ago; page views follow the
user's page preferences (drifting from week to week) and the burst. Steps of
:func:`finlite.data.synth.profile.generate_population`, drawing in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocabulary import PAGES, PRODUCTS
from .profile_story import (
    BURST_PAGES,
    DAY_MS,
    DRIFT_PAGES,
    DRIFT_SD,
    DWELL_MEDIAN,
    HOUR_MS,
    ONBOARDING_STEPS,
    PAGE_ID,
    PAGE_PRODUCTS,
    PRODUCT_ID,
    WEEK_MS,
    page_logits,
    persona_column,
    utc_hour_ms,
)
from .profile_users import Joining, Traits, Window
from .sampling import group_starts, gumbel_argmax

__all__ = ["Bursts", "Sessions", "Views", "draw_bursts", "draw_page_views", "draw_sessions"]


@dataclass
class Sessions:
    """One row per session, sorted by (user, start)."""

    user: np.ndarray
    week: np.ndarray
    start: np.ndarray  # epoch ms
    is_reg: np.ndarray  # the registration session
    first: np.ndarray  # row of the user's first session
    rank: np.ndarray  # 0 = the user's first session
    customer: np.ndarray  # the user is a customer during this session
    steps: np.ndarray  # onboarding steps shown (0 = none)
    outcome: np.ndarray  # onboarding outcome: 0 none, 1 complete, 2 abandon, 3 silent

    def __len__(self) -> int:
        return len(self.user)


@dataclass
class Bursts:
    """Interest bursts: ``mode`` per session (0 base, 1 recent burst, 2 old burst) and the product of
    each user's modes (``mode_product`` (n, 3), PRODUCTS index; column 0 is 0)."""

    has_burst: np.ndarray
    burst_product: np.ndarray
    old_product: np.ndarray
    mode: np.ndarray
    mode_product: np.ndarray


@dataclass
class Views:
    """One row per page view, grouped by session."""

    sess: np.ndarray
    user: np.ndarray
    mode: np.ndarray
    page: np.ndarray  # PAGES index
    product: np.ndarray  # PRODUCTS index (0 = none)
    in_burst: np.ndarray  # about the product of the session's burst
    dwell: np.ndarray  # ms
    gap: np.ndarray  # ms to the next view


def draw_sessions(
    rng: np.random.Generator, window: Window, traits: Traits, joining: Joining, counts: np.ndarray,
    hour_logits: np.ndarray,
) -> tuple[Sessions, np.ndarray]:
    """(the sessions, customer flag per user): the registration session at ``reg_ms`` plus the weekly ones,
    with the onboarding steps and outcome of the registration (and retry) session."""
    n, W, window_start = window.n_users, window.weeks, window.start
    reg_ms, visible, reg_week = joining.reg_ms, joining.visible, joining.reg_week
    flat = counts.ravel()
    s_user = np.repeat(np.repeat(np.arange(n), W), flat)
    s_week = np.repeat(np.tile(np.arange(W), n), flat)
    m = len(s_user)
    s_hour = gumbel_argmax(rng, hour_logits, traits.persona[s_user])
    s_start = (window_start + s_week * WEEK_MS + rng.integers(0, 7, size=m) * DAY_MS + utc_hour_ms(s_hour)
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
    s_first = group_starts(s_user)
    s_rank = np.arange(m) - s_first
    n_sessions = np.bincount(s_user, minlength=n)
    complete_first = joining.complete_first
    retry = joining.wants_retry & (n_sessions >= 2)
    is_customer = complete_first | retry
    customer_from = np.where(complete_first, 0, np.where(retry, 1, np.iinfo(np.int64).max))
    s_customer = is_customer[s_user] & (s_rank >= customer_from[s_user])
    s_steps = np.zeros(m, dtype=np.int64)
    s_outcome = np.zeros(m, dtype=np.int64)
    first_onb = s_is_reg & joining.started[s_user]
    onb_user = s_user[first_onb]
    s_steps[first_onb] = np.where(complete_first[onb_user], ONBOARDING_STEPS, joining.abandon_steps[onb_user])
    s_outcome[first_onb] = np.where(complete_first[onb_user], 1, np.where(joining.explicit_abandon[onb_user], 2, 3))
    retry_session = retry[s_user] & (s_rank == 1)
    s_steps[retry_session] = ONBOARDING_STEPS
    s_outcome[retry_session] = 1
    sessions = Sessions(s_user, s_week, s_start, s_is_reg, s_first, s_rank, s_customer, s_steps, s_outcome)
    return sessions, is_customer


def draw_bursts(rng: np.random.Generator, window: Window, traits: Traits, sessions: Sessions) -> Bursts:
    """A burst of interest in one product in the last 1-2 weeks (55 % of users), one weeks ago (45 %)."""
    n, W, preference = window.n_users, window.weeks, traits.preference
    has_burst = rng.random(n) < 0.55
    burst_len = rng.integers(1, 3, size=n)
    burst_product = 1 + np.argmax(preference + rng.gumbel(size=preference.shape), axis=1)  # PRODUCTS index
    has_old = rng.random(n) < 0.45
    old_product = 1 + np.argmax(preference + rng.gumbel(size=preference.shape), axis=1)
    old_start = rng.integers(0, W - 6, size=n) if W > 6 else np.zeros(n, dtype=np.int64)
    su, s_week = sessions.user, sessions.week
    s_mode = np.zeros(len(sessions), dtype=np.int64)
    s_mode[has_old[su] & (s_week >= old_start[su]) & (s_week < old_start[su] + 2)] = 2
    s_mode[has_burst[su] & (s_week >= W - burst_len[su])] = 1
    mode_product = np.stack([np.zeros(n, np.int64), burst_product, old_product], axis=1)
    return Bursts(has_burst, burst_product, old_product, s_mode, mode_product)


def draw_page_views(
    rng: np.random.Generator, window: Window, traits: Traits, sessions: Sessions, bursts: Bursts
) -> Views:
    """Page views per session: the page from the user's (drifting) page preferences and the burst, the
    product from a preference-weighted draw among the page's products, then dwell and gap."""
    n, W, z, preference = window.n_users, window.weeks, traits.z, traits.preference
    m, su, s_mode, mode_product = len(sessions), sessions.user, bursts.mode, bursts.mode_product
    base = page_logits(z, traits.persona) + 0.35 * rng.standard_normal((n, len(PAGES)))
    base[:, PAGE_ID["onboarding"]] = -np.inf
    boost = np.zeros((len(PRODUCTS), len(PAGES)))
    for product, pages in BURST_PAGES.items():
        for page, value in pages:
            boost[PRODUCT_ID[product], PAGE_ID[page]] = value
        boost[PRODUCT_ID[product], PAGE_ID["search"]] = 0.5
    # interests drift from week to week (a random walk on the product pages), so recent behaviour differs
    # from the window's average
    steps = DRIFT_SD * rng.standard_normal((n, W, len(PAGES))) * DRIFT_PAGES[None, None, :]
    drift = np.cumsum(steps, axis=1)
    drift -= drift.mean(axis=1, keepdims=True)
    page_tables = (base[:, None, :] + drift).reshape(n * W, -1)
    mu_k = 2.0 * np.exp(0.25 * z["engagement"])
    s_k = np.where(sessions.is_reg, rng.poisson(1.0, size=m), 1 + rng.poisson(mu_k[su] * np.where(s_mode > 0, 1.3, 1.0)))
    v_sess = np.repeat(np.arange(m), s_k)
    v_user = su[v_sess]
    v_mode = s_mode[v_sess]
    v_week = sessions.week[v_sess]
    v_page = gumbel_argmax(rng, page_tables, v_user * W + v_week,
                           extra=lambda lo, hi: boost[mode_product[v_user[lo:hi], v_mode[lo:hi]]])
    # product of the page: a preference-weighted draw among the page's products (burst product boosted)
    prod_logits = np.concatenate([np.zeros((n, 1)), preference], axis=1)
    prod_tables = np.repeat(prod_logits[:, None, :], 3, axis=1)
    prod_tables[np.arange(n), 1, bursts.burst_product] += 2.5
    prod_tables[np.arange(n), 2, bursts.old_product] += 2.5
    prod_tables = prod_tables.reshape(3 * n, -1)
    page_mask = np.full((len(PAGES), len(PRODUCTS)), -np.inf)
    page_mask[:, 0] = 0.0
    for page, (products, none_logit) in PAGE_PRODUCTS.items():
        page_mask[PAGE_ID[page], 0] = -np.inf if none_logit is None else none_logit
        for product in products:
            page_mask[PAGE_ID[page], PRODUCT_ID[product]] = 0.0
    no_product = np.isneginf(page_mask[:, 1:]).all(axis=1)
    prod_tables_none = prod_tables.copy()
    prod_tables_none[:, 0] = 0.0  # the "none" column of the tables is replaced by the page's none weight
    v_product = np.zeros(len(v_page), dtype=np.int64)
    idx = np.nonzero(~no_product[v_page])[0]
    v_product[idx] = gumbel_argmax(
        rng, prod_tables_none, (v_user * 3 + v_mode)[idx], extra=lambda lo, hi: page_mask[v_page[idx[lo:hi]]]
    )
    in_burst = (v_mode > 0) & (v_product == mode_product[v_user, v_mode])
    dwell_factor = persona_column(traits.persona, 11)
    dwell_median = np.array([DWELL_MEDIAN[p] for p in PAGES], dtype=float)
    v_dwell = np.rint(np.clip(dwell_median[v_page] * dwell_factor[v_user] * np.where(in_burst, 1.6, 1.0)
                              * np.exp(0.6 * rng.standard_normal(len(v_page))), 300, 1_800_000))
    v_gap = 300 + np.rint(rng.exponential(1500.0, size=len(v_page)))
    return Views(v_sess, v_user, v_mode, v_page, v_product, in_burst, v_dwell, v_gap)
