"""Portable hashed text preprocessing for intent models (spec ``finlite.text/1``).

Text becomes a fixed ``(max_units, max_feats)`` int32 matrix of hashed feature ids. Everything a
Kotlin or Swift port needs is in :class:`TextSpec` (serialised into ``preprocess.json``) and in
``docs/preprocessing.md``. The steps, in order:

1. Unicode NFKC, then lower case.
2. Split into *units*: a run of word characters is one unit; every CJK character and every emoji
   or symbol is a unit of its own; separators (ASCII punctuation, spaces, ranges in the spec) end
   a run and are dropped. A word keeps its first ``max_word_chars`` code points; only the first
   ``max_units`` units are kept.
3. Features of unit i, in this order, cut to ``max_feats``: ``"w:" + unit``; ``"b:" + unit + " " +
   next unit`` if there is a next kept unit; for word units, the character n-grams
   (``ngram_min..ngram_max`` code points, n ascending, then left to right) of ``"<" + unit + ">"``,
   each as ``"c:" + gram``. Digits inside units are folded to ``0`` first when ``fold_digits``.
4. id = 1 + FNV-1a-32(UTF-8 bytes of the feature) mod (buckets - 1); 0 is padding.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

import numpy as np

from ..bundle import formats

SPEC_FORMAT = formats.TEXT

# Inclusive code point ranges. CJK: each character is a unit of its own.
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK Extensions B-G
)
# Emoji and pictographic symbols: each code point is a unit of its own.
SYMBOL_RANGES: tuple[tuple[int, int], ...] = (
    (0x00A9, 0x00A9),  # ©
    (0x00AE, 0x00AE),  # ®
    (0x2190, 0x21FF),  # arrows
    (0x2300, 0x23FF),  # misc technical (⌚ ⏰ …)
    (0x25A0, 0x27BF),  # geometric shapes, misc symbols, dingbats (☀ ✅ ❤ …)
    (0x2900, 0x2BFF),  # supplemental arrows, misc symbols and arrows (⭐ …)
    (0x1F000, 0x1FAFF),  # mahjong … symbols and pictographs extended-A (😀 💰 🏦 …)
)
# Non-ASCII separators: dropped like ASCII punctuation and spaces.
SEPARATOR_RANGES: tuple[tuple[int, int], ...] = (
    (0x0080, 0x00BF),  # C1 controls, Latin-1 punctuation (¥ £ « » ¿ …)
    (0x00D7, 0x00D7),  # ×
    (0x00F7, 0x00F7),  # ÷
    (0x2000, 0x206F),  # general punctuation, spaces, zero-width joiner
    (0x20A0, 0x20CF),  # currency symbols (€ ₹ …)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。「」 …)
    (0xFE00, 0xFE0F),  # variation selectors (emoji presentation)
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFFF0, 0xFFFF),  # specials
)


@dataclass(frozen=True)
class TextSpec:
    """Every parameter of the text encoder; serialised as the ``text`` part of preprocess.json."""

    buckets: int = 10240  # hash buckets incl. id 0 = padding (embedding rows)
    max_units: int = 64  # units kept per text (sequence length)
    max_feats: int = 32  # hashed features per unit
    max_word_chars: int = 32  # a longer word keeps its first max_word_chars code points
    ngram_min: int = 3
    ngram_max: int = 5
    fold_digits: bool = True
    normalization: str = "NFKC"
    lowercase: bool = True
    cjk_ranges: tuple[tuple[int, int], ...] = field(default=CJK_RANGES)
    symbol_ranges: tuple[tuple[int, int], ...] = field(default=SYMBOL_RANGES)
    separator_ranges: tuple[tuple[int, int], ...] = field(default=SEPARATOR_RANGES)
    format: str = SPEC_FORMAT

    def __post_init__(self) -> None:
        if self.format != SPEC_FORMAT:
            raise ValueError(f"unsupported text spec format {self.format!r} (this finlite reads {SPEC_FORMAT!r})")
        if self.buckets < 2 or min(self.max_units, self.max_feats, self.max_word_chars) < 1:
            raise ValueError("buckets must be >= 2; max_units, max_feats and max_word_chars >= 1")
        if not 1 <= self.ngram_min <= self.ngram_max:
            raise ValueError("need 1 <= ngram_min <= ngram_max")
        if self.normalization != "NFKC" or not self.lowercase:
            raise ValueError("finlite.text/1 always applies NFKC and lower case")

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("cjk_ranges", "symbol_ranges", "separator_ranges"):
            data[key] = [list(r) for r in data[key]]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "TextSpec":
        """Strict reading: every field present, of the right type; ranges with lo <= hi."""
        fields = cls.__dataclass_fields__
        unknown, missing = set(data) - set(fields), set(fields) - set(data)
        if unknown or missing:
            raise ValueError(f"text spec: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
        kwargs = {}
        for name, value in data.items():
            if name.endswith("_ranges"):
                if not isinstance(value, list) or not all(_is_range(r) for r in value):
                    raise ValueError(f"text spec: {name} must be a list of [lo, hi] code points with lo <= hi")
                kwargs[name] = tuple((r[0], r[1]) for r in value)
                continue
            kind = type(getattr(cls(), name))
            if type(value) is not kind:
                raise ValueError(f"text spec: {name} must be a {kind.__name__}, got {value!r}")
            kwargs[name] = value
        return cls(**kwargs)


def _is_range(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 2
        and all(type(v) is int for v in item)
        and 0 <= item[0] <= item[1] <= 0x10FFFF
    )


def fnv1a_32(data: bytes) -> int:
    """32-bit FNV-1a hash (offset basis 2166136261, prime 16777619)."""
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def feature_id(feature: str, buckets: int) -> int:
    """Hashed id of one feature string; never 0 (padding)."""
    return 1 + fnv1a_32(feature.encode("utf-8")) % (buckets - 1)


class _RangeSet:
    """Membership test over sorted, inclusive code point ranges."""

    def __init__(self, ranges: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for lo, hi in sorted(ranges):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self._starts = [lo for lo, _ in merged]
        self._ends = [hi for _, hi in merged]

    def __contains__(self, cp: int) -> bool:
        i = bisect.bisect_right(self._starts, cp) - 1
        return i >= 0 and cp <= self._ends[i]


WORD, CJK, SYMBOL = "word", "cjk", "symbol"
_CACHE_LIMIT = 1 << 20  # feature → id memo entries kept per encoder


def well_formed(text: str) -> str:
    """``text`` read as UTF-16 code units, as Kotlin and Swift hold it: a high surrogate code point followed by
    a low one is the pair's code point; every other surrogate becomes U+FFFD (one per unit)."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def normalize(text: str) -> str:
    """Step 1: surrogates as in :func:`well_formed`, NFKC, then lower case."""
    return unicodedata.normalize("NFKC", well_formed(text)).lower()


class TextEncoder:
    """Encodes text to hashed feature ids exactly as described by a :class:`TextSpec`."""

    def __init__(self, spec: TextSpec | None = None):
        self.spec = spec or TextSpec()
        self._cjk = _RangeSet(self.spec.cjk_ranges)
        self._symbol = _RangeSet(self.spec.symbol_ranges)
        self._separator = _RangeSet(self.spec.separator_ranges)
        self._ids: dict[str, int] = {}

    def _kind(self, ch: str) -> str | None:
        cp = ord(ch)
        if cp < 0x80:
            return WORD if ("a" <= ch <= "z" or "0" <= ch <= "9") else None
        if cp in self._cjk:
            return CJK
        if cp in self._symbol:
            return SYMBOL
        if cp in self._separator:
            return None
        return WORD

    def units(self, text: str) -> list[tuple[str, str]]:
        """Steps 1-2: the kept ``(kind, unit)`` pairs of a text."""
        out: list[tuple[str, str]] = []
        word: list[str] = []
        limit = self.spec.max_units
        for ch in normalize(text):
            kind = self._kind(ch)
            if kind == WORD:
                if len(word) < self.spec.max_word_chars:
                    word.append("0" if self.spec.fold_digits and "0" <= ch <= "9" else ch)
                continue
            if word:
                out.append((WORD, "".join(word)))
                word = []
            if kind is not None:
                out.append((kind, ch))
            if len(out) >= limit:
                return out[:limit]
        if word:
            out.append((WORD, "".join(word)))
        return out[:limit]

    def features(self, text: str) -> list[list[str]]:
        """Step 3: the feature strings of every kept unit."""
        spec = self.spec
        units = self.units(text)
        result = []
        for i, (kind, unit) in enumerate(units):
            feats = ["w:" + unit]
            if i + 1 < len(units):
                feats.append("b:" + unit + " " + units[i + 1][1])
            if kind == WORD:
                padded = "<" + unit + ">"
                for n in range(spec.ngram_min, spec.ngram_max + 1):
                    feats.extend("c:" + padded[j : j + n] for j in range(len(padded) - n + 1))
            result.append(feats[: spec.max_feats])
        return result

    def _feature_id(self, feature: str) -> int:
        cached = self._ids.get(feature)
        if cached is None:
            if len(self._ids) >= _CACHE_LIMIT:
                self._ids.clear()
            cached = self._ids[feature] = feature_id(feature, self.spec.buckets)
        return cached

    def encode(self, text: str) -> np.ndarray:
        """Step 4: ``(max_units, max_feats)`` int32 ids, 0 = padding."""
        spec = self.spec
        ids = np.zeros((spec.max_units, spec.max_feats), dtype=np.int32)
        for i, feats in enumerate(self.features(text)):
            ids[i, : len(feats)] = [self._feature_id(f) for f in feats]
        return ids

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, max_units, max_feats)`` int32 ids."""
        if not texts:
            return np.zeros((0, self.spec.max_units, self.spec.max_feats), dtype=np.int32)
        return np.stack([self.encode(t) for t in texts])
