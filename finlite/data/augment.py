"""Training-text augmentation: light character noise (deletions, swaps, duplications), and word-level variants
that the teachers score for distillation."""

from __future__ import annotations

import re

import numpy as np


def char_noise(text: str, rng: np.random.Generator) -> str:
    """One random edit: delete a character, swap two neighbours or duplicate one."""
    if len(text) < 3:
        return text
    i = int(rng.integers(0, len(text) - 1))
    edit = int(rng.integers(0, 3))
    if edit == 0:
        return text[:i] + text[i + 1 :]
    if edit == 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[: i + 1] + text[i] + text[i + 1 :]


# A token is one CJK character or a run of other non-space characters (Chinese has no spaces between words).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")


def _join(tokens: list[str]) -> str:
    out = ""
    for token in tokens:
        cjk_pair = out and _CJK_CHAR.fullmatch(out[-1]) and _CJK_CHAR.fullmatch(token)
        out += token if not out or cjk_pair else " " + token
    return out


def word_variant(text: str, rng: np.random.Generator, drop: float = 0.15, crop: float = 0.25, swap: float = 0.3) -> str:
    """An altered copy of ``text`` for distillation (the teachers score it, so its intent may shift): with
    probability ``crop`` a contiguous half-or-more of its tokens, else each token dropped with probability
    ``drop`` (one always stays) and, with probability ``swap``, two neighbours swapped. Texts of one token
    come back unchanged."""
    tokens = _TOKEN.findall(text)
    n = len(tokens)
    if n < 2:
        return text
    if rng.random() < crop:
        length = int(rng.integers(-(-n // 2), n))  # ceil(n / 2) .. n - 1
        start = int(rng.integers(0, n - length + 1))
        return _join(tokens[start : start + length])
    kept = [t for t in tokens if rng.random() >= drop] or [tokens[int(rng.integers(0, n))]]
    if len(kept) > 1 and rng.random() < swap:
        i = int(rng.integers(0, len(kept) - 1))
        kept[i], kept[i + 1] = kept[i + 1], kept[i]
    return _join(kept)
