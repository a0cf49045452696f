"""benchmarks/blocks_full.py (``blocks.py --full``): the seed summaries, the comparison and its verdict, the table."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import blocks  # noqa: E402
import blocks_full  # noqa: E402


def model(task: str, accuracies: list[float], macs: int, seconds: float) -> dict:
    runs = [{"seed": i, "accuracy": a, "macro_f1": a - 0.01, "epochs": 10, "train_seconds_per_epoch": seconds, "macs": macs, "params": macs // 10}
            for i, a in enumerate(accuracies)]
    keys = ("accuracy", "macro_f1", "train_seconds_per_epoch", "epochs")
    return {"task": task, "macs": macs, "params": macs // 10, "runs": runs, **{k: blocks_full.summary([float(r[k]) for r in runs]) for k in keys}}


def test_summary_is_mean_sample_std_and_range():
    s = blocks_full.summary([0.90, 0.92, 0.94])
    assert s["mean"] == pytest.approx(0.92)
    assert s["std"] == pytest.approx(0.02)
    assert (s["min"], s["max"]) == (0.90, 0.94)
    assert blocks_full.summary([0.5])["std"] == 0.0


def test_compare_judges_the_difference_of_the_means_and_keeps_each_seed():
    ours = model("intent", [0.920, 0.925, 0.915], 1_000_000, 2.0)
    twin = model("intent", [0.930, 0.926, 0.928], 4_000_000, 2.5)
    c = blocks_full.compare(ours, twin)
    assert c["macs_ratio"] == pytest.approx(0.25) and c["claim"]["macs"]
    assert c["accuracy_diff_points"] == pytest.approx(-0.8)
    assert not c["claim"]["accuracy"]  # 0.8 points behind: outside the 0.5-point claim
    assert c["accuracy_diff_points_per_seed"] == pytest.approx([-1.0, -0.1, -1.3])
    assert c["train_time_ratio"] == pytest.approx(0.8)
    close = blocks_full.compare(model("intent", [0.926, 0.926, 0.926], 1, 1.0), twin)
    assert close["claim"]["accuracy"]


def test_render_has_a_row_per_model_and_the_verdict():
    models = {"ours": model("intent", [0.92, 0.93], 10, 1.0), "twin": model("intent", [0.93, 0.94], 40, 1.0)}
    text = blocks_full.render(models, {"intent": blocks_full.compare(models["ours"], models["twin"])}, {"seeds": [0, 1]})
    assert "| ours | intent | 92.50 ± 0.71 |" in text
    assert "| intent | 0.250× |" in text and "| -1.00, -1.00 | NO |" in text.replace("−", "-")


def test_blocks_full_mode_reads_its_own_options():
    with pytest.raises(SystemExit) as stop:
        blocks.main(["--full", "--seeds", "one"])
    assert stop.value.code == 2
