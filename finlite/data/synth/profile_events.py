"""Holdings before the window, the actions that follow page views, and the event rows of every session.

A session is ``[push_open] login → [onboarding steps] → page views with searches and transactions →
[logout]``; a user's sessions never overlap. Steps of
:func:`finlite.data.synth.profile.generate_population`, drawing in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocabulary import OFFERABLE_PRODUCTS, PAGES, PRODUCTS
from .profile_sessions import Sessions, Views
from .profile_story import (
    DWELL_MEDIAN,
    EVENT_ID,
    HOLDING_BIAS,
    HOLDING_PERSONA_BONUS,
    PAGE_ID,
    PERSONA_ID,
    PRODUCT_ID,
    WEEK_MS,
    persona_column,
)
from .profile_users import Joining, Traits, Window
from .sampling import exclusive_cumsum_by_group, group_starts, sigmoid

__all__ = ["Actions", "draw_actions", "event_rows", "prior_holdings"]

# event row columns, as ids (index into EVENT_TYPES / PAGES / PRODUCTS); sess and user index the sessions / users
EVENT_ROW_COLUMNS = ("sess", "ts", "type", "page", "product", "amount", "dwell")


@dataclass
class Actions:
    """Per page view: the event type of the action that follows it (-1 = none), its product and amount."""

    kind: np.ndarray
    product: np.ndarray
    amount: np.ndarray


def prior_holdings(rng: np.random.Generator, traits: Traits, is_customer: np.ndarray, joining: Joining) -> np.ndarray:
    """(n, len(PRODUCTS)) products held before the window, by customers who joined before it."""
    n, persona = len(traits.persona), traits.persona
    held = np.zeros((n, len(PRODUCTS)), dtype=bool)
    bonus = np.zeros((n, len(OFFERABLE_PRODUCTS)))
    for name, extra in HOLDING_PERSONA_BONUS.items():
        rows = persona == PERSONA_ID[name]
        for product, value in extra.items():
            bonus[rows, OFFERABLE_PRODUCTS.index(product)] += value
    hold_bias = np.array([HOLDING_BIAS[p] for p in OFFERABLE_PRODUCTS])
    prior = rng.random((n, len(OFFERABLE_PRODUCTS))) < sigmoid(0.9 * traits.preference + hold_bias + bonus)
    held[:, 1:] = prior & (is_customer & ~joining.visible)[:, None]
    return held


def draw_actions(rng: np.random.Generator, views: Views, customer: np.ndarray, held: np.ndarray, traits: Traits) -> Actions:
    """The action that may follow each page view (``customer``: per view, whether the user is a customer
    then; only customers transact)."""
    page, user, v_product = views.page, views.user, views.product
    count = len(page)
    z = traits.z
    c, f, w, r = z["credit"][user], z["fund"][user], z["wealth"][user], z["risk"][user]
    has_product = v_product > 0
    holds_card = held[user, PRODUCT_ID["credit_card"]]
    holds_it = held[user, v_product]
    logit = np.full(count, -np.inf)
    kind = np.full(count, -1, dtype=np.int64)
    second = np.full(count, -1, dtype=np.int64)
    p_second = np.zeros(count)

    def rule(where: np.ndarray, base: np.ndarray | float, primary: int, secondary: int = -1, share: float = 0.0) -> None:
        logit[where] = base[where] if isinstance(base, np.ndarray) else base
        kind[where] = primary
        second[where] = secondary
        p_second[where] = share

    E = EVENT_ID  # short: the rules below read as a table
    is_page = {name: page == PAGE_ID[name] for name in PAGES}
    fundish = is_page["funds"] | is_page["fund_detail"]
    rule(fundish & has_product, -2.0 + 0.7 * f, E["purchase"], E["redemption"], 0.2)
    rule(is_page["wealth"] & has_product, -2.2 + 0.5 * w, E["purchase"], E["redemption"], 0.15)
    rule(is_page["deposits"] & has_product, -1.8 - 0.4 * r, E["deposit"], E["withdrawal"], 0.2)
    rule(is_page["pension"], -2.0, E["deposit"])
    rule(is_page["insurance"], -3.0, E["purchase"])
    rule(is_page["loans"], -3.2 + 0.6 * c, E["purchase"])
    rule(is_page["mortgage"], -4.0, E["purchase"])
    card_page = is_page["cards"] | is_page["credit_card"]
    rule(card_page & holds_card, -1.3 + 0.6 * c, E["card_payment"], E["repayment"], 0.35)
    rule(card_page & ~holds_card, -3.0 + 0.6 * c, E["purchase"])  # applies for a card
    rule(is_page["transfer"], 1.2, E["transfer"])
    rule(is_page["bills"], 1.0, E["bill_payment"])
    rule(is_page["accounts"], -2.5, E["withdrawal"], E["transfer"], 0.5)
    rule(is_page["home"] & holds_card, -3.5 + 1.2 * c, E["card_payment"])  # in-app QR payment
    rule(is_page["search"], 1.5, E["search"])
    logit = np.where(views.in_burst, logit + 1.0, logit)
    transactional = kind != E["search"]
    happens = (rng.random(count) < sigmoid(logit)) & (customer | ~transactional)
    use_second = (rng.random(count) < p_second) & (second >= 0)
    use_second &= ~((second == E["redemption"]) & ~holds_it)  # redeem only what is held
    action = np.where(happens, np.where(use_second, second, kind), -1)
    # card payments and card-page purchases are about the card; page views on "cards" may have no product
    prod = v_product.copy()
    card_action = np.isin(action, [E["card_payment"], E["repayment"]]) | ((action == E["purchase"]) & card_page)
    prod[card_action] = PRODUCT_ID["credit_card"]
    return Actions(action, prod, _amounts(rng, action, prod, traits.log_aum[user]))


def _amounts(rng: np.random.Generator, action: np.ndarray, prod: np.ndarray, la: np.ndarray) -> np.ndarray:
    """Log-normal amounts of the actions (NaN where none), scaled by wealth (``la``: log10 AUM) and rounded
    to a plausible unit."""
    E, R = EVENT_ID, PRODUCT_ID  # short: the cases below read as a table
    normal = rng.standard_normal(len(action))
    amount = np.full(len(action), np.nan)
    invest = np.isin(prod, [R[p] for p in ("fund_equity", "fund_bond", "fund_money_market", "fixed_income_wealth",
                                           "demand_deposit_wealth", "gold", "fx")])
    cases = [
        ((action == E["purchase"]) & invest, 10 ** (la - 1.4 + 0.4 * normal), 100.0),
        ((action == E["purchase"]) & (prod == R["consumer_loan"]), 10 ** (4.3 + 0.4 * normal), 100.0),
        ((action == E["purchase"]) & (prod == R["mortgage"]), 10 ** (5.9 + 0.25 * normal), 1000.0),
        ((action == E["purchase"]) & (prod == R["insurance"]), 10 ** (3.4 + 0.4 * normal), 0.01),
        ((action == E["deposit"]) & (prod == R["pension_account"]), np.minimum(10 ** (3.3 + 0.3 * normal), 12000), 1.0),
        ((action == E["deposit"]) & (prod == R["time_deposit"]), 10 ** (la - 1.0 + 0.4 * normal), 1000.0),
        ((action == E["deposit"]) & (prod != R["time_deposit"]) & (prod != R["pension_account"]),
         10 ** (la - 1.5 + 0.4 * normal), 100.0),
        (action == E["redemption"], 10 ** (la - 1.3 + 0.4 * normal), 100.0),
        (action == E["transfer"], 10 ** (2.3 + 0.35 * (la - 4.5) + 0.5 * normal), 0.01),
        (action == E["card_payment"], 10 ** (1.9 + 0.15 * (la - 4.5) + 0.4 * normal), 0.01),
        (action == E["repayment"], 10 ** (3.2 + 0.2 * (la - 4.5) + 0.35 * normal), 0.01),
        (action == E["withdrawal"], 10 ** (3.0 + 0.3 * (la - 4.5) + 0.4 * normal), 100.0),
        (action == E["bill_payment"], 10 ** (2.0 + 0.3 * normal), 0.01),
    ]
    for where, value, unit in cases:
        amount = np.where(where, np.maximum(np.round(value / unit) * unit, unit), amount)
    return np.round(amount, 2)


def event_rows(
    rng: np.random.Generator, window: Window, traits: Traits, sessions: Sessions, views: Views, actions: Actions
) -> dict[str, np.ndarray]:
    """The event rows before ``as_of`` sorted by (user, time), as ids: ``user``, ``sess``, ``ts``, ``type``,
    ``page``, ``product``, ``amount``, ``dwell`` (NaN = empty cell)."""
    m, su, s_steps, s_outcome = len(sessions), sessions.user, sessions.steps, sessions.outcome
    v_sess, v_dwell, v_gap = views.sess, views.dwell, views.gap
    # offsets from the session start (ms)
    s_push = rng.random(m) < persona_column(traits.persona, 12)[su]
    st_sess = np.repeat(np.arange(m), s_steps)
    st_dwell = np.rint(np.clip(DWELL_MEDIAN["onboarding"] * np.exp(0.5 * rng.standard_normal(len(st_sess))), 2000, 900_000))
    st_gap = 500 + np.rint(rng.exponential(1000.0, size=len(st_sess)))
    login_gap = 500 + rng.integers(0, 2500, size=m)
    st_offset = login_gap[st_sess] + exclusive_cumsum_by_group(st_dwell + st_gap, group_starts(st_sess))
    onb_total = np.bincount(st_sess, weights=st_dwell + st_gap, minlength=m)
    outcome_offset = login_gap + onb_total  # the onboarding outcome event, if any
    v_offset = (outcome_offset + np.where(s_outcome > 0, 800, 0))[v_sess] + exclusive_cumsum_by_group(
        v_dwell + v_gap, group_starts(v_sess))
    pv_total = np.bincount(v_sess, weights=v_dwell + v_gap, minlength=m)
    end_offset = outcome_offset + np.where(s_outcome > 0, 800, 0) + pv_total
    s_logout = rng.random(m) < 0.75
    logout_offset = end_offset + 200 + rng.integers(0, 2500, size=m)
    a_offset = v_offset + np.rint(v_dwell * rng.uniform(0.3, 0.95, size=len(v_dwell)))
    push_offset = -(1000 + rng.integers(0, 20_000, size=m))
    # sessions of a user never overlap: start_i >= end_{i-1} + 1 min (a grouped running maximum)
    duration = (logout_offset + 60_000).astype(np.int64)
    before = exclusive_cumsum_by_group(duration, sessions.first)
    rel = sessions.start - window.start - before
    shift = np.int64(8 * (window.weeks + 2) * WEEK_MS)
    rel = np.maximum.accumulate(rel + su * shift) - su * shift
    s_start = rel + before + window.start

    blocks = []

    def block(
        sess: np.ndarray, offset: np.ndarray, etype: int | np.ndarray, page: int | np.ndarray,
        product: int | np.ndarray, amount: np.ndarray | None = None, dwell: np.ndarray | None = None,
    ) -> None:
        count = len(sess)
        blocks.append((
            sess, s_start[sess] + np.asarray(offset, dtype=np.int64),
            np.broadcast_to(np.asarray(etype, np.int64), count), np.broadcast_to(np.asarray(page, np.int64), count),
            np.broadcast_to(np.asarray(product, np.int64), count),
            np.full(count, np.nan) if amount is None else amount, np.full(count, np.nan) if dwell is None else dwell,
        ))

    E, P = EVENT_ID, PAGE_ID
    ps = np.nonzero(s_push)[0]
    block(ps, push_offset[ps], E["push_open"], P["messages"], 0)
    block(np.arange(m), np.zeros(m), E["login"], P["home"], 0)
    block(st_sess, st_offset, E["onboarding_step"], P["onboarding"], 0, dwell=st_dwell)
    for outcome, etype in ((1, "onboarding_complete"), (2, "onboarding_abandon")):
        sel = np.nonzero(s_outcome == outcome)[0]
        block(sel, outcome_offset[sel], E[etype], P["onboarding"], 0)
    block(v_sess, v_offset, E["page_view"], views.page, views.product, dwell=v_dwell)
    act = np.nonzero(actions.kind >= 0)[0]
    block(v_sess[act], a_offset[act], actions.kind[act], views.page[act], actions.product[act],
          amount=actions.amount[act])
    last_page = np.full(m, P["home"], dtype=np.int64)
    last_page[v_sess] = views.page  # later page views overwrite earlier ones
    lo = np.nonzero(s_logout)[0]
    block(lo, logout_offset[lo], E["logout"], last_page[lo], 0)
    rows = {name: np.concatenate(parts) for name, parts in zip(EVENT_ROW_COLUMNS, zip(*blocks))}
    rows["user"] = su[rows["sess"]]
    keep = rows["ts"] < window.as_of_ms
    rows = {name: values[keep] for name, values in rows.items()}
    order = np.lexsort((rows["type"] == E["logout"], rows["ts"], rows["user"]))
    return {name: values[order] for name, values in rows.items()}
