"""Write or check a golden file (shared by the make_*_golden.py scripts)."""

from __future__ import annotations

from pathlib import Path


def write_or_check(out: Path, text: str, argv: list[str], what: str, test_file: str) -> int:
    """With ``--check``: exit status 1 if ``out`` differs from ``text``; otherwise (re)write it."""
    if "--check" in argv:
        current = out.read_text(encoding="ascii") if out.exists() else ""
        if current != text:
            print(f"{out} is out of date (or the encoder changed); see {test_file} for the differences")
            return 1
        print(f"{out} is up to date")
        return 0
    out.write_text(text, encoding="ascii", newline="\n")
    print(f"wrote {out} ({what})")
    return 0
