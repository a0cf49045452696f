"""The synthetic bank's own names: its event types, pages, products, AUM buckets, tags and stages.

These are the generator's vocabulary, like any bank's: finlite itself knows none of them. The generator
writes them as ``schema.json`` beside its files (:func:`synthetic_schema`), in the format every bank's data
uses (:mod:`finlite.data.schema`).

One row per in-app event: ``user_id, timestamp, event_type, page, product, amount, dwell_ms``;
one row per user: ``user_id, age, risk_level, tenure_days, holdings, aum_bucket``; one label row per user:
``user_id, lifecycle, next_product`` and one column per tag.
"""

from __future__ import annotations

from ..schema import CATEGORICAL, MULTI, NUMERIC, Field, Labels, ProfileSchema, Tag

EVENT_COLUMNS = ("user_id", "timestamp", "event_type", "page", "product", "amount", "dwell_ms")
ATTRIBUTE_COLUMNS = ("user_id", "age", "risk_level", "tenure_days", "holdings", "aum_bucket")
LABEL_COLUMNS_PREFIX = ("user_id", "lifecycle", "next_product")  # then one column per tag

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


def synthetic_schema() -> ProfileSchema:
    """The schema of the generator's files, with validity bounds and the tags' definitions."""
    events = (
        Field("event_type", CATEGORICAL, role="event", values=EVENT_TYPES),
        Field("page", CATEGORICAL, values=PAGES),
        Field("product", CATEGORICAL, values=PRODUCTS),
        Field("amount", NUMERIC, transform="signed_log1p", description="in the event's currency units; < 0 = outflow"),
        Field("dwell_ms", NUMERIC, transform="log1p", min=0.0, description="time on the page"),
    )
    users = (
        Field("age", NUMERIC, transform="log1p", min=0.0, max=120.0),
        Field("risk_level", CATEGORICAL, values=tuple(str(r) for r in RISK_LEVELS), description="declared risk level, 1 = lowest"),
        Field("tenure_days", NUMERIC, transform="log1p", min=0.0),
        Field("holdings", MULTI, values=OFFERABLE_PRODUCTS),
        Field("aum_bucket", CATEGORICAL, values=AUM_BUCKETS),
    )
    labels = Labels(stages=LIFECYCLE_STAGES, tags=tuple(Tag(t, description=d) for t, d in TAG_DEFINITIONS.items()),
                    products=OFFERABLE_PRODUCTS, stages_ordered=True)
    return ProfileSchema(events, users, labels, description="finlite's synthetic mobile-banking population")
