"""Tests for the synthetic bilingual banking intent corpus (finlite.data.synth.intent)."""

from __future__ import annotations

import csv
import math
import os
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from finlite.data.synth.intent import (
    OUT_OF_SCOPE,
    IntentExample,
    generate_intent_corpus,
    intent_labels,
    split_corpus,
    write_csv,
)

REQUIRED_LABELS = {
    "check_balance", "transfer_money", "fund_purchase", "fund_redemption", "fixed_income_wealth",
    "demand_deposit_wealth", "credit_card_repayment", "loan_preapproval", "mortgage_preapproval",
    "card_lost", "password_reset", "pension_account", "social_insurance_payment",
    "housing_fund_withdrawal", "exchange_rate", "cross_border_remittance", "digital_yuan",
    "bill_payment", "talk_to_agent", "complaint",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
ASCII_LETTER = re.compile(r"[A-Za-z]")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus() -> list[IntentExample]:
    return generate_intent_corpus()


@pytest.fixture(scope="module")
def split(corpus: list[IntentExample]) -> tuple[list[IntentExample], list[IntentExample]]:
    return split_corpus(corpus)


def language(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    has_cjk, has_ascii = bool(CJK.search(text)), bool(ASCII_LETTER.search(text))
    return "mix" if has_cjk and has_ascii else "zh" if has_cjk else "en" if has_ascii else "none"


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_corpus_different_seed_different() -> None:
    a = generate_intent_corpus(n_per_intent=20, n_out_of_scope=30, seed=7)
    assert a == generate_intent_corpus(n_per_intent=20, n_out_of_scope=30, seed=7)
    assert a != generate_intent_corpus(n_per_intent=20, n_out_of_scope=30, seed=8)


def test_byte_identical_across_processes_with_different_hash_seeds(tmp_path: Path, corpus) -> None:
    write_csv(corpus, tmp_path / "here.csv")
    script = (
        "import sys; from finlite.data.synth.intent import generate_intent_corpus, write_csv; "
        "write_csv(generate_intent_corpus(), sys.argv[1])"
    )
    for hash_seed in ("1", "12345"):
        out = tmp_path / f"hash{hash_seed}.csv"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env, cwd=ROOT)
        assert out.read_bytes() == (tmp_path / "here.csv").read_bytes()


# --- content -------------------------------------------------------------------------------------


def test_labels(corpus: list[IntentExample]) -> None:
    labels = intent_labels()
    assert labels == sorted(labels) and len(labels) >= 24
    assert REQUIRED_LABELS <= set(labels)
    assert OUT_OF_SCOPE not in labels
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", label) for label in labels)
    counts = Counter(e.label for e in corpus)
    assert set(counts) == set(labels) | {OUT_OF_SCOPE}
    assert all(counts[label] == 120 for label in labels)
    assert counts[OUT_OF_SCOPE] == 400


def test_language_mix(corpus: list[IntentExample]) -> None:
    shares = Counter(language(e.text) for e in corpus)
    total = len(corpus)
    assert shares["none"] == 0
    assert 0.30 < shares["zh"] / total < 0.55
    assert 0.25 < shares["en"] / total < 0.45
    assert 0.12 < shares["mix"] / total < 0.35
    for label in intent_labels() + [OUT_OF_SCOPE]:
        assert {language(e.text) for e in corpus if e.label == label} == {"zh", "en", "mix"}, label


def test_no_duplicate_texts_and_clean_strings(corpus: list[IntentExample]) -> None:
    texts = [e.text for e in corpus]
    assert len(texts) == len(set(texts))
    assert all(t and "{" not in t and "}" not in t and "\n" not in t for t in texts)


def test_amount_formats_vary(corpus: list[IntentExample]) -> None:
    texts = " ".join(e.text for e in corpus)
    for pattern in (r"\d,\d{3}", r"\d(\.\d)?k\b", r"[五两三一]千", r"\d+元", r"¥\d", r"\$\d", r"\d+块"):
        assert re.search(pattern, texts), pattern


def test_noise_is_applied_and_configurable() -> None:
    clean = generate_intent_corpus(n_per_intent=30, n_out_of_scope=50, seed=3, noise=0.0)
    noisy = generate_intent_corpus(n_per_intent=30, n_out_of_scope=50, seed=3, noise=1.0)
    emoji_or_fullwidth = re.compile("[👍🙏💰😭😂\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")  # ＡＴＭ, ５００
    assert not any(emoji_or_fullwidth.search(e.text) for e in clean)
    assert sum(bool(emoji_or_fullwidth.search(e.text)) for e in noisy) > 0.05 * len(noisy)
    assert len({e.text for e in noisy} - {e.text for e in clean}) > 0.5 * len(noisy)


def test_shared_vocabulary_across_intents(corpus: list[IntentExample]) -> None:
    for keyword, at_least in (("卡", 5), ("card", 5), ("理财", 2), ("额度", 2), ("公积金", 2), ("transfer", 3)):
        labels = {e.label for e in corpus if keyword in e.text.lower()}
        assert len(labels) >= at_least, (keyword, sorted(labels))


def test_default_generation_is_fast() -> None:
    start = time.perf_counter()
    generate_intent_corpus()
    assert time.perf_counter() - start < 2.0


# --- split and csv -------------------------------------------------------------------------------


def test_split_is_stratified_disjoint_and_deterministic(corpus, split) -> None:
    train, held = split
    assert (train, held) == split_corpus(corpus)
    assert {e.text for e in train}.isdisjoint(e.text for e in held)
    assert sorted(train + held, key=lambda e: e.text) == sorted(corpus, key=lambda e: e.text)
    total, in_eval = Counter(e.label for e in corpus), Counter(e.label for e in held)
    for label, n in total.items():
        assert abs(in_eval[label] - 0.2 * n) <= 1, label


def test_split_keeps_singletons_in_train() -> None:
    examples = [IntentExample("a", "x"), IntentExample("b", "y"), IntentExample("c", "y")]
    train, held = split_corpus(examples, eval_fraction=0.5)
    assert [e.label for e in held] == ["y"] and len(train) == 2


def test_write_csv_round_trip(tmp_path: Path) -> None:
    examples = generate_intent_corpus(n_per_intent=5, n_out_of_scope=10, seed=1)
    examples.append(IntentExample('quote " and, comma', "complaint"))
    path = tmp_path / "nested" / "dir" / "corpus.csv"
    write_csv(examples, path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["text", "label"]
        rows = [IntentExample(row["text"], row["label"]) for row in reader]
    assert rows == examples


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_per_intent": 0}, "n_per_intent"),
        ({"n_out_of_scope": -1}, "n_out_of_scope"),
        ({"noise": -0.1}, "noise"),
        ({"noise": 1.5}, "noise"),
        ({"noise": float("nan")}, "noise"),
    ],
)
def test_generate_validates_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_intent_corpus(**kwargs)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.2])
def test_split_validates_fraction(fraction: float) -> None:
    with pytest.raises(ValueError, match="eval_fraction"):
        split_corpus([IntentExample("a", "x")], eval_fraction=fraction)


# --- learnability --------------------------------------------------------------------------------


def bigrams(text: str) -> list[str]:
    text = "^" + unicodedata.normalize("NFKC", text).lower() + "$"
    return [text[i : i + 2] for i in range(len(text) - 1)]


def naive_bayes_accuracy(train: list[IntentExample], held: list[IntentExample]) -> float:
    """Multinomial naive Bayes over character bigrams, add-one smoothing."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for e in train:
        counts[e.label].update(bigrams(e.text))
    vocab = len(set().union(*counts.values()))
    totals = {label: sum(c.values()) + vocab for label, c in counts.items()}
    priors = Counter(e.label for e in train)

    def predict(text: str) -> str:
        grams = bigrams(text)
        return max(
            counts,
            key=lambda label: math.log(priors[label])
            + sum(math.log((counts[label][g] + 1) / totals[label]) for g in grams),
        )

    return sum(predict(e.text) == e.label for e in held) / len(held)


def keyword_rule_accuracy(train: list[IntentExample], held: list[IntentExample]) -> float:
    """Predict from one keyword: the purest (then most frequent) training bigram present in the text."""
    by_gram: dict[str, Counter] = defaultdict(Counter)
    for e in train:
        for g in set(bigrams(e.text)):
            by_gram[g][e.label] += 1
    rules = {}
    for g, labels in by_gram.items():
        label, n = labels.most_common(1)[0]
        rules[g] = (n / sum(labels.values()), n, label)
    majority = Counter(e.label for e in train).most_common(1)[0][0]

    def predict(text: str) -> str:
        known = [rules[g] for g in set(bigrams(text)) if g in rules]
        return max(known)[2] if known else majority

    return sum(predict(e.text) == e.label for e in held) / len(held)


def test_learnable_but_not_trivial(split) -> None:
    train, held = split
    assert len({e.label for e in train}) >= 25  # chance is below 4%
    nb = naive_bayes_accuracy(train, held)
    keyword = keyword_rule_accuracy(train, held)
    assert nb > 0.6, nb
    assert keyword < 1.0 and keyword < nb, (keyword, nb)
