"""Synthetic bilingual (Chinese + English) mobile-banking intent corpus.

Every example is built from a template of its intent (``zh``, ``en`` or code-mixed ``mix``, drawn about
45/35/20), whose ``{slot}`` placeholders are filled from small tables (banks, cards, people, amounts in
many formats, ...). A politeness prefix or suffix may be added, and a ``noise`` fraction of examples gets
one or two realistic typos (English key slips, Chinese homophones, emoji, casing, fullwidth characters,
extra spaces). Intents share vocabulary on purpose (卡/card, 理财, 额度, 转账, 公积金, ...), so the
task is learnable but not solved by one keyword.

Generation uses only ``random.Random(seed)`` and never iterates over sets or hashes strings, so the
same arguments give the same corpus in every process. See ``docs/synthetic_intents.md``. The phrase
tables are in :mod:`.intent_phrases`, the typing noise in :mod:`.intent_typos`.
"""

from __future__ import annotations

import csv
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .intent_phrases import SLOTS, TEMPLATES
from .intent_typos import add_noise

__all__ = ["OUT_OF_SCOPE", "IntentExample", "generate_intent_corpus", "intent_labels", "split_corpus", "write_csv"]

OUT_OF_SCOPE = "out_of_scope"
_LANGUAGES = ("zh", "en", "mix")
_LANGUAGE_WEIGHTS = (45, 35, 20)
_AFFIX_PROBABILITY = 0.35  # chance of a politeness prefix, and separately of a suffix
_CAPITALIZE_PROBABILITY = 0.4  # English sentences that start with a capital letter
_ATTEMPTS_PER_EXAMPLE = 30  # resampling budget for duplicate texts

_AMOUNTS = (20, 50, 88, 100, 150, 200, 300, 500, 666, 800, 1000, 1200, 1500, 2000, 2500, 3000, 5000,
            6000, 8000, 10000, 12000, 20000, 30000, 50000, 100000, 200000)
_ZH_DIGITS = "零一二三四五六七八九"
_SLOT_RE = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class IntentExample:
    """One labelled utterance."""

    text: str
    label: str


def intent_labels() -> list[str]:
    """The in-scope intent labels, sorted (``out_of_scope`` is not included)."""
    return sorted(label for label in TEMPLATES if label != OUT_OF_SCOPE)


# --- amounts -------------------------------------------------------------------------------------


def _zh_below_10k(n: int) -> str:
    """Chinese numerals for 1 <= n < 10000, colloquial 两 for a leading 2 before 千/百."""
    out, pending_zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit == 0:
            pending_zero = pending_zero or bool(out)
            continue
        if pending_zero:
            out, pending_zero = out + "零", False
        liang = digit == 2 and not out and unit in ("千", "百")
        out += ("两" if liang else _ZH_DIGITS[digit]) + unit
    return out[1:] if out.startswith("一十") else out


def _zh_number(n: int) -> str:
    """Chinese numerals for 1 <= n < 10**8 (``5000`` → ``五千``, ``12000`` → ``一万两千``)."""
    if n < 10000:
        return _zh_below_10k(n)
    wan, rest = divmod(n, 10000)
    head = ("两" if wan == 2 else _zh_below_10k(wan)) + "万"
    if not rest:
        return head
    return head + ("零" if rest < 1000 else "") + _zh_below_10k(rest)


_AmountFormat = Callable[[int], "str | None"]  # None: format does not fit this amount

_AMOUNT_FORMATS: dict[str, tuple[_AmountFormat, ...]] = {
    "en": (
        str,
        lambda n: f"{n:,}",
        lambda n: f"{n / 1000:g}k" if n >= 1000 else None,
        lambda n: f"${n}",
        lambda n: f"¥{n:,}",
        lambda n: f"{n} yuan",
        lambda n: f"RMB {n:,}",
        lambda n: f"{n} rmb",
        lambda n: f"{n:,} CNY",
    ),
    "zh": (
        lambda n: f"{n}元",
        lambda n: f"{n}块",
        lambda n: f"¥{n}",
        lambda n: f"{n:,}元",
        _zh_number,
        lambda n: _zh_number(n) + "元",
        lambda n: _zh_number(n) + "块",
        lambda n: f"{n // 10000}万" if n % 10000 == 0 else None,
        lambda n: f"{n}块钱",
    ),
}


def _format_amount(lang: str, rng: random.Random) -> str:
    """A random amount in a random format of the language (``str`` always fits, so this ends)."""
    n = rng.choice(_AMOUNTS)
    while True:
        text = rng.choice(_AMOUNT_FORMATS[lang])(n)
        if text is not None:
            return text

# --- rendering -----------------------------------------------------------------------------------


def _slot_language(lang: str, rng: random.Random) -> str:
    """Fillers follow the template language; code-mixed templates take either."""
    return rng.choice(("zh", "en")) if lang == "mix" else lang


def _fill_slot(name: str, lang: str, rng: random.Random) -> str:
    slot_lang = _slot_language(lang, rng)
    if name == "amount":
        return _format_amount(slot_lang, rng)
    return rng.choice(SLOTS[name][slot_lang])


def _join(left: str, right: str) -> str:
    """Concatenate two phrases, with a space where English words would otherwise touch."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    after_ascii = a.isascii() and not a.isspace() and b.isalnum()
    before_ascii = a.isalnum() and b.isascii() and b.isalnum()
    return f"{left} {right}" if after_ascii or before_ascii else left + right


def _add_politeness(text: str, lang: str, rng: random.Random) -> str:
    if rng.random() < _AFFIX_PROBABILITY:
        text = _join(rng.choice(SLOTS["prefix"][_slot_language(lang, rng)]), text)
    if rng.random() < _AFFIX_PROBABILITY:
        text = _join(text, rng.choice(SLOTS["suffix"][_slot_language(lang, rng)]))
    return text


def _render(label: str, rng: random.Random) -> str:
    """A clean text for a label, in a random language mix."""
    lang = rng.choices(_LANGUAGES, weights=_LANGUAGE_WEIGHTS)[0]
    template = rng.choice(TEMPLATES[label][lang])
    text = _SLOT_RE.sub(lambda m: _fill_slot(m.group(1), lang, rng), template)
    text = _add_politeness(text, lang, rng)
    if lang == "en" and rng.random() < _CAPITALIZE_PROBABILITY:
        text = text[0].upper() + text[1:]
    return text

# --- corpus --------------------------------------------------------------------------------------


def _make_text(label: str, noise: float, rng: random.Random) -> str:
    text = _render(label, rng)
    if rng.random() < noise:
        text = add_noise(text, rng)
    return text


def _sample_label(
    label: str, count: int, noise: float, rng: random.Random, seen: set[str]
) -> list[IntentExample]:
    """Up to ``count`` examples whose texts are not in ``seen`` (which is updated)."""
    out: list[IntentExample] = []
    for _ in range(count * _ATTEMPTS_PER_EXAMPLE):
        if len(out) == count:
            break
        text = _make_text(label, noise, rng)
        if text not in seen:
            seen.add(text)
            out.append(IntentExample(text, label))
    return out


def generate_intent_corpus(
    n_per_intent: int = 120, n_out_of_scope: int = 400, seed: int = 0, noise: float = 0.15
) -> list[IntentExample]:
    """A shuffled corpus: ``n_per_intent`` examples of every intent plus ``n_out_of_scope`` examples
    labelled :data:`OUT_OF_SCOPE`; a ``noise`` fraction carries typos. Texts are unique; a label whose
    templates run out of new texts gets fewer examples."""
    if n_per_intent < 1:
        raise ValueError(f"n_per_intent must be >= 1, got {n_per_intent}")
    if n_out_of_scope < 0:
        raise ValueError(f"n_out_of_scope must be >= 0, got {n_out_of_scope}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], got {noise}")
    rng = random.Random(seed)
    seen: set[str] = set()
    examples: list[IntentExample] = []
    for label in intent_labels():
        examples.extend(_sample_label(label, n_per_intent, noise, rng, seen))
    examples.extend(_sample_label(OUT_OF_SCOPE, n_out_of_scope, noise, rng, seen))
    rng.shuffle(examples)
    return examples


def split_corpus(
    examples: list[IntentExample], eval_fraction: float = 0.2, seed: int = 0
) -> tuple[list[IntentExample], list[IntentExample]]:
    """``(train, eval)``, stratified: about ``eval_fraction`` of every label goes to eval (at least one
    example of a label with two or more, none of a label with one). Deterministic for a given input."""
    if not 0.0 < eval_fraction < 1.0:
        raise ValueError(f"eval_fraction must be in (0, 1), got {eval_fraction}")
    rng = random.Random(seed)
    by_label: dict[str, list[IntentExample]] = {}
    for example in examples:
        by_label.setdefault(example.label, []).append(example)
    train: list[IntentExample] = []
    held: list[IntentExample] = []
    for label in sorted(by_label):
        group = list(by_label[label])
        rng.shuffle(group)
        n_eval = min(max(1, round(eval_fraction * len(group))), len(group) - 1)
        held.extend(group[:n_eval])
        train.extend(group[n_eval:])
    rng.shuffle(train)
    rng.shuffle(held)
    return train, held


def write_csv(examples: list[IntentExample], path: str | os.PathLike) -> None:
    """Write ``text,label`` rows (UTF-8, header first), creating parent directories."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=("text", "label"))
        writer.writeheader()
        writer.writerows({"text": e.text, "label": e.label} for e in examples)
