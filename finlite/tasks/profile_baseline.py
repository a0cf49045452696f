"""The classical baseline a bank's data team would try first: hand-crafted per-user aggregates +
scikit-learn HistGradientBoosting, one model per output (lifecycle, each tag, next product)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..data.event_schema import (
    EVENT_TYPES,
    FIRST_ID,
    LIFECYCLE_STAGES,
    OFFERABLE_PRODUCTS,
    PAGES,
    PRODUCTS,
    TAGS,
)

DAY_MS = 86_400_000
WINDOWS_DAYS = (7, 14, 28)


def _per_user_counts(user_index: np.ndarray, values: np.ndarray, users: int, size: int, weights=None) -> np.ndarray:
    flat = np.bincount(user_index * size + values.astype(np.int64), weights=weights, minlength=users * size)
    return flat.reshape(users, size)


def user_aggregates(events, attrs, user_ids: list[str], as_of_ms: int) -> tuple[np.ndarray, list[str]]:
    """``(U, D)`` float64 features for ``user_ids`` and their names: activity counts and recency,
    windows (7/14/28 days) and trend, shares per event type / page / product, log amounts per
    event type, mean log dwell per page, and the static attributes."""
    known = set(events.user_ids)
    rows = [events.user_slice(u) if u in known else slice(0, 0) for u in user_ids]
    lengths = np.array([s.stop - s.start for s in rows])
    take = np.concatenate([np.arange(s.start, s.stop) for s in rows]) if len(rows) else np.zeros(0, dtype=np.int64)
    user_index = np.repeat(np.arange(len(user_ids)), lengths)
    n_users = len(user_ids)
    ts = events.ts_ms[take]
    age_days = (as_of_ms - ts) / DAY_MS
    features: list[np.ndarray] = []
    names: list[str] = []

    def add(block: np.ndarray, labels: list[str]) -> None:
        features.append(np.asarray(block, dtype=np.float64).reshape(n_users, -1))
        names.extend(labels)

    count = lengths.astype(np.float64)
    add(np.log1p(count), ["log_events"])
    last = np.full(n_users, np.nan)
    first = np.full(n_users, np.nan)
    has = lengths > 0
    if take.size:
        last[has] = np.minimum.reduceat(age_days, np.cumsum(lengths)[has] - lengths[has])
        first[has] = np.maximum.reduceat(age_days, np.cumsum(lengths)[has] - lengths[has])
    add(np.stack([last, first], axis=1), ["days_since_last", "days_since_first"])
    windows = [np.bincount(user_index[age_days < d], minlength=n_users) for d in WINDOWS_DAYS]
    add(np.log1p(np.stack(windows, axis=1)), [f"log_events_{d}d" for d in WINDOWS_DAYS])
    weeks_before = np.maximum(1.0, (np.nan_to_num(first) - 28.0) / 7.0)
    rate_before = (count - windows[-1]) / weeks_before
    add((windows[-1] / 4.0 + 0.1) / (rate_before + 0.1), ["trend_28d_vs_before"])
    denominator = np.maximum(count, 1.0)[:, None]
    for field, vocab in (("event_type", EVENT_TYPES), ("page", PAGES), ("product", PRODUCTS)):
        values = getattr(events, field)[take]
        counts = _per_user_counts(user_index, values, n_users, FIRST_ID + len(vocab))
        add(counts / denominator, [f"share_{field}_{v}" for v in ("pad", "oov", *vocab)])
    amount = np.nan_to_num(events.amount[take].astype(np.float64))
    sums = _per_user_counts(user_index, events.event_type[take], n_users, FIRST_ID + len(EVENT_TYPES), weights=np.abs(amount))
    add(np.log1p(sums), [f"log_amount_{v}" for v in ("pad", "oov", *EVENT_TYPES)])
    dwell = events.dwell_ms[take].astype(np.float64)
    known = ~np.isnan(dwell)
    pages = FIRST_ID + len(PAGES)
    dwell_sum = _per_user_counts(user_index[known], events.page[take][known], n_users, pages, weights=np.log1p(dwell[known]))
    dwell_n = _per_user_counts(user_index[known], events.page[take][known], n_users, pages)
    add(np.where(dwell_n > 0, dwell_sum / np.maximum(dwell_n, 1), np.nan), [f"mean_log_dwell_{v}" for v in ("pad", "oov", *PAGES)])
    add(_static(attrs, user_ids), ["age", "risk_level", "tenure_days", "aum_bucket", *[f"holds_{p}" for p in PRODUCTS]])
    return np.concatenate(features, axis=1), names  # float64: HistGradientBoosting (sklearn 1.9) fails to bin float32


def _static(attrs, user_ids: list[str]) -> np.ndarray:
    out = np.full((len(user_ids), 4 + len(PRODUCTS)), np.nan)
    index = {u: i for i, u in enumerate(attrs.user_ids)}
    for row, user in enumerate(user_ids):
        i = index.get(user)
        if i is None:
            continue
        risk = float(attrs.risk_level[i]) if attrs.risk_level[i] > 0 else np.nan
        aum = float(attrs.aum_bucket[i]) if attrs.aum_bucket[i] >= FIRST_ID else np.nan
        out[row, :4] = (attrs.age[i], risk, attrs.tenure_days[i], aum)
        out[row, 4:] = attrs.holdings[i]
    return out


@dataclass
class BaselineModels:
    lifecycle: object
    tags: list
    products: object
    n_lifecycle: int
    n_products: int
    columns: np.ndarray  # bool mask of the feature columns used (all-missing ones are dropped)

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Lifecycle probabilities, tag scores, product probabilities."""
        features = features[:, self.columns]
        tags = np.stack([np.clip(m.predict(features), 0.0, 1.0) for m in self.tags], axis=1)
        return _full_proba(self.lifecycle, features, self.n_lifecycle), tags, _full_proba(self.products, features, self.n_products)


def _full_proba(model, features: np.ndarray, n_classes: int) -> np.ndarray:
    """predict_proba with a column for every class index, also those absent from training."""
    out = np.zeros((len(features), n_classes), dtype=np.float64)
    out[:, model.classes_] = model.predict_proba(features)
    return out


def fit_baseline(
    features: np.ndarray, lifecycle: np.ndarray, tags: np.ndarray, products: np.ndarray, n_lifecycle: int, n_products: int, seed: int
) -> BaselineModels:
    """HistGradientBoosting: a classifier for lifecycle, a regressor per tag, a classifier for products."""
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    columns = ~np.all(np.isnan(features), axis=0)  # sklearn 1.9 cannot bin an all-NaN column
    features = features[:, columns]

    def classifier():
        return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, early_stopping=True, random_state=seed)

    lifecycle_model = classifier().fit(features, lifecycle)
    tag_models = [
        HistGradientBoostingRegressor(max_iter=200, learning_rate=0.1, early_stopping=True, random_state=seed).fit(features, tags[:, j])
        for j in range(tags.shape[1])
    ]
    product_model = classifier().fit(features, products)
    return BaselineModels(lifecycle_model, tag_models, product_model, n_lifecycle, n_products, columns)


def baseline_soft_targets(events, attrs, labels, as_of_ms: int, seed: int, folds: int = 5, log=print) -> tuple[np.ndarray, ...]:
    """Out-of-fold predictions for the users of ``labels`` — lifecycle and product probabilities, tag
    scores (float32) — each user's from a baseline fitted on the other folds, so the network learns
    what the aggregates reveal, not the baseline's fit to that user's own label."""
    start = time.perf_counter()
    n_life, n_products = len(LIFECYCLE_STAGES), len(OFFERABLE_PRODUCTS)
    x, _ = user_aggregates(events, attrs, labels.user_ids, as_of_ms)
    fold = np.random.default_rng(seed).permutation(len(x)) % folds
    life, tags, products = np.zeros((len(x), n_life)), np.zeros((len(x), len(TAGS))), np.zeros((len(x), n_products))
    for k in range(folds):
        fit_rows, out_rows = fold != k, fold == k
        models = fit_baseline(x[fit_rows], labels.lifecycle[fit_rows], labels.tags[fit_rows], labels.next_product[fit_rows], n_life, n_products, seed)
        life[out_rows], tags[out_rows], products[out_rows] = models.predict(x[out_rows])
    log(f"teacher: out-of-fold HistGradientBoosting predictions for {len(x)} training users ({folds} folds, {time.perf_counter() - start:.0f} s)")
    return life.astype(np.float32), tags.astype(np.float32), products.astype(np.float32)


def baseline_report(events, attrs, labels, kept: list[str], held: list[str], as_of_ms: int, seed: int, log=print) -> dict:
    """The baseline fitted on the ``kept`` users and measured on the ``held`` ones (profile metrics)."""
    from .profile_outputs import profile_metrics

    start = time.perf_counter()
    train_labels, eval_labels = labels.subset(kept), labels.subset(held)
    x_train, _ = user_aggregates(events, attrs, kept, as_of_ms)
    x_eval, _ = user_aggregates(events, attrs, held, as_of_ms)
    models = fit_baseline(x_train, train_labels.lifecycle, train_labels.tags, train_labels.next_product, len(LIFECYCLE_STAGES), len(OFFERABLE_PRODUCTS), seed)
    result = profile_metrics(*models.predict(x_eval), eval_labels)
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["features"] = int(x_train.shape[1])
    log(f"HistGradientBoosting baseline: lifecycle macro-F1 {result['lifecycle_macro_f1']:.4f}, mean tag AUROC {result['tag_auroc_mean']:.4f}")
    return result
