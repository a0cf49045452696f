"""tests/golden/text_fuzz_v1.json (10,000 generated hostile strings, Kotlin and Swift replay it) is what its
generator writes and what the encoder gives today."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def test_the_fuzz_golden_file_is_up_to_date():
    done = subprocess.run([sys.executable, str(GOLDEN / "make_text_fuzz_golden.py"), "--check"], capture_output=True, text=True, cwd=GOLDEN)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_fuzz_golden_covers_what_the_issue_names():
    cases = json.loads((GOLDEN / "text_fuzz_v1.json").read_text(encoding="ascii"))["cases"]
    texts = [c["text"] * c.get("repeat", 1) for c in cases]
    assert len(cases) == 10_000 and len({c["text"] for c in cases}) > 9_000
    assert sum(any("\ud800" <= ch <= "\udfff" for ch in t) for t in texts) >= 100  # lone surrogates survive the JSON
    assert sum(any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in t) for t in texts) >= 100  # controls
    assert sum(any(0x1F300 <= ord(ch) <= 0x1F6FF for ch in t) for t in texts) >= 100  # astral emoji
    assert sum(any(0x4E00 <= ord(ch) <= 0x9FFF for ch in t) and any("a" <= ch <= "z" for ch in t) for t in texts) >= 100  # mixed scripts
    assert sum(len(t) >= 9_000 for t in texts) >= 20 and sum(t == "" for t in texts) >= 1
    assert len({c["sha256"] for c in cases}) > 9_000  # the digests tell the inputs apart


def test_surrogates_are_read_as_utf16_code_units_as_on_the_phones():
    """Adjacent high + low surrogate code points are the pair's character (Kotlin and Swift hold UTF-16);
    any other surrogate is U+FFFD, one per unit."""
    from finlite.data.text import TextEncoder, well_formed

    assert well_formed("a\ud83d\ude00b\ude00\ud83d") == "a\U0001f600b\ufffd\ufffd"
    encoder = TextEncoder()
    assert (encoder.encode("pay \ud83d\ude00") == encoder.encode("pay \U0001f600")).all()
    assert (encoder.encode("x\ud800y") == encoder.encode("x\ufffdy")).all()
