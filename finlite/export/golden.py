"""The inputs every bundle's golden.json pins: edge cases first, then held-out texts."""

from __future__ import annotations

from typing import Sequence

EDGE_CASES: tuple[str, ...] = (
    "",  # empty
    "   \t\n",  # whitespace only
    "?!...",  # punctuation only
    "How do I transfer money to my mom?",  # English
    "我想查一下银行卡余额",  # Chinese
    "帮我transfer 500块到招商银行卡",  # mixed
    "card lost!!! 😭🙏 help",  # emoji
    "👨‍👩‍👧 family account 👍🏽",  # ZWJ sequence, skin tone
    "ＡＴＭ取款限额是多少？",  # fullwidth (NFKC)
    "Ünïcödé façade naïve café",  # accents
    ("余额 balance " * 1000)[:10000],  # 10,000 characters, mixed
)
HELD_OUT_EXAMPLES = 13


def golden_texts(held_out: Sequence[str], n: int = HELD_OUT_EXAMPLES) -> list[str]:
    """Edge cases plus the first ``n`` held-out texts (never used for tracing or calibration)."""
    return list(EDGE_CASES) + list(held_out[:n])
