"""Metrics, config overrides, and a short real training run."""

import json

import numpy as np
import pytest
from conftest import write_small_corpus

from finlite.training.checkpoint import load_run
from finlite.tasks.config import ConfigError, apply_overrides
from finlite.tasks.intent import IntentTrainConfig
import finlite
from finlite.bundle.postprocess import softmax
from finlite.tasks.metrics import classification_report, macro_f1
from finlite.tasks.oos_points import calibrate_threshold, oos_auroc, oos_curve, operating_points


def test_macro_f1_by_hand():
    y = np.array([0, 0, 1, 1])
    pred = np.array([0, 1, 1, 1])
    # class 0: P=1, R=.5 → F1 2/3; class 1: P=2/3, R=1 → F1 .8
    assert macro_f1(y, pred) == pytest.approx((2 / 3 + 0.8) / 2)
    assert macro_f1(y, y) == 1.0


def test_threshold_with_out_of_scope_samples_separates_them():
    # class 2 is out_of_scope; its samples get low confidence
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.85, 0.05], [0.4, 0.35, 0.25], [0.45, 0.3, 0.25]])
    y = np.array([0, 1, 2, 2])
    cal = calibrate_threshold(probs, y, oos_index=2)
    assert cal.method == "balanced" and 0.45 < cal.threshold <= 0.85
    assert cal.val_oos_recall == 1.0 and cal.val_in_scope_accuracy == 1.0


def test_threshold_without_out_of_scope_rejects_a_quantile():
    rng = np.random.default_rng(0)
    probs = softmax(rng.normal(size=(1000, 4)) * 3)
    cal = calibrate_threshold(probs, probs.argmax(1), oos_index=None, rule="balanced", max_reject=0.05)
    assert cal.method == "max_reject" and "cannot be measured" in cal.note
    assert np.mean(probs.max(1) < cal.threshold) == pytest.approx(0.05, abs=0.005)
    report = classification_report(np.log(probs), probs.argmax(1), cal.threshold, None)
    assert report["accuracy"] == 1.0 and report["in_scope_accuracy"] == pytest.approx(0.95, abs=0.005)


def _oos_population(seed: int = 0):
    """600 in-scope (confident, 90% right) and 200 out-of-scope (diffuse) validation rows over 4 intents + OOS (index 4)."""
    rng = np.random.default_rng(seed)
    y = np.concatenate([rng.integers(0, 4, 600), np.full(200, 4)])
    logits = rng.normal(size=(800, 5))
    logits[np.arange(600), np.where(rng.random(600) < 0.9, y[:600], (y[:600] + 1) % 4)] += rng.uniform(1.0, 6.0, 600)
    logits[600:, :4] += rng.uniform(0.0, 1.5, (200, 1))
    logits[:, 4] = -5.0  # no OOS class logit: only the threshold answers out of scope
    return softmax(logits), y


def test_the_out_of_scope_rules_meet_their_targets_on_validation():
    probs, y = _oos_population()
    capped = calibrate_threshold(probs, y, 4, "max_reject", max_reject=0.02)
    assert capped.method == "max_reject" and capped.val_in_scope_rejected <= 0.02
    looser = calibrate_threshold(probs, y, 4, "max_reject", max_reject=0.10)
    assert looser.threshold > capped.threshold and looser.val_oos_recall >= capped.val_oos_recall
    recall = calibrate_threshold(probs, y, 4, "min_recall", min_recall=0.8)
    assert recall.val_oos_recall >= 0.8 and not recall.note
    barely = calibrate_threshold(probs, y, 4, "min_recall", min_recall=0.79)
    assert barely.threshold <= recall.threshold  # the smallest threshold that reaches the target
    unreachable = calibrate_threshold(probs, y, 4, "min_recall", min_recall=1.01)
    assert "not reached" in unreachable.note
    balanced = calibrate_threshold(probs, y, 4, "balanced")
    assert (balanced.val_in_scope_accuracy + balanced.val_oos_recall) / 2 >= (capped.val_in_scope_accuracy + capped.val_oos_recall) / 2
    with pytest.raises(ValueError, match="unknown out-of-scope rule"):
        calibrate_threshold(probs, y, 4, "best")


def test_the_out_of_scope_curve_and_auroc():
    probs, y = _oos_population()
    curve = oos_curve(probs, y, 4)
    recalls = [p["oos_recall"] for p in curve]
    assert recalls == sorted(recalls) and recalls[0] == 0.0 and recalls[-1] >= 0.99  # thresholds ascending
    assert [p["in_scope_rejected"] for p in curve] == sorted(p["in_scope_rejected"] for p in curve)
    assert 0.8 < oos_auroc(probs, y, 4) <= 1.0
    assert oos_auroc(probs[:600], y[:600], 4) is None
    points = operating_points(probs, y, probs, y, 4)
    assert [p["max_reject"] for p in points] == [0.005, 0.01, 0.02, 0.05, 0.1]
    assert all(p["in_scope_rejected"] <= p["max_reject"] for p in points)


def test_overrides_are_typed_and_checked():
    config = apply_overrides(IntentTrainConfig(), ["epochs=3", "lr=0.005", "distill=false", "model=intent_bag"])
    assert (config.epochs, config.lr, config.distill, config.model) == (3, 0.005, False, "intent_bag")
    with pytest.raises(ConfigError, match="unknown setting 'epoch'"):
        apply_overrides(config, ["epoch=3"])
    with pytest.raises(ConfigError, match="needs a int"):
        apply_overrides(config, ["epochs=three"])
    with pytest.raises(ConfigError, match="not key=value"):
        apply_overrides(config, ["epochs"])


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    write_small_corpus(root, seed=3)
    return root


@pytest.mark.slow
def test_distillation_from_a_teacher_runs_end_to_end(small_corpus, tmp_path):
    """The teachers are trained first with the same objective (the path make quickstart takes)."""
    config = apply_overrides(IntentTrainConfig(), ["epochs=2", "teachers=intent_bag", "buckets=4096", "model=intent_dwshuffle_x0_5", "threads=1"])
    metrics = finlite.train("intent", tmp_path / "run", config=config, train=small_corpus / "train.csv", eval=small_corpus / "eval.csv", log=lambda _: None)
    assert metrics["eval"]["accuracy"] > 0 and (tmp_path / "run" / "checkpoints").is_dir()
    oos = metrics["oos"]  # the operating points a product owner chooses from, measured on the evaluation texts
    assert oos["method"] == "balanced" and oos["measured_on"] == "evaluation" and 0 <= oos["auroc"] <= 1
    assert len(oos["operating_points"]) == 5 and len(oos["curve"]) > 10
    assert (tmp_path / "run" / "oos_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_short_training_run_beats_chance_and_writes_the_run(small_corpus, tmp_path):
    config = apply_overrides(IntentTrainConfig(), ["epochs=6", "distill=false", "buckets=4096", "model=intent_dwshuffle_x0_5", "threads=1"])
    metrics = finlite.train("intent", tmp_path / "run", config=config, train=small_corpus / "train.csv", eval=small_corpus / "eval.csv", log=lambda _: None)
    chance = 1 / 28
    assert metrics["eval"]["accuracy"] > 10 * chance
    assert metrics["eval"]["oos_recall"] is not None
    on_disk = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert on_disk["eval"]["accuracy"] == pytest.approx(metrics["eval"]["accuracy"])
    model, info = load_run(tmp_path / "run")
    assert info.labels[0] < info.labels[-1] and "out_of_scope" in info.labels
    assert info.preprocess["text"]["buckets"] == 4096
    samples = json.loads((tmp_path / "run" / "samples.json").read_text())
    assert len(samples["calibration"]) > 0 and samples["holdout_source"] == "eval"


def test_ranking_metrics_by_hand():
    from finlite.tasks.metrics import auroc, ndcg_at_k, recall_at_k

    assert auroc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert auroc(np.array([0, 1]), np.array([0.5, 0.5])) == pytest.approx(0.5)  # a tie is half a win
    assert np.isnan(auroc(np.array([1, 1]), np.array([0.2, 0.3])))
    scores = np.array([[0.1, 0.5, 0.4, 0.0], [0.9, 0.05, 0.03, 0.02]])
    y = np.array([2, 3])  # row 0: true item ranked 2nd; row 1: ranked 4th
    assert recall_at_k(y, scores, 3) == 0.5
    assert ndcg_at_k(y, scores, 3) == pytest.approx((1 / np.log2(3)) / 2)
