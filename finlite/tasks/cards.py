"""Formatting shared by the tasks' model cards and the quickstart report."""

from __future__ import annotations


def pct(value) -> str:
    """A share as a percentage with two decimals, or 'n/a'."""
    return "n/a" if value is None else f"{100 * value:.2f}%"


def num(value, digits: int = 4) -> str:
    """A number with ``digits`` decimals, or 'n/a'."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def format_agreement(parity: dict) -> str:
    """A manifest parity entry's top-1 agreement for tables: '0.9950', or '0.9860 (decisive 1.0000)'."""
    text = f"{parity['top1_agreement']:.4f}"
    decisive = parity.get("top1_agreement_decisive")
    return text if decisive is None else f"{text} (decisive {decisive:.4f})"


def artifact_rows(manifest: dict, quality) -> str:
    """Markdown rows ``| file | format | precision | max abs Δ | top-1 agreement | quality |``, one per
    artifact; ``quality(artifact)`` formats the last cell."""
    return "\n".join(
        f"| `{a['file']}` | {a['format']} | {a['precision']} | {a['parity']['max_abs_diff']:.2e} | "
        f"{format_agreement(a['parity'])} | {quality(a)} |"
        for a in manifest["artifacts"]
    )
