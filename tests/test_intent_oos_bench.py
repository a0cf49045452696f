"""benchmarks/intent_oos.py: the feature-space out-of-scope scores and one split end to end (synthetic texts)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import write_small_corpus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import intent_oos  # noqa: E402


def test_points_near_a_class_score_higher_than_points_far_from_all():
    rng = np.random.default_rng(0)
    centres = np.array([[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]])
    y = np.repeat([0, 1], 200)
    space = intent_oos.FeatureSpace(centres[y] + rng.normal(scale=0.3, size=(400, 3)), y)
    near, far = centres + 0.1, np.array([[0.0, 0.0, 5.0], [-5.0, -5.0, 0.0]])
    got_near, got_far = space.scores(near), space.scores(far)
    for name in ("mahalanobis", "class_cosine", "knn_cosine"):
        assert got_near[name].min() > got_far[name].max(), name


@pytest.mark.slow
def test_one_split_reports_every_score_and_the_target_point(tmp_path):
    import csv

    root = write_small_corpus(tmp_path / "data", seed=4, n_per_intent=10, n_out_of_scope=0)
    rows = [(r["text"], r["label"]) for r in csv.DictReader(open(root / "train.csv", encoding="utf-8"))]
    args = argparse.Namespace(epochs=1, model="intent_dwshuffle_x0_5", threads=1, distill=False)
    out = intent_oos.run_split(0, args, rows, rows, tmp_path)
    assert set(out["scores"]) == set(intent_oos.SCORES) and 0 <= out["known_accuracy"] <= 1
    for row in out["scores"].values():
        assert 0 <= row["auroc"] <= 1 and 0 <= row["recall80_on_test"]["in_scope_rejected"] <= 1
        assert row["reject1"]["in_scope_accuracy"] <= out["known_accuracy"] + 1e-9  # rejecting never adds right answers
    text = intent_oos._markdown({"splits": [out], "load": [0.0, 0.0], "settings": "test"})
    assert "mahalanobis" in text and "Issue 20's target" in text


def test_the_mahalanobis_score_is_the_distance_to_the_nearest_class_mean():
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1, 2], 50)
    space = intent_oos.FeatureSpace(rng.normal(size=(150, 4)) + y[:, None], y)
    x = rng.normal(size=(7, 4))
    diff = x[:, None, :] - space.means[None]
    direct = np.einsum("ncd,de,nce->nc", diff, space.precision, diff).min(axis=1)
    np.testing.assert_allclose(space.scores(x)["mahalanobis"], -direct, rtol=1e-9, atol=1e-9)
