"""The generative story of the synthetic population as numbers: personas, their habits and the
page / product tables (documented in ``docs/synthetic_profiles.md``).
"""

from __future__ import annotations

import numpy as np

from .vocabulary import EVENT_TYPES, OFFERABLE_PRODUCTS, PAGES, PRODUCTS

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

# --- tables ----------------------------------------------------------------------------------------

# persona: weight, sessions/week, risk z, log10 AUM, credit z, fund z, age mean, sd, min, max,
#          P(stable, declining, stopped), dwell factor, P(session opened from a push)
PERSONA_TABLE = {
    "young_saver":             (0.16, 1.3, -0.3, 4.2, 0.2, -0.1, 26, 4, 18, 35, (0.64, 0.19, 0.17), 0.8, 0.10),
    "active_fund_investor":    (0.13, 2.4, 1.0, 5.2, -0.1, 1.3, 37, 8, 22, 62, (0.74, 0.15, 0.11), 1.0, 0.08),
    "high_net_worth":          (0.07, 1.4, 0.5, 6.3, -0.3, 0.6, 50, 9, 30, 78, (0.74, 0.15, 0.11), 1.1, 0.10),
    "retiree_pension":         (0.10, 1.0, -1.0, 5.1, -0.9, -0.4, 66, 5, 58, 88, (0.70, 0.15, 0.15), 1.5, 0.20),
    "dormant_holder":          (0.11, 0.6, -0.2, 4.9, -0.3, -0.2, 45, 12, 22, 82, (0.48, 0.24, 0.28), 1.1, 0.45),
    "credit_card_spender":     (0.16, 2.0, 0.1, 4.3, 1.4, -0.4, 31, 6, 20, 52, (0.66, 0.19, 0.15), 0.8, 0.10),
    "new_customer_onboarding": (0.15, 1.6, 0.0, 4.4, 0.3, 0.1, 29, 7, 18, 58, (0.78, 0.12, 0.10), 0.9, 0.12),
    "prospect":                (0.12, 0.9, 0.0, 4.0, 0.3, 0.2, 30, 9, 18, 66, (0.60, 0.20, 0.20), 0.9, 0.15),
}
TRAIT_SD = (0.35, 0.6, 0.45, 0.6, 0.6)  # engagement (log rate), risk, log10 AUM, credit, fund
# Hour-of-day mixtures per persona: (peak hour, weight) bumps of sd 1.8 h plus a small floor.
HOUR_PEAKS = {
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
DWELL_MEDIAN = {
    "home": 3500, "accounts": 6000, "transfer": 15000, "funds": 12000, "fund_detail": 30000, "wealth": 15000,
    "deposits": 10000, "cards": 6000, "credit_card": 10000, "loans": 15000, "mortgage": 20000,
    "pension": 15000, "insurance": 15000, "bills": 8000, "search": 5000, "onboarding": 25000,
    "messages": 5000, "settings": 7000, "support": 20000,
}
# Products a page can be about; "none" weight (log) on pages that may be about no product.
PAGE_PRODUCTS = {
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
BURST_PAGES = {
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
HOLDING_BIAS = {
    "fund_equity": -1.4, "fund_bond": -1.8, "fund_money_market": -1.0, "fixed_income_wealth": -1.7,
    "demand_deposit_wealth": -0.6, "time_deposit": -0.8, "pension_account": -2.0, "credit_card": -0.6,
    "consumer_loan": -2.6, "mortgage": -2.3, "insurance": -2.0, "gold": -2.8, "fx": -2.6,
}
HOLDING_PERSONA_BONUS = {
    "retiree_pension": {"pension_account": 2.5, "time_deposit": 1.0},
    "high_net_worth": {"fixed_income_wealth": 1.2, "gold": 1.2, "insurance": 1.0, "fx": 1.0},
    "credit_card_spender": {"credit_card": 2.5, "consumer_loan": 0.8},
    "active_fund_investor": {"fund_equity": 1.8, "fund_bond": 1.0, "fund_money_market": 1.0},
    "young_saver": {"demand_deposit_wealth": 1.0},
}
# Products that are bought once (a holder rarely buys another); funds, wealth, deposits, gold, fx repeat.
ONCE_ONLY = ("pension_account", "credit_card", "consumer_loan", "mortgage", "insurance")
ONBOARDING_STEPS = 6
DRIFT_SD = 0.3  # weekly random-walk step of the product-page logits
DRIFT_PAGES = np.array([p in ("funds", "fund_detail", "wealth", "deposits", "cards", "credit_card", "loans", "mortgage",
                               "pension", "insurance", "search") for p in PAGES], dtype=float)

# ids: index into each vocabulary tuple (PRODUCTS[0] = "none"); the event files carry the names
PAGE_ID = {name: i for i, name in enumerate(PAGES)}
EVENT_ID = {name: i for i, name in enumerate(EVENT_TYPES)}
PRODUCT_ID = {name: i for i, name in enumerate(PRODUCTS)}
PERSONA_ID = {name: i for i, name in enumerate(PERSONAS)}
FUNDS = ("fund_equity", "fund_bond", "fund_money_market")
FUND_PAGES = ("funds", "fund_detail")
CREDIT_PAGES = ("cards", "credit_card", "loans")


# --- derived tables ------------------------------------------------------------------------------


def persona_column(persona: np.ndarray, k: int) -> np.ndarray:
    """Column ``k`` of PERSONA_TABLE for every user (``persona`` indexes PERSONAS)."""
    return np.array([PERSONA_TABLE[name][k] for name in PERSONAS], dtype=float)[persona]


def utc_hour_ms(local_hour: np.ndarray) -> np.ndarray:
    """Offset within a UTC day (ms) of the start of a local wall-clock hour."""
    return (local_hour * HOUR_MS - LOCAL_UTC_OFFSET_MINUTES * 60_000) % DAY_MS


def hour_tables() -> np.ndarray:
    """(len(PERSONAS), 24) log-probabilities of the local hour of a session."""
    hours = np.arange(24) + 0.5
    table = np.zeros((len(PERSONAS), 24))
    for k, name in enumerate(PERSONAS):
        for peak, weight in HOUR_PEAKS[name]:
            distance = np.minimum(np.abs(hours - peak), 24 - np.abs(hours - peak))
            table[k] += weight * np.exp(-0.5 * (distance / 1.8) ** 2)
        table[k] += 0.01
        table[k] /= table[k].sum()
    return np.log(table)


def trait_affinity(z: dict[str, np.ndarray]) -> np.ndarray:
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


def page_logits(z: dict[str, np.ndarray], persona: np.ndarray) -> np.ndarray:
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
    prospect = persona == PERSONA_ID["prospect"]
    for page, shift in (("accounts", -2.5), ("transfer", -2.5), ("bills", -2.5), ("cards", -2.0),
                        ("funds", 0.4), ("wealth", 0.3), ("credit_card", 0.3), ("deposits", 0.3)):
        logits[prospect, PAGE_ID[page]] += shift
    return logits
