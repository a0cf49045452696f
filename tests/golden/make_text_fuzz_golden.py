"""Writes tests/golden/text_fuzz_v1.json: 10,000 generated hostile strings and the sha256 of the finlite.text/1
encoder's ids for each (default TextSpec), which the Kotlin and Swift encoders must reproduce exactly.

Run from the repository root:  python tests/golden/make_text_fuzz_golden.py  [--check]

The strings come from a seeded generator mixing: lone high and low surrogates and reversed pairs, C0/C1
controls, bidi and zero-width characters, astral emoji with ZWJ sequences, skin tones, flags and keycaps,
mixed scripts (Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari, Thai, CJK, kana, Hangul), stacked
combining marks, characters NFKC changes (ligatures, fullwidth forms, circled and superscript digits,
compatibility ideographs, squared words), special case mappings (İ, ß, final sigma), private-use and
noncharacters, other scripts' digits, empty and whitespace-only strings, and inputs of about 10,000
characters. Only long-stable characters are drawn (docs/preprocessing.md §3.1: NFKC and case mappings come
from each platform's Unicode data).

Each case is ``{"text": …, "repeat": n?, "sha256": …}``: the input is ``text`` repeated ``repeat`` times (1 when
absent; long inputs stay short in the file), and ``sha256`` is the first 16 hex digits of the SHA-256 of the
``(max_units, max_feats)`` id matrix as little-endian int32, row by row. The file is pure ASCII: lone
surrogates are ``\\udXXX`` escapes, which Kotlin keeps in its strings and Swift's JSON reader turns into U+FFFD
— the replacement the encoder makes first anyway (docs/preprocessing.md §3.1), so all three agree.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import numpy as np

from finlite.data.text import TextEncoder, TextSpec
from golden_io import write_or_check

OUT = Path(__file__).resolve().parent / "text_fuzz_v1.json"
FORMAT = "finlite.golden.text_fuzz/1"
CASES, SEED = 10_000, 20261203

# (name, inclusive code point ranges): blocks whose characters have been assigned for a long time
POOLS: dict[str, list[tuple[int, int]]] = {
    "ascii": [(0x20, 0x7E)],
    "controls": [(0x00, 0x1F), (0x7F, 0x9F)],
    "invisible": [(0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069), (0xFEFF, 0xFEFF), (0x00AD, 0x00AD), (0x180E, 0x180E)],
    "whitespace": [(0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)],
    "latin": [(0x00C0, 0x024F), (0x1E00, 0x1EFF)],
    "greek_cyrillic": [(0x0391, 0x03C9), (0x0400, 0x04FF)],
    "rtl": [(0x05D0, 0x05EA), (0x0620, 0x064A), (0x0660, 0x0669)],
    "indic_thai": [(0x0900, 0x097F), (0x0E01, 0x0E5B)],
    "cjk": [(0x4E00, 0x9FA5), (0x3400, 0x4DB5), (0x3040, 0x309F), (0x30A0, 0x30FF), (0xAC00, 0xD7A3), (0x3000, 0x303F), (0x20000, 0x2A6D6)],
    "combining": [(0x0300, 0x036F), (0x0483, 0x0489), (0x1AB0, 0x1ABE), (0x20D0, 0x20F0), (0xFE20, 0xFE2F)],
    "nfkc": [(0xFB00, 0xFB06), (0xFB13, 0xFB17), (0xFF01, 0xFF5E), (0xFF65, 0xFF9F), (0x2460, 0x24FF), (0x2070, 0x209C), (0x00B2, 0x00B3),
             (0x00B9, 0x00BC), (0x2150, 0x2182), (0xF900, 0xFA2D), (0x3300, 0x33FF), (0x3131, 0x318E), (0x01C4, 0x01CC), (0x1D400, 0x1D4FF)],
    "special_case": [(0x0130, 0x0131), (0x00DF, 0x00DF), (0x03A3, 0x03A3), (0x03C2, 0x03C3), (0x01F0, 0x01F0), (0x0149, 0x0149), (0x1E9E, 0x1E9E), (0x2126, 0x2126), (0x212A, 0x212B)],
    "digits": [(0x0660, 0x0669), (0x06F0, 0x06F9), (0x0966, 0x096F), (0xFF10, 0xFF19), (0x1D7CE, 0x1D7FF)],
    "symbols": [(0x00A1, 0x00BF), (0x2010, 0x2027), (0x2190, 0x21FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x20A0, 0x20B9)],
    "emoji": [(0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6C5)],
    "private": [(0xE000, 0xF8FF), (0xFDD0, 0xFDEF), (0xFFFE, 0xFFFF), (0xF0000, 0xF0FFF), (0x1FFFE, 0x1FFFF)],
    "surrogates": [(0xD800, 0xDFFF)],
}
SEQUENCES = [
    "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F44D\U0001F3FD", "\U0001F1FA\U0001F1F8", "1\ufe0f\u20e3", "\u2764\ufe0f",
    "\udc00\ud800", "\ud83d", "\ude00", "e\u0301", "\u1100\u1161\u11a8", "i\u0307", "\u0130stanbul", "\u039f\u0394\u039f\u03a3", "stra\u00dfe",
    "ATM\u53d6\u6b3e200\u5143", "$1,250.00", "card-to-card", "I can't", "\u200b", "\r\n",
]


def _char(rng: random.Random, pool: str) -> str:
    lo, hi = rng.choice(POOLS[pool])
    return chr(rng.randint(lo, hi))


def _piece(rng: random.Random) -> str:
    """One short run: characters of one pool, a known tricky sequence, or a word."""
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(SEQUENCES)
    if roll < 0.30:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(1, 12)))
    pool = rng.choice(list(POOLS))
    return "".join(_char(rng, pool) for _ in range(rng.randint(1, 6)))


def _case(rng: random.Random, index: int) -> dict:
    if index < 20:  # empty, whitespace-only, separators only
        return {"text": "".join(_char(rng, rng.choice(("whitespace", "controls", "invisible"))) for _ in range(index))}
    if index < 60:  # about 10,000 characters: a short run repeated
        piece = "".join(_piece(rng) for _ in range(rng.randint(1, 4))) + rng.choice((" ", "", "\u3000", "\n"))
        return {"text": piece, "repeat": max(1, 10_000 // max(1, len(piece)))}
    separator = rng.choice((" ", "", " ", "\t", "\u00a0"))
    return {"text": separator.join(_piece(rng) for _ in range(rng.randint(1, 8)))}


def _keep_lone(text: str) -> str:
    """A space between a random high surrogate and a following low one: in the JSON file the two would be one
    (unassigned) astral code point, not two lone surrogates."""
    out = []
    for ch in text:
        if out and "\udc00" <= ch <= "\udfff" and "\ud800" <= out[-1] <= "\udbff":
            out.append(" ")
        out.append(ch)
    return "".join(out)


def ids_digest(ids: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(ids, dtype="<i4").tobytes()).hexdigest()[:16]


def build() -> dict:
    rng = random.Random(SEED)
    encoder = TextEncoder(TextSpec())
    cases = []
    for index in range(CASES):
        case = _case(rng, index)
        case["text"] = _keep_lone(case["text"])
        case["sha256"] = ids_digest(encoder.encode(case["text"] * case.get("repeat", 1)))
        cases.append(case)
    return {
        "format": FORMAT,
        "about": "10,000 generated strings and the sha256 of their finlite.text/1 ids (default spec); see "
        "tests/golden/make_text_fuzz_golden.py. Generated; do not edit by hand.",
        "spec": TextSpec().to_json(),
        "digest": "first 16 hex digits of sha256 over the (max_units, max_feats) ids as little-endian int32, row by row; "
        "input = text repeated `repeat` times (default 1)",
        "cases": cases,
    }


def render(data: dict) -> str:
    head = {k: v for k, v in data.items() if k != "cases"}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()] + ['  "cases": [']
    lines += [f"    {json.dumps(c, ensure_ascii=True)}" + ("," if i + 1 < len(data["cases"]) else "") for i, c in enumerate(data["cases"])]
    return "\n".join(lines + ["  ]", "}"]) + "\n"


def main(argv: list[str]) -> int:
    data = build()
    text = render(data)
    assert json.loads(text) == json.loads(json.dumps(data))
    encoder = TextEncoder(TextSpec())  # what the file says encodes as recorded (no surrogate pair formed in JSON)
    assert all(ids_digest(encoder.encode(c["text"] * c.get("repeat", 1))) == c["sha256"] for c in json.loads(text)["cases"])
    return write_or_check(OUT, text, argv, f"{CASES} cases, {len(text.encode()) / 1e6:.2f} MB", "tests/test_text_fuzz_golden.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
