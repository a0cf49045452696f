"""The event and user-attribute schema of profile models (ARCHITECTURE.md, "Event data").

One row per in-app event: ``user_id, timestamp, event_type, page, product, amount, dwell_ms``;
one row per user: ``user_id, age, risk_level, tenure_days, holdings, aum_bucket``. Categorical
values outside the vocabularies below map to an explicit out-of-vocabulary id; empty numerics are
missing (NaN), never zero. The vocabularies are versioned with the preprocessing spec.
"""

from __future__ import annotations

from ..bundle import formats

SCHEMA_VERSION = formats.EVENTS

EVENT_COLUMNS = ("user_id", "timestamp", "event_type", "page", "product", "amount", "dwell_ms")
ATTRIBUTE_COLUMNS = ("user_id", "age", "risk_level", "tenure_days", "holdings", "aum_bucket")
LABEL_COLUMNS_PREFIX = ("user_id", "lifecycle", "next_product")  # then one column per tag

# Id 0 = padding (no event), id 1 = out of vocabulary; known values start at 2.
PAD_ID, OOV_ID, FIRST_ID = 0, 1, 2

EVENT_TYPES = (
    "login",
    "logout",
    "page_view",
    "search",
    "onboarding_step",
    "onboarding_complete",
    "onboarding_abandon",
    "transfer",
    "purchase",
    "redemption",
    "card_payment",
    "repayment",
    "deposit",
    "withdrawal",
    "bill_payment",
    "push_open",
)
PAGES = (
    "home",
    "accounts",
    "transfer",
    "funds",
    "fund_detail",
    "wealth",
    "deposits",
    "cards",
    "credit_card",
    "loans",
    "mortgage",
    "pension",
    "insurance",
    "bills",
    "search",
    "onboarding",
    "messages",
    "settings",
    "support",
)
PRODUCTS = (
    "none",  # events about no particular product (login, home page, …)
    "fund_equity",
    "fund_bond",
    "fund_money_market",
    "fixed_income_wealth",
    "demand_deposit_wealth",
    "time_deposit",
    "pension_account",
    "credit_card",
    "consumer_loan",
    "mortgage",
    "insurance",
    "gold",
    "fx",
)
# Products a user can buy next (the propensity head): every product but "none".
OFFERABLE_PRODUCTS = tuple(p for p in PRODUCTS if p != "none")
AUM_BUCKETS = ("<10k", "10k-50k", "50k-200k", "200k-1m", "1m-5m", "5m+")
RISK_LEVELS = (1, 2, 3, 4, 5)

LIFECYCLE_STAGES = ("prospect", "new", "active", "pre_churn", "churned")
# Each tag and its definition (shown in the model card).
TAG_DEFINITIONS = {
    "fund_preference": "how strongly the user leans to funds over deposits",
    "dormant_activation": "chance a dormant account is re-activated by an offer",
    "high_net_worth": "likelihood of being a high-net-worth client",
    "churn_risk": "chance of leaving in the coming weeks",
    "credit_appetite": "interest in credit (cards, loans)",
}
TAGS = tuple(TAG_DEFINITIONS)


def vocabulary(values: tuple) -> dict[str, int]:
    """Value → id (known values from FIRST_ID on)."""
    return {str(v): FIRST_ID + i for i, v in enumerate(values)}
