"""Realistic typing noise for synthetic utterances: English key slips, Chinese homophones (pinyin input),
emoji and repeated punctuation, shouting, fullwidth forms, extra spaces.

Every edit returns the text unchanged when it does not apply (e.g. no ASCII letter to mistype);
:func:`add_noise` then draws another one.
"""

from __future__ import annotations

import random
import re
from typing import Callable

__all__ = ["add_noise"]

# Plausible pinyin-input slips: the intended character and a same- or near-sounding one.
_HOMOPHONES = {
    "账": "帐", "汇": "会", "额": "鹅", "款": "宽", "卡": "咔", "还": "换", "贷": "代", "理": "里",
    "财": "才", "基": "机", "金": "今", "密": "蜜", "码": "马", "保": "宝", "户": "护", "存": "寸",
    "取": "去", "钱": "前", "查": "差", "转": "专", "费": "废", "息": "西", "余": "于", "挂": "卦",
}
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_EXTRAS = ("👍", "🙏", "💰", "😭", "😂", "??", "！！", "...", "～", "?!", "。。", "!!!")


def _positions(text: str, keep: Callable[[str], bool]) -> list[int]:
    return [i for i, ch in enumerate(text) if keep(ch)]


def _is_ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _edit_at(
    text: str, rng: random.Random, pos: list[int], new: Callable[[int], str], width: int = 1, at_least: int = 1
) -> str:
    """``text`` with ``width`` characters at a random one of ``pos`` replaced by ``new(i)``; unchanged when
    there are fewer than ``at_least`` positions."""
    if len(pos) < at_least:
        return text
    i = rng.choice(pos)
    return text[:i] + new(i) + text[i + width :]


def _neighbour_key(ch: str, rng: random.Random) -> str:
    """A key left or right of ``ch`` on a QWERTY keyboard (same case)."""
    row = next((r for r in _KEYBOARD_ROWS if ch.lower() in r), None)
    if row is None:
        return ch
    i = row.index(ch.lower())
    key = rng.choice([row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)])
    return key.upper() if ch.isupper() else key


def _delete_letter(text: str, rng: random.Random) -> str:
    return _edit_at(text, rng, _positions(text, _is_ascii_letter), lambda i: "", at_least=4)


def _swap_letters(text: str, rng: random.Random) -> str:
    pos = [i for i in _positions(text, _is_ascii_letter)[:-1] if _is_ascii_letter(text[i + 1])]
    return _edit_at(text, rng, pos, lambda i: text[i + 1] + text[i], width=2)


def _double_letter(text: str, rng: random.Random) -> str:
    return _edit_at(text, rng, _positions(text, _is_ascii_letter), lambda i: text[i] * 2)


def _adjacent_key(text: str, rng: random.Random) -> str:
    return _edit_at(text, rng, _positions(text, _is_ascii_letter), lambda i: _neighbour_key(text[i], rng))


def _homophone(text: str, rng: random.Random) -> str:
    return _edit_at(text, rng, _positions(text, lambda ch: ch in _HOMOPHONES), lambda i: _HOMOPHONES[text[i]])


def _drop_hanzi(text: str, rng: random.Random) -> str:
    return _edit_at(text, rng, _positions(text, _is_hanzi), lambda i: "", at_least=5)


def _add_extra(text: str, rng: random.Random) -> str:
    """Emoji or repeated punctuation, usually at the end."""
    extra = rng.choice(_EXTRAS)
    i = len(text) if rng.random() < 0.7 else rng.randrange(1, len(text))
    return text[:i] + extra + text[i:]


def _ascii_words(text: str) -> list[re.Match[str]]:
    return list(re.finditer(r"[A-Za-z0-9]+", text))


def _shout(text: str, rng: random.Random) -> str:
    """Upper-case one English word, or the whole text."""
    words = _ascii_words(text)
    if not words or rng.random() < 0.3:
        return text.upper()
    m = rng.choice(words)
    return text[: m.start()] + m.group().upper() + text[m.end() :]


def _fullwidth(text: str, rng: random.Random) -> str:
    """Turn one ASCII word or number into fullwidth forms (ATM → ＡＴＭ), as some IMEs do."""
    words = _ascii_words(text)
    if not words:
        return text
    m = rng.choice(words)
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in m.group())
    return text[: m.start()] + wide + text[m.end() :]


def _extra_spaces(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(text))
    return text[:i] + rng.choice((" ", " ", "  ")) + text[i:]


_NOISE_EDITS = (_delete_letter, _swap_letters, _double_letter, _adjacent_key, _homophone, _drop_hanzi,
                _add_extra, _shout, _fullwidth, _extra_spaces)


def add_noise(text: str, rng: random.Random) -> str:
    """One edit, sometimes two; edits that do not apply are redrawn a few times."""
    for _ in range(1 if rng.random() < 0.7 else 2):
        for _attempt in range(5):
            edited = rng.choice(_NOISE_EDITS)(text, rng)
            if edited != text:
                text = edited
                break
    return text
