"""Tests for the synthetic user population with ground truth (finlite.data.synth.profile)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from finlite.data.synth.vocabulary import (
    ATTRIBUTE_COLUMNS,
    AUM_BUCKETS,
    EVENT_COLUMNS,
    EVENT_TYPES,
    LIFECYCLE_STAGES,
    OFFERABLE_PRODUCTS,
    PAGES,
    PRODUCTS,
    TAGS,
)
from finlite.data.synth.profile import (
    AMOUNT_EVENT_TYPES,
    DAY_MS,
    LOCAL_UTC_OFFSET_MINUTES,
    WEEK_MS,
    Population,
    generate_population,
    parse_persona_mix,
    read_population,
    split_users,
    write_population,
)
from finlite.errors import FinliteError

ROOT = Path(__file__).resolve().parents[1]
N_USERS = 2000


@pytest.fixture(scope="module")
def pop() -> Population:
    return generate_population(N_USERS, seed=0)


@pytest.fixture(scope="module")
def clean() -> Population:
    return generate_population(N_USERS, seed=0, dirty=False)


def digest(p: Population) -> str:
    """SHA-256 over every column of events, users and labels (and as_of)."""
    h = hashlib.sha256(str(p.as_of_ms).encode())
    for table in (p.events, p.users, p.labels):
        for name in sorted(table):
            values = np.asarray(table[name])
            h.update(name.encode())
            if values.dtype == object:
                h.update("\x1f".join(map(str, values.tolist())).encode())
            else:
                h.update(values.dtype.str.encode() + np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def same_columns(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for name in a:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        assert x.shape == y.shape, name
        if x.dtype.kind == "f":
            np.testing.assert_array_equal(x, y, err_msg=name)  # NaN == NaN here
        else:
            assert x.tolist() == y.tolist(), name


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_population_different_seed_different() -> None:
    a = generate_population(300, seed=5)
    b = generate_population(300, seed=5)
    assert digest(a) == digest(b)
    assert digest(a) != digest(generate_population(300, seed=6))


def test_identical_across_processes_and_hash_seeds(pop: Population) -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "from test_synth_profile import digest;"
        "from finlite.data.synth.profile import generate_population;"
        f"print(digest(generate_population({N_USERS}, seed=0)))"
    )
    expected = digest(pop)
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code, str(ROOT), str(ROOT / "tests")],
            capture_output=True, text=True, env=env, cwd=ROOT, check=True,
        )
        assert out.stdout.strip() == expected


# --- columns, dtypes, validity --------------------------------------------------------------------


def test_columns_and_dtypes(pop: Population) -> None:
    assert list(pop.events) == list(EVENT_COLUMNS)
    assert list(pop.users) == list(ATTRIBUTE_COLUMNS)
    assert list(pop.labels) == ["user_id", "lifecycle", "next_product", *TAGS]
    n_events = len(pop.events["user_id"])
    for name in EVENT_COLUMNS:
        assert len(pop.events[name]) == n_events
    assert pop.events["timestamp"].dtype == np.int64
    assert pop.events["amount"].dtype == np.float64 and pop.events["dwell_ms"].dtype == np.float64
    for name in ("user_id", "event_type", "page", "product"):
        assert all(isinstance(v, str) and v for v in pop.events[name])
    for name in ("age", "risk_level", "tenure_days"):
        assert np.asarray(pop.users[name]).dtype == np.int64
    assert all(isinstance(v, str) for v in pop.users["holdings"])
    for tag in TAGS:
        values = np.asarray(pop.labels[tag])
        assert values.dtype == np.float64 and np.all((values >= 0) & (values <= 1))
    assert pop.users["user_id"].tolist() == pop.labels["user_id"].tolist()
    assert len(set(pop.users["user_id"])) == N_USERS


def test_values_are_valid(clean: Population) -> None:
    ev, users = clean.events, clean.users
    assert set(ev["event_type"]) <= set(EVENT_TYPES)
    assert set(ev["page"]) <= set(PAGES)
    assert set(ev["product"]) <= set(PRODUCTS)
    assert set(ev["user_id"]) <= set(users["user_id"])
    ts = ev["timestamp"]
    assert ts.min() >= clean.as_of_ms - 12 * WEEK_MS and ts.max() < clean.as_of_ms
    # amounts exactly on money events, dwell exactly on page views and onboarding steps
    money = np.isin(ev["event_type"], AMOUNT_EVENT_TYPES)
    has_amount = np.isfinite(ev["amount"])
    assert not has_amount[~money].any()
    card_application = (ev["event_type"] == "purchase") & (ev["product"] == "credit_card")
    assert has_amount[money & ~card_application].all() and not has_amount[card_application].any()
    assert (ev["amount"][has_amount] > 0).all()
    dwell = np.isin(ev["event_type"], ["page_view", "onboarding_step"])
    assert np.isfinite(ev["dwell_ms"][dwell]).all() and not np.isfinite(ev["dwell_ms"][~dwell]).any()
    assert (ev["dwell_ms"][dwell] >= 300).all()
    # product set where meaningful
    assert (ev["product"][np.isin(ev["event_type"], ["login", "logout", "transfer", "bill_payment"])] == "none").all()
    assert (ev["product"][np.isin(ev["event_type"], ["card_payment", "repayment"])] == "credit_card").all()
    assert (ev["product"][(ev["event_type"] == "page_view") & (ev["page"] == "fund_detail")] != "none").all()
    assert (ev["product"][(ev["event_type"] == "page_view") & (ev["page"] == "home")] == "none").all()
    # users
    assert set(users["aum_bucket"]) <= set(AUM_BUCKETS)
    assert set(users["risk_level"].tolist()) <= {1, 2, 3, 4, 5}
    assert users["age"].min() >= 18 and users["tenure_days"].min() >= 1
    for holdings in users["holdings"]:
        assert not holdings or set(holdings.split(";")) <= set(OFFERABLE_PRODUCTS)


def test_clean_events_grouped_by_user_in_time_order(clean: Population) -> None:
    user, ts = clean.events["user_id"], clean.events["timestamp"]
    same = user[1:] == user[:-1]
    assert (ts[1:][same] >= ts[:-1][same]).all()
    change = np.nonzero(~same)[0] + 1
    runs = [user[0], *user[change]]
    assert len(runs) == len(set(runs))  # each user's events are contiguous


def test_generative_story(clean: Population) -> None:
    ev, lab = clean.events, clean.labels
    persona = clean.latent["persona"]
    index = {u: i for i, u in enumerate(clean.users["user_id"])}
    ui = np.array([index[u] for u in ev["user_id"]])
    # everyone has events; ~40-120 events per user
    assert np.bincount(ui, minlength=N_USERS).min() >= 1
    assert 40 <= len(ui) / N_USERS <= 120
    # prospects never transact and hold nothing
    prospect_rows = lab["lifecycle"][ui] == "prospect"
    assert not np.isin(ev["event_type"][prospect_rows], AMOUNT_EVENT_TYPES).any()
    assert all(h == "" for h in clean.users["holdings"][lab["lifecycle"] == "prospect"])
    # churned users were silent for the last ~3 weeks (threshold blurred to 16-26 days); the others were not
    last = np.full(N_USERS, 0, dtype=np.int64)
    np.maximum.at(last, ui, ev["timestamp"])
    days = (clean.as_of_ms - last) / DAY_MS
    assert (days[lab["lifecycle"] == "churned"] >= 16).all()
    assert (days[~np.isin(lab["lifecycle"], ["churned", "prospect"])] < 26).all()
    # new users are recent; finishing onboarding makes a customer, abandoning it for good a prospect
    assert (clean.users["tenure_days"][lab["lifecycle"] == "new"] < 90).all()
    completed = np.bincount(ui[ev["event_type"] == "onboarding_complete"], minlength=N_USERS) > 0
    abandoned = np.bincount(ui[ev["event_type"] == "onboarding_abandon"], minlength=N_USERS) > 0
    assert completed.sum() > 50 and abandoned.sum() > 10
    assert not (lab["lifecycle"][completed] == "prospect").any()
    assert (lab["lifecycle"][abandoned & ~completed] == "prospect").all()
    # hour-of-day patterns differ by persona: retirees log in earlier than young savers
    login = ev["event_type"] == "login"
    hour = ((ev["timestamp"][login] + LOCAL_UTC_OFFSET_MINUTES * 60_000) // 3_600_000) % 24  # local time
    who = persona[ui[login]]
    assert np.median(hour[who == "retiree_pension"]) + 4 <= np.median(hour[who == "young_saver"])
    # amounts scale with wealth
    purchase = (ev["event_type"] == "purchase") & np.isin(ev["product"], ["fund_equity", "fund_bond", "fund_money_market"])
    hnw = persona[ui[purchase]] == "high_net_worth"
    young = persona[ui[purchase]] == "young_saver"
    assert np.median(ev["amount"][purchase][hnw]) > 10 * np.median(ev["amount"][purchase][young])
    # declining users log in less in the last 4 weeks than before
    traj = clean.latent["trajectory"]
    week = (ev["timestamp"][login] - (clean.as_of_ms - 12 * WEEK_MS)) // WEEK_MS
    for name, expect_drop in (("stable", False), ("declining", True)):
        rows = traj[ui[login]] == name
        early = np.sum(rows & (week < 8)) / 8
        late = np.sum(rows & (week >= 8)) / 4
        assert (late < 0.6 * early) == expect_drop


# --- labels ----------------------------------------------------------------------------------------


def test_label_distribution(pop: Population) -> None:
    counts = Counter(pop.labels["lifecycle"].tolist())
    assert set(counts) == set(LIFECYCLE_STAGES)
    for stage in LIFECYCLE_STAGES:
        assert counts[stage] >= 0.05 * N_USERS, counts
    for tag in TAGS:
        values = pop.labels[tag]
        assert values.std() > 0.12, tag
        assert np.mean(np.abs(values - 0.5) < 0.1) < 0.4, tag  # not all near 0.5
        assert np.mean(values < 0.3) > 0.1 and np.mean(values > 0.6) > 0.05, tag
    products = Counter(pop.labels["next_product"].tolist())
    assert set(products) == set(OFFERABLE_PRODUCTS)
    assert max(products.values()) < 0.3 * N_USERS


def test_next_product_is_not_the_last_viewed_product(clean: Population) -> None:
    last: dict[str, str] = {}
    for user, product in zip(clean.events["user_id"].tolist(), clean.events["product"].tolist()):
        if product != "none":
            last[user] = product
    nxt = dict(zip(clean.labels["user_id"].tolist(), clean.labels["next_product"].tolist()))
    same = np.mean([nxt[u] == p for u, p in last.items()])
    assert 0.1 < same < 0.5


def test_dirt_changes_events_only(pop: Population, clean: Population) -> None:
    same_columns(pop.labels, clean.labels)
    same_columns(pop.users, clean.users)


# --- learnability ---------------------------------------------------------------------------------


def user_features(p: Population) -> np.ndarray:
    """A few per-user aggregates (no sequence model), robust to the dirt."""
    ev, users = p.events, p.users
    n = len(users["user_id"])
    index = {u: i for i, u in enumerate(users["user_id"].tolist())}
    ui = np.array([index[u] for u in ev["user_id"].tolist()])
    etype, page = ev["event_type"], ev["page"]
    days = (p.as_of_ms - ev["timestamp"]) / DAY_MS
    count = lambda mask: np.bincount(ui[mask], minlength=n).astype(float)  # noqa: E731
    login = etype == "login"
    views = count(etype == "page_view") + 1
    last = np.full(n, 84.0)
    np.minimum.at(last, ui, days)
    amount = np.nan_to_num(ev["amount"], nan=0.0)
    max_amount = np.zeros(n)
    np.maximum.at(max_amount, ui, amount)
    holdings = np.array([len(h.split(";")) if h else 0 for h in users["holdings"]], dtype=float)
    aum = np.array([AUM_BUCKETS.index(b) for b in users["aum_bucket"]], dtype=float)
    columns = [
        np.log1p(users["tenure_days"]), users["tenure_days"] < 60, np.log1p(count(np.ones_like(login))),
        np.log1p(count(login & (days < 21))), np.log1p(count(login & (days < 28))),
        np.log1p(count(login & (days >= 28))), last / 84, np.minimum(last, 30) / 30,
        count(etype == "onboarding_complete") > 0, count(etype == "onboarding_abandon") > 0,
        np.log1p(count(np.isin(etype, AMOUNT_EVENT_TYPES))), holdings, holdings == 0, aum,
        count(np.isin(page, ["funds", "fund_detail"])) / views, count(np.isin(page, ["cards", "credit_card", "loans"])) / views,
        np.log1p(count((etype == "purchase") & np.char.startswith(ev["product"].astype(str), "fund_"))),
        np.log1p(count(etype == "deposit")), np.log10(max_amount + 1), count(etype == "push_open") / (count(login) + 1),
        users["age"] / 50, users["risk_level"] / 5,
    ]
    return np.stack([np.asarray(c, dtype=float) for c in columns], axis=1)


def standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, sd = train.mean(0), train.std(0) + 1e-9
    add_bias = lambda x: np.hstack([(x - mean) / sd, np.ones((len(x), 1))])  # noqa: E731
    return add_bias(train), add_bias(test)


def softmax_regression(x: np.ndarray, y: np.ndarray, classes: int, steps: int = 500, lr: float = 0.5) -> np.ndarray:
    w = np.zeros((x.shape[1], classes))
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        logits = x @ w
        prob = np.exp(logits - logits.max(1, keepdims=True))
        prob /= prob.sum(1, keepdims=True)
        w -= lr * (x.T @ (prob - onehot) / len(x) + 1e-3 * w)
    return w


@pytest.fixture(scope="module")
def learnability() -> dict:
    return learnability_numbers(generate_population(4000, seed=3), seed=3)


def learnability_numbers(p: Population, seed: int) -> dict:
    """Held-out lifecycle accuracy (softmax regression) and tag correlations (ridge) on user_features."""
    feats = user_features(p)
    train_ids, eval_ids = split_users(p.users["user_id"], 0.25, seed=seed)
    position = {u: i for i, u in enumerate(p.users["user_id"].tolist())}
    tr, te = np.array([position[u] for u in train_ids]), np.array([position[u] for u in eval_ids])
    x_tr, x_te = standardize(feats[tr], feats[te])
    stage = np.array([LIFECYCLE_STAGES.index(s) for s in p.labels["lifecycle"]])
    w = softmax_regression(x_tr, stage[tr], len(LIFECYCLE_STAGES))
    accuracy = float(np.mean(np.argmax(x_te @ w, 1) == stage[te]))
    majority = float(np.bincount(stage[te]).max() / len(te))
    corr = {}
    for tag in TAGS:
        y = p.labels[tag]
        coef = np.linalg.lstsq(x_tr.T @ x_tr + 1e-2 * np.eye(x_tr.shape[1]), x_tr.T @ y[tr], rcond=None)[0]
        corr[tag] = float(np.corrcoef(x_te @ coef, y[te])[0, 1])
    return {"accuracy": accuracy, "majority": majority, "corr": corr, "pop": p}


def test_lifecycle_learnable_but_not_trivial(learnability: dict) -> None:
    acc, majority = learnability["accuracy"], learnability["majority"]
    assert acc > majority + 0.15, (acc, majority)
    assert acc < 0.95, acc


def test_tags_learnable_but_not_trivial(learnability: dict) -> None:
    for tag, r in learnability["corr"].items():
        assert 0.3 < r < 0.98, (tag, r)


def test_recent_behaviour_matters_more_than_old(learnability: dict) -> None:
    """What a user looked at in the last two weeks predicts the next product better than the same counts
    over the whole window — the order/recency signal a sequence model can use."""
    numbers = recency_numbers(learnability["pop"])
    assert numbers["next_recent"] > numbers["next_total"] + 0.02, numbers
    assert numbers["fund_recent"] > numbers["fund_total"] + 0.02, numbers


def recency_numbers(p: Population) -> dict:
    """Next-product top-1 accuracy of the most-viewed product in the last 2 weeks vs the whole window, and
    the correlation of fund_preference with the fund-page share of the last 2 weeks vs the whole window."""
    ev = p.events
    index = {u: i for i, u in enumerate(p.users["user_id"].tolist())}
    product_index = {name: i for i, name in enumerate(OFFERABLE_PRODUCTS)}
    rows = np.array([prod in product_index for prod in ev["product"].tolist()])
    ui = np.array([index[u] for u in ev["user_id"][rows].tolist()])
    pi = np.array([product_index[x] for x in ev["product"][rows].tolist()])
    recent = (p.as_of_ms - ev["timestamp"][rows]) < 14 * DAY_MS
    n, k = len(index), len(OFFERABLE_PRODUCTS)
    total = np.bincount(ui * k + pi, minlength=n * k).reshape(n, k)
    last2 = np.bincount(ui[recent] * k + pi[recent], minlength=n * k).reshape(n, k)
    target = np.array([product_index[x] for x in p.labels["next_product"].tolist()])
    both = (last2.sum(1) > 0) & (total.sum(1) > last2.sum(1))
    acc_recent = np.mean(np.argmax(last2[both], 1) == target[both])
    acc_total = np.mean(np.argmax(total[both], 1) == target[both])
    # fund preference: the fund-page share of the last two weeks beats the whole-window share
    fund = np.isin(ev["page"], ["funds", "fund_detail"])
    view = ev["event_type"] == "page_view"
    uall = np.array([index[u] for u in ev["user_id"].tolist()])
    fresh = (p.as_of_ms - ev["timestamp"]) < 14 * DAY_MS
    share = lambda mask: np.bincount(uall[mask & fund & view], minlength=n) / (np.bincount(uall[mask & view], minlength=n) + 1)  # noqa: E731
    y = p.labels["fund_preference"]
    r_recent = np.corrcoef(share(fresh), y)[0, 1]
    r_total = np.corrcoef(share(np.ones_like(fresh)), y)[0, 1]
    return {"next_recent": float(acc_recent), "next_total": float(acc_total), "fund_recent": float(r_recent),
            "fund_total": float(r_total)}


# --- dirt -----------------------------------------------------------------------------------------


def dirt_counts(p: Population) -> dict[str, int]:
    ev = p.events
    user, ts = ev["user_id"], ev["timestamp"]
    money = np.isin(ev["event_type"], AMOUNT_EVENT_TYPES) & ~((ev["event_type"] == "purchase") & (ev["product"] == "credit_card"))
    return {
        "oov_page": int((~np.isin(ev["page"], PAGES)).sum()),
        "oov_event_type": int((~np.isin(ev["event_type"], EVENT_TYPES)).sum()),
        "out_of_order": int(((user[1:] == user[:-1]) & (ts[1:] < ts[:-1])).sum()),
        "missing_amount": int((money & ~np.isfinite(ev["amount"])).sum()),
        "missing_dwell": int(((ev["event_type"] == "page_view") & ~np.isfinite(ev["dwell_ms"])).sum()),
    }


def test_dirt_present_when_dirty(pop: Population) -> None:
    counts = dirt_counts(pop)
    assert all(v > 0 for v in counts.values()), counts
    assert 0.005 < sum(counts.values()) / len(pop.events["user_id"]) < 0.02, counts
    # dirty rows are still valid rows
    for name in ("user_id", "event_type", "page", "product"):
        assert all(isinstance(v, str) and v for v in pop.events[name])
    assert set(pop.events["product"]) <= set(PRODUCTS)
    assert pop.meta["dirt"]["out_of_order"] == counts["out_of_order"]


def test_no_dirt_when_clean(clean: Population) -> None:
    assert dirt_counts(clean) == dict.fromkeys(dirt_counts(clean), 0)
    assert clean.meta["dirty"] is False


# --- files ----------------------------------------------------------------------------------------


def test_csv_round_trip_and_overwrite(tmp_path: Path) -> None:
    p = generate_population(200, seed=11)
    paths = write_population(p, tmp_path / "pop")
    assert {k: v.name for k, v in paths.items()} == {
        "events": "events.csv", "users": "users.csv", "labels": "labels.csv", "meta": "meta.json", "schema": "schema.json"}
    header = paths["events"].read_text(encoding="utf-8").splitlines()[:2]
    assert header[0] == ",".join(EVENT_COLUMNS)
    assert header[1].split(",")[1].endswith("Z")  # ISO 8601 timestamps
    back = read_population(tmp_path / "pop")
    same_columns(p.events, back.events)
    same_columns(p.users, back.users)
    same_columns(p.labels, back.labels)
    assert back.as_of_ms == p.as_of_ms
    with pytest.raises(FileExistsError) as raised:
        write_population(p, tmp_path / "pop")
    assert isinstance(raised.value, FinliteError)  # the CLI prints it as one line
    write_population(p, tmp_path / "pop", overwrite=True)


def test_parquet_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="pyarrow is not installed: parquet output is optional")
    p = generate_population(200, seed=12)
    paths = write_population(p, tmp_path, fmt="parquet")
    assert paths["events"].suffix == ".parquet"
    back = read_population(tmp_path)
    same_columns(p.events, back.events)
    same_columns(p.users, back.users)
    same_columns(p.labels, back.labels)


# --- splits and arguments -------------------------------------------------------------------------


def test_split_users_disjoint_deterministic(pop: Population) -> None:
    ids = pop.users["user_id"]
    train, held = split_users(ids, 0.2, seed=0)
    assert not set(train) & set(held) and set(train) | set(held) == set(ids)
    assert len(held) == round(0.2 * len(ids))
    assert (train, held) == split_users(list(reversed(ids.tolist())), 0.2, seed=0)
    assert (train, held) == split_users(pop.events["user_id"], 0.2, seed=0)  # duplicates are fine
    assert held != split_users(ids, 0.2, seed=1)[1]
    with pytest.raises(ValueError):
        split_users(ids, 1.0)


def test_rejects_bad_arguments() -> None:
    for kwargs in ({"n_users": 0}, {"n_users": 10, "weeks": 3}, {"n_users": 10, "seed": -1},
                   {"n_users": 10, "as_of": "yesterday"}):
        with pytest.raises(ValueError) as raised:
            generate_population(**kwargs)
        assert isinstance(raised.value, FinliteError)


def test_persona_mix_changes_behaviour_and_labels_not_the_default() -> None:
    base = generate_population(3000, seed=4)
    assert digest(generate_population(3000, seed=4, persona_mix=None)) == digest(base)
    assert digest(generate_population(3000, seed=4, persona_mix={})) == digest(base)
    assert "persona_mix" not in base.meta
    older = generate_population(3000, seed=4, persona_mix=parse_persona_mix("dormant_holder=0.5, young_saver=0"))
    share = lambda p, name: float(np.mean(p.latent["persona"] == name))  # noqa: E731
    # dormant_holder 0.5 against the other weights (0.89 − 0.16 for young savers): 0.5 / 1.23 of the users
    assert abs(share(older, "dormant_holder") - 0.5 / 1.23) < 0.03 and share(older, "young_saver") == 0.0
    assert abs(sum(older.meta["persona_mix"].values()) - 1.0) < 1e-12
    # other behaviour (fewer logins per user) and other labels (more churned users, more dormant activation)
    logins = lambda p: np.sum(p.events["event_type"] == "login") / p.n_users  # noqa: E731
    assert logins(older) < 0.85 * logins(base)
    churned = lambda p: float(np.mean(np.asarray(p.labels["lifecycle"]) == "churned"))  # noqa: E731
    assert churned(older) > churned(base) + 0.03
    assert np.mean(older.labels["dormant_activation"]) > np.mean(base.labels["dormant_activation"]) + 0.02


@pytest.mark.parametrize("text, message", [
    ("dormant_holder", "name=weight"), ("dormant_holder=lots", "name=weight"), ("gamer=0.2", "unknown persona 'gamer'"),
    ("prospect=-1", "finite number >= 0"), ("prospect=nan", "finite number >= 0"),
    (",".join(f"{name}=0" for name in ("young_saver", "active_fund_investor", "high_net_worth", "retiree_pension",
                                       "dormant_holder", "credit_card_spender", "new_customer_onboarding", "prospect")), "weight 0"),
])
def test_persona_mix_rejects_bad_weights(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        generate_population(10, persona_mix=parse_persona_mix(text))
    assert isinstance(raised.value, FinliteError)


def test_persona_mix_cli_one_line_error(tmp_path: Path, capsys) -> None:
    from finlite.cli import main

    assert main(["data", "synth-profile", "--users", "10", "--out", str(tmp_path), "--persona-mix", "gamer=1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("finlite: error: unknown persona 'gamer'") and err.count("\n") == 1
    assert main(["data", "synth-profile", "--users", "50", "--out", str(tmp_path), "--persona-mix", "prospect=1"]) == 0
    assert (tmp_path / "events.csv").is_file()


def test_other_window_and_as_of() -> None:
    p = generate_population(300, seed=2, weeks=8, as_of="2025-01-01T00:00:00Z", dirty=False)
    assert p.as_of_ms == 1735689600000
    ts = p.events["timestamp"]
    assert ts.min() >= p.as_of_ms - 8 * WEEK_MS and ts.max() < p.as_of_ms


@pytest.mark.slow
def test_twenty_thousand_users_in_a_minute() -> None:
    start = time.perf_counter()
    p = generate_population(20_000, seed=0)
    elapsed = time.perf_counter() - start
    assert elapsed <= 60, elapsed
    assert 40 <= len(p.events["user_id"]) / 20_000 <= 120
