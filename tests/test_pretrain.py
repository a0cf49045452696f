"""Self-supervised pretraining of the profile encoder (finlite pretrain profile) and fine-tuning from it
(finlite train profile --init)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from finlite.cli import main
from finlite.data.synth.profile import generate_population, write_population
from finlite.errors import FinliteError
from finlite.models import get_model
from finlite.training.pretrain import ENCODER_PREFIXES, contrastive_views, encoder_state, load_encoder_state, nt_xent

MODEL = "profile_dwshuffle_x0_5"


def test_a_view_is_a_contiguous_slice_of_the_users_events_moved_to_row_zero():
    rows = 12
    counts = [12, 7, 1, 0]
    cat = torch.zeros((len(counts), rows, 2), dtype=torch.int32)
    num = torch.zeros((len(counts), rows, 3))
    for b, n in enumerate(counts):
        cat[b, :n, 0] = torch.arange(2, n + 2)  # event ids 2, 3, … = position + 2
        cat[b, :n, 1] = 5
        num[b, :n, 0] = torch.arange(n, dtype=torch.float32)
    generator = torch.Generator().manual_seed(0)
    for _ in range(50):
        vcat, vnum = contrastive_views(cat, num, generator, 0.3, 0.9)
        assert vcat.shape == cat.shape and vnum.shape == num.shape
        for b, n in enumerate(counts):
            kept = int((vcat[b, :, 0] != 0).sum())
            if n == 0:
                assert kept == 0 and not vnum[b].any()
                continue
            assert max(1, round(0.3 * n) - 1) <= kept <= max(1, round(0.9 * n) + 1)
            ids = vcat[b, :kept, 0].tolist()
            assert ids == list(range(ids[0], ids[0] + kept)) and ids[-1] <= n + 1  # contiguous, inside the history
            assert not vcat[b, kept:].any() and not vnum[b, kept:].any()  # padding after the slice
            np.testing.assert_array_equal(vnum[b, :kept, 0].numpy(), np.array(ids, dtype=np.float32) - 2)


def test_nt_xent_is_low_for_matching_pairs_and_high_for_shuffled_ones():
    torch.manual_seed(0)
    a = torch.randn(16, 8)
    assert nt_xent(a, a + 0.01 * torch.randn(16, 8), 0.1) < 0.1
    assert nt_xent(a, a[torch.randperm(16)], 0.1) > 1.0


def test_encoder_state_loads_into_a_fresh_model_and_refuses_another_shape():
    kwargs = {"num_lifecycle": 5, "num_tags": 3, "num_products": 4, "static_features": 6, "num_features": 4, "cat_vocabs": [9, 7, 25]}
    source, target = get_model(MODEL, **kwargs), get_model(MODEL, **kwargs)
    state = encoder_state(source)
    assert state and all(k.startswith(ENCODER_PREFIXES) for k in state) and not any(k.startswith("head.") for k in state)
    head_before = target.head.weight.clone()
    assert load_encoder_state(target, state, "x") == len(state)
    assert all(torch.equal(target.state_dict()[k], v) for k, v in state.items()) and torch.equal(target.head.weight, head_before)
    other = get_model(MODEL, **{**kwargs, "cat_vocabs": [11, 7, 25]})
    with pytest.raises(FinliteError, match=r"has shape \(9, 16\), this model.s is \(11, 16\) \(another schema or width\)"):
        load_encoder_state(other, state, "pre")


@pytest.fixture(scope="module")
def populations(tmp_path_factory):
    root = tmp_path_factory.mktemp("pretrain")
    unlabelled = write_population(generate_population(400, seed=21), root / "unlabelled")
    labelled = write_population(generate_population(200, seed=22), root / "labelled")
    return root, unlabelled, labelled


def test_pretraining_then_fine_tuning_end_to_end(populations, tmp_path, capsys):
    root, unlabelled, labelled = populations
    pre = tmp_path / "pre"
    args = ["pretrain", "profile", "--schema", str(unlabelled["schema"]), "--events", str(unlabelled["events"]),
            "--users", str(unlabelled["users"]), "--out", str(pre), "--set", "epochs=3", "batch_size=64", f"model={MODEL}", "max_events=32"]
    assert main(args) == 0
    doc = json.loads((pre / "pretrain.json").read_text())
    assert doc["format"] == "finlite.pretrained/1" and doc["model"] == MODEL and doc["data"]["n_users"] == 400
    assert doc["history"][-1]["loss"] < doc["history"][0]["loss"]  # the contrastive task is being learned
    assert main(args) == 2 and "already holds a pretraining" in capsys.readouterr().err

    run = tmp_path / "run"
    train = ["train", "profile", "--init", str(pre), "--events", str(labelled["events"]), "--users", str(labelled["users"]),
             "--labels", str(labelled["labels"]), "--out", str(run), "--set", "epochs=1", f"model={MODEL}", "baseline=false", "distill_baseline=0"]
    assert main(train) == 0
    info = json.loads((run / "run.json").read_text())
    assert info["data"]["init"] == str(pre) and info["preprocess"]["profile"] == doc["spec"]  # encoded with the pretraining's spec
    assert "started from the pretrained encoder" in capsys.readouterr().out

    assert main([*train[:-5], "--force", "--set", "epochs=1", "model=profile_dwshuffle_x1_0"]) == 2
    assert "pretrained for profile_dwshuffle_x0_5" in capsys.readouterr().err
    (pre / "encoder.pt").write_bytes(b"not torch")
    assert main([*train, "--force"]) == 2
    assert "pre/encoder.pt: the pretrained encoder is damaged" in capsys.readouterr().err


def test_pretraining_needs_a_schema(populations, tmp_path, capsys):
    _, unlabelled, _ = populations
    assert main(["pretrain", "profile", "--events", str(unlabelled["events"]), "--users", str(unlabelled["users"]), "--out", str(tmp_path / "p")]) == 2
    assert "needs --schema" in capsys.readouterr().err
