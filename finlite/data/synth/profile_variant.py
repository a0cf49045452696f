"""Other banks' data from the synthetic population: renamed values and columns, extra event fields, fewer
tags, fewer stages, users who buy nothing. Used by ``finlite data synth-profile`` and the tests that show
nothing in finlite depends on the built-in names (``docs/synthetic_profiles.md``, "Variants")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .population import Population, PopulationArgumentError
from .vocabulary import TAGS

__all__ = ["RENAMED_COLUMNS", "Variant", "apply_variant"]

# column -> another bank's name for it (with rename=True)
RENAMED_COLUMNS = {
    "user_id": "customer_no", "timestamp": "event_time", "event_type": "action", "page": "screen",
    "product": "product_code", "amount": "txn_value", "dwell_ms": "duration_ms", "age": "age_years",
    "risk_level": "risk_class", "tenure_days": "days_as_customer", "holdings": "owned_products",
    "aum_bucket": "wealth_band", "lifecycle": "segment", "next_product": "next_purchase",
    **{tag: f"score_{i}" for i, tag in enumerate(TAGS)},
}
CATEGORICAL_COLUMNS = {"events": ("event_type", "page", "product"), "users": ("risk_level", "aum_bucket"),
                       "labels": ("lifecycle", "next_product")}
CHANNELS = ("app", "web", "watch", "tablet")


@dataclass(frozen=True)
class Variant:
    """How a population departs from the built-in one (the defaults change nothing)."""

    rename: bool = False  # every categorical value and every column renamed consistently
    extra_fields: bool = False  # events get a categorical ``channel`` and a numeric signed ``balance``
    tags: int = 0  # keep only the first N tags (0 = all)
    stages: int = 0  # merge neighbouring lifecycle stages into N (0 = keep them)
    non_buyers: float = 0.0  # this fraction of users bought nothing (next product "none")
    seed: int = 0

    @property
    def is_default(self) -> bool:
        return self == Variant(seed=self.seed)


def _renamed_value(column: str, value: str) -> str:
    if value in ("", "none"):
        return value
    return "v" + hashlib.sha256(f"{column}:{value}".encode()).hexdigest()[:10]


def _merge_stages(stages: np.ndarray, n: int) -> np.ndarray:
    from .vocabulary import LIFECYCLE_STAGES

    if not 2 <= n <= len(LIFECYCLE_STAGES):
        raise PopulationArgumentError(f"stages must be in 2..{len(LIFECYCLE_STAGES)}, got {n}")
    groups = np.array_split(np.arange(len(LIFECYCLE_STAGES)), n)
    merged = {LIFECYCLE_STAGES[i]: "+".join(LIFECYCLE_STAGES[j] for j in g) for g in groups for i in g}
    return np.array([merged[s] for s in stages], dtype=object)


def _non_buyers(pop: Population, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Users who buy nothing: those with the least recent product interest (product events in the last
    14 days, and how recent the last one was), with logistic noise — learnable, not random."""
    if not 0.0 <= fraction < 1.0:
        raise PopulationArgumentError(f"non_buyers must be in [0, 1), got {fraction}")
    ev, ids = pop.events, np.asarray(pop.users["user_id"], dtype=object)
    index = {u: i for i, u in enumerate(ids.tolist())}
    user = np.array([index.get(u, -1) for u in ev["user_id"].tolist()])
    recent = (pop.as_of_ms - ev["timestamp"]) < 14 * 86_400_000
    about_product = np.array([p not in ("", "none") for p in ev["product"].tolist()])
    use = (user >= 0) & recent & about_product
    interest = np.log1p(np.bincount(user[use], minlength=len(ids)))
    score = interest + rng.logistic(scale=0.5, size=len(ids))
    return score <= np.quantile(score, fraction) if fraction > 0 else np.zeros(len(ids), dtype=bool)


def _extra_fields(pop: Population, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``channel``: each user's preferred channel 80 % of the time; ``balance``: a per-user random walk
    moved by the event amounts (negative when overdrawn), empty when the event has no amount."""
    ids = np.asarray(pop.users["user_id"], dtype=object)
    index = {u: i for i, u in enumerate(ids.tolist())}
    user = np.array([index.get(u, 0) for u in pop.events["user_id"].tolist()])
    preferred = rng.integers(0, len(CHANNELS), size=len(ids))
    pick = np.where(rng.random(len(user)) < 0.8, preferred[user], rng.integers(0, len(CHANNELS), size=len(user)))
    start = rng.lognormal(7.0, 1.5, size=len(ids)) - 500.0
    order = np.argsort(user, kind="stable")  # each user's events in file (time) order
    u_sorted, a = user[order], np.nan_to_num(pop.events["amount"])[order]
    running = np.cumsum(a)
    starts = np.r_[0, np.flatnonzero(np.diff(u_sorted)) + 1] if len(a) else np.zeros(0, dtype=np.int64)
    before = np.repeat(running[starts] - a[starts], np.diff(np.r_[starts, len(a)]))
    walk = np.empty(len(user))
    walk[order] = start[u_sorted] + running - before
    walk = np.where(np.isnan(pop.events["amount"]), np.nan, walk)
    return {"channel": np.array(CHANNELS, dtype=object)[pick], "balance": walk}


def apply_variant(pop: Population, variant: Variant) -> Population:
    """A new population as ``variant`` describes (``pop`` is not changed)."""
    if variant.is_default:
        return pop
    rng = np.random.default_rng([variant.seed, 7])
    events = dict(pop.events)
    users = dict(pop.users)
    labels = dict(pop.labels)
    if variant.extra_fields:
        events.update(_extra_fields(pop, rng))
    if variant.non_buyers:
        none = _non_buyers(pop, variant.non_buyers, rng)
        labels["next_product"] = np.where(none, "none", np.asarray(labels["next_product"], dtype=object))
    if variant.stages:
        labels["lifecycle"] = _merge_stages(np.asarray(labels["lifecycle"], dtype=object), variant.stages)
    if variant.tags:
        if not 1 <= variant.tags <= len(TAGS):
            raise PopulationArgumentError(f"tags must be in 1..{len(TAGS)}, got {variant.tags}")
        for tag in TAGS[variant.tags:]:
            labels.pop(tag)
    tables = {"events": events, "users": users, "labels": labels}
    if variant.rename:
        for part, columns in CATEGORICAL_COLUMNS.items():
            for column in columns:
                values = np.asarray(tables[part][column]).astype(str)
                tables[part][column] = np.array([_renamed_value(column, v) for v in values.tolist()], dtype=object)
        users["holdings"] = np.array([";".join(_renamed_value("holdings", p) for p in h.split(";") if p)
                                      for h in np.asarray(users["holdings"], dtype=object).tolist()], dtype=object)
        tables = {part: {RENAMED_COLUMNS.get(k, k): v for k, v in cols.items()} for part, cols in tables.items()}
    meta = {**pop.meta, "variant": {k: getattr(variant, k) for k in ("rename", "extra_fields", "tags", "stages", "non_buyers")},
            "timestamp_column": RENAMED_COLUMNS["timestamp"] if variant.rename else "timestamp"}
    return Population(events=tables["events"], users=tables["users"], labels=tables["labels"], as_of_ms=pop.as_of_ms,
                      latent=pop.latent, meta=meta)
