"""Training-text augmentation: the word-level variants the teachers score for distillation."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from finlite.data.augment import word_variant
from finlite.tasks.intent_training import word_variants

TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\s\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORDS = st.lists(st.sampled_from(["card", "top", "up", "Apple", "Pay?", "卡", "被", "吞", "了", "转账", "20€"]), min_size=0, max_size=12)


@settings(max_examples=300, deadline=None)
@given(words=WORDS, seed=st.integers(0, 2**32 - 1))
def test_a_variant_uses_only_the_texts_own_tokens_and_keeps_at_least_one(words, seed):
    text = " ".join(words)
    tokens = TOKEN.findall(text)
    variant = word_variant(text, np.random.default_rng(seed))
    got = TOKEN.findall(variant)
    assert not Counter(got) - Counter(tokens)  # nothing invented, nothing repeated
    assert (len(got) >= 1) == (len(tokens) >= 1)
    if len(tokens) < 2:
        assert variant == text


def test_chinese_characters_stay_joined_and_words_stay_spaced():
    rng = np.random.default_rng(3)
    variants = {word_variant("我的卡被吞了怎么办 please help me now", rng) for _ in range(200)}
    assert all("  " not in v and not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", v) for v in variants)
    assert len(variants) > 50  # drops, crops and swaps: many different texts


def test_variants_are_seeded_and_point_at_their_originals():
    texts = ["how do I top up my card", "my card was swallowed by the machine", "transfer 20 euros to anna"]
    a, of = word_variants(texts, 3, seed=5)
    b, _ = word_variants(texts, 3, seed=5)
    assert a == b and of.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert a != word_variants(texts, 3, seed=6)[0]
    assert all(set(TOKEN.findall(v)) <= set(TOKEN.findall(texts[i])) for v, i in zip(a, of))
    none, none_of = word_variants(texts, 0, seed=5)
    assert none == [] and len(none_of) == 0
