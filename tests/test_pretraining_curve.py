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


def test_last_events_keeps_each_users_most_recent_and_says_what_is_outside(tmp_path: Path) -> None:
    import pandas as pd

    day = 86_400_000
    as_of = pd.Timestamp("2026-06-30T00:00:00Z").value // 1_000_000
    iso = lambda ms: pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # noqa: E731
    rows = [("a", as_of - 40 * day, "login"), ("a", as_of - 30 * day, "push_open"), ("a", as_of - 2 * day, "login"),
            ("a", as_of - 1 * day, "page_view"), ("b", as_of - 50 * day, "login"), ("b", as_of - 3 * day, "push_open")]
    events = pd.DataFrame([{"user_id": u, "timestamp": iso(t), "event_type": e} for u, t, e in rows])
    events = events.iloc[[2, 0, 1, 3, 4, 5]]  # a's rows out of time order in the file
    events.to_csv(tmp_path / "events.csv", index=False)
    info = pc._last_events(tmp_path / "events.csv", tmp_path / "last.csv", keep=2)
    kept = pd.read_csv(tmp_path / "last.csv")
    assert sorted(kept[kept.user_id == "a"].event_type) == ["login", "page_view"]  # the two most recent of a's four
    assert len(kept[kept.user_id == "b"]) == 2
    assert info["users_over_window"] == 1 and info["share_users_over_window"] == 0.5
    # days before "now" = the last event in the file + 1 ms (as finlite train profile takes it): a's window is days 2 … 1 before as_of
    assert info["median_days_in_window_for_them"] == pytest.approx(1.0, abs=1e-6)
    assert info["share_old_logins_outside"] == pytest.approx(0.5)  # a's day-40 login out, b's day-50 login in
    assert info["share_push_opens_outside"] == pytest.approx(0.5)


def test_window_study_on_a_small_run(tmp_path: Path) -> None:
    """GBDT on all events vs on the last 16: the study runs on the folders a run leaves (in a process of its
    own, one OpenMP thread), and a window that short loses signal (mean tag AUROC drops)."""
    import json
    import os
    import subprocess

    root = tmp_path / "default" / "seed0"
    root.mkdir(parents=True)
    pc._synth(300, 1000, "default", root / "unlabelled300", root / "u.log")
    pc._synth(600, 0, "default", root / "labelled600", root / "l.log")
    pc._split_labels(root / "labelled600" / "labels.csv", [400], 200, 600, root / "labelled600")
    script = Path(pc.__file__)
    subprocess.run([sys.executable, str(script), "--window-study", "--unlabelled", "300", "--labelled", "400", "--pool", "600",
                    "--eval", "200", "--max-events", "16", "--threads", "1", "--work", str(tmp_path), "--results", str(tmp_path / "out")],
                   check=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True)
    row = json.loads((tmp_path / "out_window.json").read_text())["rows"][0]
    assert row["outside"]["share_users_over_window"] > 0.5
    assert row["window"]["tag_auroc_mean"] < row["all_events"]["tag_auroc_mean"]
    text = (tmp_path / "out_window.md").read_text()
    assert "| window − all, points |" in text and "users with more than 16 events" in text
