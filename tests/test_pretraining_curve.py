"""The pretraining learning-curve benchmark's summary: means over seeds × configurations, paired differences
and the verdict per target of issue 21 (benchmarks/pretraining_curve.py), on made-up runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import pretraining_curve as pc  # noqa: E402

TAGS = ("auroc_churn_risk", "auroc_fund_preference")


def _model(f1: float, auroc: float, recall: float, tags: tuple[float, float]) -> dict:
    return {"lifecycle_macro_f1": f1, "tag_auroc_mean": auroc, "product_recall@3": recall,
            "per_tag": dict(zip(TAGS, tags)), "seconds": 10.0}


def _row(config: str, seed: int, size: int, gain: float) -> dict:
    """``gain`` (fraction) of pretrained over GBDT on F1 and Recall@3; churn_risk behind by 0.01."""
    return {"config": config, "seed": seed, "labelled": size, "pool": 7000, "pretrain_seconds": 100.0, "pretrain_epoch_seconds": 10.0,
            "network": _model(0.80, 0.95, 0.50, (0.94, 0.96)),
            "pretrained": _model(0.80 + gain, 0.955, 0.50 + gain, (0.95, 0.97)),
            "gbdt": {k: v for k, v in _model(0.80, 0.95, 0.50, (0.96, 0.95)).items() if k != "seconds"}}


def test_verdicts_from_means_over_seeds_and_configurations() -> None:
    rows = [_row("default", 0, 5000, 0.01), _row("default", 1, 5000, 0.03), _row("older", 0, 5000, 0.05)]
    summary = pc.summarise(rows)
    assert summary["sizes"][5000]["diff"]["lifecycle_macro_f1"] == pytest.approx([1.0, 3.0, 5.0])
    verdicts = {(size, key): (met, text) for size, key, _, met, text in summary["verdicts"]}
    assert verdicts[(5000, "lifecycle_macro_f1")][0] is True  # mean +3.00 ≥ +2
    assert "+3.00 points" in verdicts[(5000, "lifecycle_macro_f1")][1]
    met, text = verdicts[(5000, "tag_auroc_mean")]  # +0.5 < +1
    assert met is False and "missed by 0.50 points" in text
    assert verdicts[(5000, "product_recall@3")][0] is True
    met, text = verdicts[(5000, "every_tag")]
    assert met is False and "churn_risk (-1.00 AUROC points)" in text and "fund_preference" not in text
    assert verdicts[(20000, "tag_auroc_mean")][0] is None and "not measured" in verdicts[(20000, "tag_auroc_mean")][1]


def test_markdown_has_spread_paired_differences_and_partial_note() -> None:
    rows = [_row("default", 0, 5000, 0.01), _row("older", 0, 5000, 0.03), _row("default", 0, 20000, -0.01)]
    doc = {"command": "python benchmarks/pretraining_curve.py", "machine": "x86_64, 2 cores", "load": [0.5, 1.5],
           "configs": ["default", "older"], "seeds": [0], "unlabelled": 20000, "eval": 2000, "pretrain_epochs": 3,
           "threads": 1, "partial": "1 of 2 runs done", "rows": rows}
    text = pc._markdown(doc)
    assert "| 5,000 | pretrained − gbdt | 2.00 ± 1.41 |" in text  # sample std of +1 and +3 points
    assert "| 5,000 | 2 | pretrained | 0.8200 ± 0.0141 |" in text
    assert "**partial**: 1 of 2 runs done" in text
    assert "20,000 labelled, lifecycle macro-F1: pretrained − GBDT -1.00 points (target > 0 (ahead)) — missed (behind)" in text
    assert "--persona-mix" in text and "load (1-min average) at the start 0.50, at the end 1.50" in text
