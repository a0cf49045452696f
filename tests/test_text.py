"""The portable text encoder (spec finlite.text/1): hashing, units, features, ids and the golden vectors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from finlite.data.text import SPEC_FORMAT, TextEncoder, TextSpec, feature_id, fnv1a_32, normalize

GOLDEN = Path(__file__).resolve().parent / "golden" / "text_v1.json"
SPEC = TextSpec()


@pytest.fixture(scope="module")
def enc() -> TextEncoder:
    return TextEncoder()


def unit_strings(enc: TextEncoder, text: str) -> list[str]:
    return [u for _, u in enc.units(text)]


# --- hashing ----------------------------------------------------------------------------------------------


def test_fnv1a_known_vectors():
    assert fnv1a_32(b"") == 0x811C9DC5
    assert fnv1a_32(b"a") == 0xE40C292C
    assert fnv1a_32(b"foobar") == 0xBF9CF968


def test_fnv1a_spec_vectors():
    # The vectors listed in docs/preprocessing.md (feature strings, UTF-8 bytes).
    assert fnv1a_32("w:card".encode()) == 0xF46CE67A
    assert fnv1a_32("w:卡".encode()) == 0xE7B1CF01
    assert feature_id("w:card", 10240) == 6900
    assert feature_id("w:卡", 10240) == 4607
    assert feature_id("", 10240) == 1 + 0x811C9DC5 % 10239


def test_feature_id_range():
    for feature in ["w:a", "c:<ab", "b:x y", "w:😀", "w:" + "z" * 100]:
        for buckets in (2, 3, 97, 10240, 2**31):
            assert 1 <= feature_id(feature, buckets) < buckets
    assert feature_id("anything", 2) == 1


# --- units ------------------------------------------------------------------------------------------------


def test_units_english(enc):
    assert enc.units("Where is my card?") == [("word", "where"), ("word", "is"), ("word", "my"), ("word", "card")]
    assert unit_strings(enc, "I can't top-up, it's_declined.") == ["i", "can", "t", "top", "up", "it", "s", "declined"]


def test_units_chinese(enc):
    assert enc.units("我的卡丢了。") == [("cjk", c) for c in "我的卡丢了"]  # 。 is a separator
    assert unit_strings(enc, "请问，怎么转账？") == list("请问怎么转账")


def test_units_japanese_korean(enc):
    assert unit_strings(enc, "カードを") == list("カードを")
    assert unit_strings(enc, "ｶｰﾄﾞ") == list("カード")  # half-width katakana -> NFKC -> full-width
    assert enc.units("카드를") == [("cjk", c) for c in "카드를"]


def test_units_mixed(enc):
    assert enc.units("我的Visa卡在ATM被吞了") == [
        ("cjk", "我"), ("cjk", "的"), ("word", "visa"), ("cjk", "卡"), ("cjk", "在"),
        ("word", "atm"), ("cjk", "被"), ("cjk", "吞"), ("cjk", "了"),
    ]  # fmt: skip
    expected = [("word", "atm"), ("cjk", "取"), ("cjk", "款"), ("word", "000"), ("cjk", "元")]
    assert enc.units("ATM取款200元") == expected


def test_units_emoji(enc):
    expected = [("word", "card"), ("symbol", "💳"), ("word", "lost"), ("symbol", "😢")]
    assert enc.units("card 💳 lost😢") == expected
    # ZWJ sequences are split: U+200D is a separator, each pictograph is its own unit.
    assert enc.units("👨\u200d👩\u200d👧") == [("symbol", "👨"), ("symbol", "👩"), ("symbol", "👧")]
    # Skin tone modifiers (U+1F3FB..U+1F3FF) are symbol units of their own.
    assert enc.units("👍🏽") == [("symbol", "👍"), ("symbol", "🏽")]
    assert enc.units("👩🏻\u200d💻") == [("symbol", "👩"), ("symbol", "🏻"), ("symbol", "💻")]
    # Variation selectors (U+FE0F) are dropped; flags are two regional-indicator units.
    assert enc.units("❤\ufe0f☀️") == [("symbol", "❤"), ("symbol", "☀")]
    assert enc.units("🇨🇳") == [("symbol", "🇨"), ("symbol", "🇳")]
    # Keycap: the digit is a word, U+FE0F ends it, U+20E3 (combining keycap) is a word char on its own.
    assert enc.units("1\ufe0f\u20e3") == [("word", "0"), ("word", "\u20e3")]
    # An emoji glued to a word ends the word.
    assert enc.units("pay💰now") == [("word", "pay"), ("symbol", "💰"), ("word", "now")]


def test_classification_order_symbol_before_separator(enc):
    # © and ® are inside the separator range U+0080..U+00BF but the symbol ranges are checked first.
    assert enc.units("©®«»¿") == [("symbol", "©"), ("symbol", "®")]


def test_units_separators(enc):
    assert unit_strings(enc, "a_b-c/d\\e|f~g`h") == list("abcdefgh")
    assert unit_strings(enc, "pay\u200bment soft\u00adhyphen") == ["pay", "ment", "soft", "hyphen"]
    assert unit_strings(enc, "€50 ¥100 £20 ₹500 ×÷") == ["00", "000", "00", "000"]
    assert unit_strings(enc, "a\u00a0b\u3000c\u2028d") == ["a", "b", "c", "d"]


def test_non_ascii_letters_are_word_chars(enc):
    assert unit_strings(enc, "Café Überweisung straße") == ["café", "überweisung", "straße"]
    assert unit_strings(enc, "≠∑") == ["≠∑"]  # math symbols are not in any range: word chars


def test_lowercase_is_full_and_contextual():
    # Full Unicode lower-casing, with Final_Sigma: what every port must reproduce (see docs/preprocessing.md).
    assert normalize("ΟΔΟΣ ΣΑΣ Σ") == "οδος σας σ"
    assert normalize("İ") == "i\u0307"  # one code point becomes two
    assert normalize("\u212a") == "k"  # KELVIN SIGN -> K (NFKC) -> k


def test_nfkc_fullwidth_and_digit_folding(enc):
    assert enc.units("ＡＴＭ１２３") == [("word", "atm000")]
    assert unit_strings(enc, "ｈｅｌｌｏ，ｗｏｒｌｄ！") == ["hello", "world"]
    assert unit_strings(enc, "\ufb01nance ① ½ ²") == ["finance", "0", "0", "0", "0"]
    assert unit_strings(enc, "\uf900") == ["\u8c48"]  # CJK compatibility ideograph -> unified


def test_digit_folding_off():
    enc = TextEncoder(TextSpec(fold_digits=False))
    assert unit_strings(enc, "ATM１２3 ٣") == ["atm123", "٣"]  # only ASCII digits (after NFKC) fold
    assert unit_strings(TextEncoder(), "٣") == ["٣"]


def test_max_word_chars_cut():
    enc = TextEncoder(TextSpec(max_word_chars=4))
    assert unit_strings(enc, "abcdefgh ij 我") == ["abcd", "ij", "我"]  # the rest of the word is dropped


def test_max_units_cut_and_last_bigram():
    enc = TextEncoder(TextSpec(max_units=3))
    assert unit_strings(enc, "one two three four five") == ["one", "two", "three"]
    feats = enc.features("one two three four five")
    assert feats[2][:2] == ["w:three", "c:<th"]  # no bigram: "four" is not a kept unit
    assert unit_strings(enc, "我的卡丢了") == ["我", "的", "卡"]


# --- features and ids -------------------------------------------------------------------------------------


def test_features_word(enc):
    assert enc.features("is my") == [
        ["w:is", "b:is my", "c:<is", "c:is>", "c:<is>"],
        ["w:my", "c:<my", "c:my>", "c:<my>"],
    ]
    where = enc.features("where")[0]
    assert where[0] == "w:where"
    assert where[1:6] == ["c:<wh", "c:whe", "c:her", "c:ere", "c:re>"]  # 3-grams first, left to right
    assert where[6:] == ["c:<whe", "c:wher", "c:here", "c:ere>", "c:<wher", "c:where", "c:here>"]


def test_features_cjk_and_symbol_have_no_ngrams(enc):
    assert enc.features("卡丢😀") == [["w:卡", "b:卡 丢"], ["w:丢", "b:丢 😀"], ["w:😀"]]


def test_features_cut_to_max_feats(enc):
    word = "abcdefghijklmnopqrstuvwxyz0123456789"  # cut to 32 chars -> padded 34 -> only 3-grams fit
    feats = enc.features(word)[0]
    assert len(feats) == SPEC.max_feats
    assert feats[0] == "w:abcdefghijklmnopqrstuvwxyz000000"
    assert all(f.startswith("c:") and len(f) == 5 for f in feats[1:])


def test_ids_never_zero_and_below_buckets(enc):
    texts = ["Where is my card?", "我的卡丢了", "ATM取款200元😀 👍🏽", "x" * 100, "a b c " * 40, "©"]
    for spec in (SPEC, TextSpec(buckets=2), TextSpec(buckets=97, max_units=8, max_feats=5)):
        e = TextEncoder(spec)
        for text in texts:
            ids = e.encode(text)
            assert ids.shape == (spec.max_units, spec.max_feats) and ids.dtype == np.int32
            feats = e.features(text)
            for i in range(spec.max_units):
                row_feats = feats[i] if i < len(feats) else []
                n = len(row_feats)
                assert (ids[i, :n] > 0).all() and (ids[i, :n] < spec.buckets).all()
                assert (ids[i, n:] == 0).all()
                assert list(ids[i, :n]) == [feature_id(f, spec.buckets) for f in row_feats]


@pytest.mark.parametrize(
    "text", ["", " ", "   \t\r\n  \u3000\u00a0", "?!... ,;: --- ()", "。，！？、「」", "\ufe0f\u200d"]
)
def test_empty_and_separator_only_input_is_all_zeros(enc, text):
    assert enc.units(text) == []
    ids = enc.encode(text)
    assert ids.shape == (SPEC.max_units, SPEC.max_feats) and ids.dtype == np.int32
    assert not ids.any()


def test_encode_batch(enc):
    texts = ["Where is my card?", "", "我的卡丢了"]
    batch = enc.encode_batch(texts)
    assert batch.shape == (3, SPEC.max_units, SPEC.max_feats) and batch.dtype == np.int32
    for row, text in zip(batch, texts):
        assert np.array_equal(row, enc.encode(text))
    assert enc.encode_batch([]).shape == (0, SPEC.max_units, SPEC.max_feats)


# --- long input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, text",
    [
        ("english words", ("card payment declined " * 500)[:10_000]),
        ("one 10k-char word", "a" * 10_000),
        ("10k Chinese chars", ("我的银行卡丢了" * 1500)[:10_000]),
        ("10k emoji", "😀" * 10_000),
        ("10k separators", "!" * 10_000),
    ],
)
def test_long_input(kind, text):
    assert len(text) == 10_000
    enc = TextEncoder()  # cold cache
    start = time.perf_counter()
    ids = enc.encode(text)
    elapsed = time.perf_counter() - start
    assert ids.shape == (SPEC.max_units, SPEC.max_feats) and ids.dtype == np.int32
    units = enc.units(text)
    if kind == "one 10k-char word":
        assert units == [("word", "a" * SPEC.max_word_chars)]
    elif kind == "10k separators":
        assert units == [] and not ids.any()
    else:
        assert len(units) == SPEC.max_units
        assert (ids[:, 0] > 0).all()  # every row holds a unit
    assert elapsed < 0.5, f"{kind}: {elapsed:.3f} s"


# --- determinism ------------------------------------------------------------------------------------------


def test_deterministic_across_encoders_and_cache(enc):
    text = "ATM取款200元😀 👍🏽 where is my card"
    first = enc.encode(text)
    assert np.array_equal(first, enc.encode(text))  # cached ids
    assert np.array_equal(first, TextEncoder().encode(text))  # fresh encoder


def test_deterministic_across_processes(enc):
    # No dependence on Python's randomised str hash (PYTHONHASHSEED).
    code = "from finlite.data.text import TextEncoder; print(TextEncoder().encode('ATM取款200元😀 card').tolist())"
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == enc.encode("ATM取款200元😀 card").tolist()


# --- TextSpec ---------------------------------------------------------------------------------------------


def test_spec_json_round_trip():
    custom = TextSpec(buckets=4096, max_units=32, ngram_min=2, fold_digits=False, cjk_ranges=((0x4E00, 0x9FFF),))
    for spec in (SPEC, custom):
        data = json.loads(json.dumps(spec.to_json()))
        assert data["format"] == SPEC_FORMAT
        assert isinstance(data["cjk_ranges"][0], list)
        again = TextSpec.from_json(data)
        assert again == spec
        text = "我的ATM卡 card 😀"
        assert np.array_equal(TextEncoder(again).encode(text), TextEncoder(spec).encode(text))


def test_spec_json_fields():
    assert set(SPEC.to_json()) == {
        "buckets", "max_units", "max_feats", "max_word_chars", "ngram_min", "ngram_max", "fold_digits",
        "normalization", "lowercase", "cjk_ranges", "symbol_ranges", "separator_ranges", "format",
    }  # fmt: skip


def test_spec_rejects_unknown_fields():
    data = SPEC.to_json() | {"vocab": "x"}
    with pytest.raises(ValueError, match="unknown fields.*vocab"):
        TextSpec.from_json(data)


@pytest.mark.parametrize("fmt", ["finlite.text/2", "finlite.text/0", "", "other"])
def test_spec_rejects_wrong_format(fmt):
    with pytest.raises(ValueError, match="unsupported text spec format"):
        TextSpec.from_json(SPEC.to_json() | {"format": fmt})


@pytest.mark.parametrize(
    "changes",
    [
        {"buckets": 1},
        {"max_units": 0},
        {"max_feats": 0},
        {"max_word_chars": 0},
        {"ngram_min": 0},
        {"ngram_min": 4, "ngram_max": 3},
        {"normalization": "NFC"},
        {"lowercase": False},
    ],
)
def test_spec_rejects_bad_values(changes):
    with pytest.raises(ValueError):
        TextSpec.from_json(SPEC.to_json() | changes)


# --- golden vectors ---------------------------------------------------------------------------------------


def _golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="ascii"))


def test_golden_file_is_complete():
    data = _golden()
    assert data["format"] == SPEC_FORMAT
    names = [case["name"] for case in data["cases"]]
    assert len(names) == len(set(names)) >= 30
    # The golden file pins the DEFAULT spec: changing a default is a spec change (new format version).
    assert data["spec"] == SPEC.to_json(), "TextSpec defaults changed: that needs a new spec version"
    for case in data["cases"]:
        assert len(case["units"]) == len(case["features"]) == len(case["ids"])


def _describe(name: str, text: str, want: dict, got: dict) -> list[str]:
    diffs = []
    short = text if len(text) <= 60 else text[:57] + "..."
    head = f"case {name!r} (text {short!r})"
    if [tuple(u) for u in want["units"]] != [tuple(u) for u in got["units"]]:
        diffs.append(f"{head}: units differ\n    expected {want['units']}\n    got      {got['units']}")
    for i in range(max(len(want["ids"]), len(got["ids"]))):
        w_ids = want["ids"][i] if i < len(want["ids"]) else []
        g_ids = got["ids"][i] if i < len(got["ids"]) else []
        w_feats = want["features"][i] if i < len(want["features"]) else []
        g_feats = got["features"][i] if i < len(got["features"]) else []
        if w_ids == g_ids and w_feats == g_feats:
            continue
        unit = (got["units"][i] if i < len(got["units"]) else want["units"][i])[1]
        for j in range(max(len(w_ids), len(g_ids))):
            wf = w_feats[j] if j < len(w_feats) else "-"
            gf = g_feats[j] if j < len(g_feats) else "-"
            wi = w_ids[j] if j < len(w_ids) else 0
            gi = g_ids[j] if j < len(g_ids) else 0
            if (wf, wi) != (gf, gi):
                diffs.append(
                    f"{head}: unit {i} ({unit!r}) feature {j}: expected {wf!r} -> id {wi}, got {gf!r} -> id {gi}"
                )
    return diffs


def test_golden_vectors():
    data = _golden()
    enc = TextEncoder(TextSpec.from_json(data["spec"]))
    diffs: list[str] = []
    for case in data["cases"]:
        text = case["text"]
        feats = enc.features(text)
        matrix = enc.encode(text)
        got = {
            "units": [list(u) for u in enc.units(text)],
            "features": feats,
            "ids": [[int(v) for v in matrix[i, : len(f)]] for i, f in enumerate(feats)],
        }
        diffs += _describe(case["name"], text, case, got)
        if matrix[len(feats) :].any():
            diffs.append(f"case {case['name']!r}: non-zero ids after the last unit")
    if diffs:
        shown = "\n".join(diffs[:40]) + (f"\n... and {len(diffs) - 40} more" if len(diffs) > 40 else "")
        pytest.fail(
            f"{len(diffs)} golden mismatches in {GOLDEN.name}: the finlite.text/1 encoding changed. Every app "
            "encoder is tested against this file, so a change needs a new spec version; regenerate with "
            "`python tests/golden/make_text_golden.py` only for a deliberate change.\n" + shown,
            pytrace=False,
        )


def test_golden_diff_message_is_readable():
    want = {"units": [["word", "card"]], "features": [["w:card"]], "ids": [[6900]]}
    got = {"units": [["word", "card"]], "features": [["w:card"]], "ids": [[6901]]}
    (line,) = _describe("en", "card", want, got)
    assert "unit 0 ('card') feature 0: expected 'w:card' -> id 6900, got 'w:card' -> id 6901" in line
