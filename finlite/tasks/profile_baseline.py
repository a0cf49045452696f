"""The classical baseline a bank's data team would try first: hand-crafted per-user aggregates +
scikit-learn HistGradientBoosting, one model per output (lifecycle, each tag, next product)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

DAY_MS = 86_400_000
WINDOWS_DAYS = (7, 14, 28)
MAX_IDS = 64  # ids per categorical field the aggregates break down (the most frequent values come first)


def _per_user_counts(user_index: np.ndarray, values: np.ndarray, users: int, size: int, weights=None) -> np.ndarray:
    flat = np.bincount(user_index * size + values.astype(np.int64), weights=weights, minlength=users * size)
    return flat.reshape(users, size)


def user_aggregates(schema, events, attrs, user_ids: list[str], as_of_ms: int) -> tuple[np.ndarray, list[str]]:
    """``(U, D)`` float64 features for ``user_ids`` and their names, all derived from the schema:
    activity counts, active days and recency, windows (7/14/28 days) and trend; per categorical event
    field the share of each value over all events and its count in the last 28 days; per numeric event
    field its mean transformed value per value of each categorical field; and the user attributes."""
    from ..data.profile_features import transform

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
    day = np.floor(age_days).astype(np.int64)
    if take.size:
        distinct = np.unique(user_index * (int(day.max()) + 1) + day) // (int(day.max()) + 1)
        add(np.log1p(np.bincount(distinct, minlength=n_users)), ["log_active_days"])
    else:
        add(np.zeros(n_users), ["log_active_days"])
    windows = [np.bincount(user_index[age_days < d], minlength=n_users) for d in WINDOWS_DAYS]
    add(np.log1p(np.stack(windows, axis=1)), [f"log_events_{d}d" for d in WINDOWS_DAYS])
    weeks_before = np.maximum(1.0, (np.nan_to_num(first) - 28.0) / 7.0)
    rate_before = (count - windows[-1]) / weeks_before
    add((windows[-1] / 4.0 + 0.1) / (rate_before + 0.1), ["trend_28d_vs_before"])
    denominator = np.maximum(count, 1.0)[:, None]
    recent = age_days < WINDOWS_DAYS[-1]
    cats = {}
    for f in schema.event_categoricals:
        size = min(f.vocab_size, MAX_IDS)
        ids = np.minimum(events.cats[f.name][take], size - 1)  # rarer values share the last column
        cats[f.name] = (ids, size)
        value_names = ["missing", "oov", *f.values][:size]
        add(_per_user_counts(user_index, ids, n_users, size) / denominator, [f"share_{f.name}={v}" for v in value_names])
        add(np.log1p(_per_user_counts(user_index[recent], ids[recent], n_users, size)), [f"log_{f.name}={v}_28d" for v in value_names])
    for f in schema.event_numerics:
        value, missing = transform(events.nums[f.name][take], f)
        ok = ~missing
        add(np.log1p(np.bincount(user_index[ok], weights=np.abs(value[ok]), minlength=n_users)), [f"log_sum_abs_{f.name}"])
        for c, (ids, size) in cats.items():
            total = _per_user_counts(user_index[ok], ids[ok], n_users, size, weights=value[ok])
            n = _per_user_counts(user_index[ok], ids[ok], n_users, size)
            add(np.where(n > 0, total / np.maximum(n, 1), np.nan), [f"mean_{f.name}_by_{c}_{j}" for j in range(size)])
    block, labels = _static(schema, attrs, user_ids)
    add(block, labels)
    return np.concatenate(features, axis=1), names  # float64: HistGradientBoosting (sklearn 1.9) fails to bin float32


def _static(schema, attrs, user_ids: list[str]) -> tuple[np.ndarray, list[str]]:
    """The attributes as numbers: numeric values, categorical ids (NaN = missing), multi-hot columns."""
    from ..data.schema import CATEGORICAL, MULTI, NUMERIC

    index = {u: i for i, u in enumerate(attrs.user_ids)} if attrs is not None else {}
    pos = np.array([index.get(u, -1) for u in user_ids], dtype=np.int64)
    has = pos >= 0
    take = np.maximum(pos, 0)
    blocks, names = [], []
    for f in schema.user_fields:
        if f.kind == NUMERIC:
            values = attrs.nums[f.name][take].astype(np.float64) if attrs is not None else np.zeros(len(pos))
            blocks.append(np.where(has, values, np.nan)[:, None])
            names.append(f.name)
        elif f.kind == CATEGORICAL:
            ids = attrs.cats[f.name][take].astype(np.float64) if attrs is not None else np.zeros(len(pos))
            blocks.append(np.where(has & (ids >= 2), ids, np.nan)[:, None])
            names.append(f.name)
        elif f.kind == MULTI:
            width = len(f.values)
            values = attrs.multi[f.name][take].astype(np.float64) if attrs is not None else np.zeros((len(pos), width))
            blocks.append(np.where(has[:, None], values, np.nan))
            names += [f"{f.name}={v}" for v in f.values]
    return (np.concatenate(blocks, axis=1) if blocks else np.zeros((len(pos), 0))), names


@dataclass
class BaselineModels:
    lifecycle: object
    tags: list
    buy: object | float  # a classifier, or the constant P(buy) when every or no user bought
    products: object | None  # None without buyers
    n_lifecycle: int
    n_products: int
    columns: np.ndarray  # bool mask of the feature columns used (all-missing ones are dropped)

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Lifecycle probabilities, tag scores, P(buy), P(product | buy)."""
        features = features[:, self.columns]
        tags = np.stack([np.clip(m.predict(features), 0.0, 1.0) for m in self.tags], axis=1)
        buy = np.full(len(features), self.buy) if isinstance(self.buy, float) else _full_proba(self.buy, features, 2)[:, 1]
        products = (np.full((len(features), self.n_products), 1.0 / self.n_products) if self.products is None
                    else _full_proba(self.products, features, self.n_products))
        return _full_proba(self.lifecycle, features, self.n_lifecycle), tags, buy, products


def _full_proba(model, features: np.ndarray, n_classes: int) -> np.ndarray:
    """predict_proba with a column for every class index, also those absent from training."""
    out = np.zeros((len(features), n_classes), dtype=np.float64)
    out[:, model.classes_] = model.predict_proba(features)
    return out


def fit_baseline(
    features: np.ndarray, lifecycle: np.ndarray, tags: np.ndarray, products: np.ndarray, n_lifecycle: int, n_products: int, seed: int
) -> BaselineModels:
    """HistGradientBoosting: a classifier for lifecycle, a regressor per tag, a classifier for buy vs no
    buy and one for the product among the buyers (``products`` -1 = bought nothing)."""
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    columns = ~np.all(np.isnan(features), axis=0)  # sklearn 1.9 cannot bin an all-NaN column
    features = features[:, columns]

    def classifier(y: np.ndarray):
        # early stopping holds out a stratified 10 %: every class needs enough rows for it
        stop = y.size > 0 and int(np.unique(y, return_counts=True)[1].min()) >= 10
        return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, early_stopping=stop, random_state=seed)

    lifecycle_model = classifier(lifecycle).fit(features, lifecycle)
    tag_models = [
        HistGradientBoostingRegressor(max_iter=200, learning_rate=0.1, early_stopping=True, random_state=seed).fit(features, tags[:, j])
        for j in range(tags.shape[1])
    ]
    buyers = products >= 0
    buy_model = classifier(buyers.astype(np.int64)).fit(features, buyers.astype(np.int64)) if 0 < buyers.sum() < len(buyers) else float(buyers.mean())
    product_model = classifier(products[buyers]).fit(features[buyers], products[buyers]) if buyers.sum() >= 2 else None
    return BaselineModels(lifecycle_model, tag_models, buy_model, product_model, n_lifecycle, n_products, columns)


def baseline_soft_targets(schema, events, attrs, labels, as_of_ms: int, seed: int, folds: int = 5, log=print) -> tuple[np.ndarray, ...]:
    """Out-of-fold predictions for the users of ``labels`` — lifecycle probabilities, tag scores, P(buy),
    product probabilities (float32) — each user's from a baseline fitted on the other folds, so the
    network learns what the aggregates reveal, not the baseline's fit to that user's own label."""
    start = time.perf_counter()
    n_life, n_products = len(schema.labels.stages), len(schema.labels.products)
    x, _ = user_aggregates(schema, events, attrs, labels.user_ids, as_of_ms)
    fold = np.random.default_rng(seed).permutation(len(x)) % folds
    life, tags = np.zeros((len(x), n_life)), np.zeros((len(x), labels.tags.shape[1]))
    buy, products = np.zeros(len(x)), np.zeros((len(x), n_products))
    for k in range(folds):
        fit_rows, out_rows = fold != k, fold == k
        models = fit_baseline(x[fit_rows], labels.lifecycle[fit_rows], labels.tags[fit_rows], labels.next_product[fit_rows], n_life, n_products, seed)
        life[out_rows], tags[out_rows], buy[out_rows], products[out_rows] = models.predict(x[out_rows])
    log(f"teacher: out-of-fold HistGradientBoosting predictions for {len(x)} training users ({folds} folds, {time.perf_counter() - start:.0f} s)")
    return life.astype(np.float32), tags.astype(np.float32), buy.astype(np.float32), products.astype(np.float32)


def baseline_report(schema, events, attrs, labels, kept: list[str], held: list[str], as_of_ms: int, seed: int, log=print) -> dict:
    """The baseline fitted on the ``kept`` users and measured on the ``held`` ones (profile metrics)."""
    from .profile_outputs import profile_metrics

    start = time.perf_counter()
    train_labels, eval_labels = labels.subset(kept), labels.subset(held)
    x_train, _ = user_aggregates(schema, events, attrs, kept, as_of_ms)
    x_eval, _ = user_aggregates(schema, events, attrs, held, as_of_ms)
    models = fit_baseline(x_train, train_labels.lifecycle, train_labels.tags, train_labels.next_product, len(schema.labels.stages), len(schema.labels.products), seed)
    result = profile_metrics(*models.predict(x_eval), eval_labels, schema.tag_names)
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["features"] = int(x_train.shape[1])
    log(f"HistGradientBoosting baseline: lifecycle macro-F1 {result['lifecycle_macro_f1']:.4f}, mean tag AUROC {result['tag_auroc_mean']:.4f}")
    return result
