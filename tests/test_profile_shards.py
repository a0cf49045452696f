"""Training from shards (``finlite train profile --shards``): in one process it equals training from the
files; under torchrun each process trains on the training users of its own shards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from finlite.cli import main
from finlite.data.shards import RowView, partition_of, read_shards, shard_rows
from finlite.data.synth.profile import generate_population, write_population
from finlite.errors import FinliteError

SETTINGS = ["epochs=2", "model=profile_dwshuffle_x0_5", "max_events=32", "batch_size=64", "baseline=false", "distill_baseline=0", "threads=1"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pop")
    paths = write_population(generate_population(300, seed=4), root)
    shards = root / "shards"
    assert main(["encode", "--schema", str(paths["schema"]), "--events", str(paths["events"]), "--users", str(paths["users"]),
                 "--out", str(shards), "--partitions", "4", "--max-events", "32"]) == 0
    return {**paths, "shards": shards}


def test_one_process_from_shards_trains_exactly_as_from_the_files(data, tmp_path):
    files, shards = tmp_path / "files", tmp_path / "shards"
    assert main(["train", "profile", "--schema", str(data["schema"]), "--events", str(data["events"]), "--users", str(data["users"]),
                 "--labels", str(data["labels"]), "--out", str(files), "--set", *SETTINGS]) == 0
    assert main(["train", "profile", "--shards", str(data["shards"]), "--labels", str(data["labels"]), "--out", str(shards),
                 "--set", *SETTINGS]) == 0
    a, b = (json.loads((run / "metrics.json").read_text()) for run in (files, shards))
    assert a["eval"] == b["eval"] and a["train"]["history"][-1]["loss"] == b["train"]["history"][-1]["loss"]
    state_a, state_b = (torch.load(run / "model.pt", weights_only=True) for run in (files, shards))
    assert state_a.keys() == state_b.keys() and all(torch.equal(state_a[k], state_b[k]) for k in state_a)
    run = json.loads((shards / "run.json").read_text())
    assert run["data"]["shards"] == str(data["shards"]) and run["data"]["events"] is None
    assert run["preprocess"] == json.loads((files / "run.json").read_text())["preprocess"]  # the shards' spec is the files' spec


def test_under_torchrun_each_process_trains_on_its_own_shards(data, tmp_path):
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29517", "-m", "finlite", "train", "profile",
           "--shards", str(data["shards"]), "--labels", str(data["labels"]), "--out", str(out), "--set", *SETTINGS]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    run = json.loads((out / "run.json").read_text())
    fit_users = json.loads((out / "samples.json").read_text())["calibration_users"]
    expected = [sum(1 for u in fit_users if partition_of(u, 4) % 2 == rank) for rank in range(2)]
    assert run["data"]["train_users_per_process"] == expected and sum(expected) == run["data"]["n_train"] and min(expected) > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["train"]["history"]) == 2 and metrics["eval"]["tag_auroc_mean"] > 0.5


def test_row_views_read_the_chosen_users_rows(data):
    shards = read_shards(data["shards"])
    users = [u for s in shards for u in s.users][::-7]  # across shards, out of order
    views = shard_rows(shards, users)
    direct = {u: tuple(np.asarray(a[i]) for a in s.inputs) for s in shards for i, u in enumerate(s.users)}
    for k, view in enumerate(views):
        assert isinstance(view, RowView) and len(view) == len(users)
        np.testing.assert_array_equal(view[:], np.stack([direct[u][k] for u in users]))
        np.testing.assert_array_equal(view[np.array([3, 0, 3])], np.stack([direct[users[i]][k] for i in (3, 0, 3)]))
    with pytest.raises(FinliteError, match="1 labelled users are in none of the shards"):
        shard_rows(shards, [users[0], "nobody"])


def test_shards_and_files_are_one_choice_and_a_foreign_spec_is_refused(data, tmp_path, capsys):
    base = ["train", "profile", "--labels", str(data["labels"]), "--out", str(tmp_path / "r")]
    assert main([*base, "--shards", str(data["shards"]), "--events", str(data["events"])]) == 2
    assert "--events and --users, or --shards" in capsys.readouterr().err
    assert main([*base, "--events", str(data["events"])]) == 2
    assert "--events and --users, or --shards" in capsys.readouterr().err
    copy = tmp_path / "copy"
    assert main(["encode", "--spec", str(data["shards"] / "spec.json"), "--events", str(data["events"]), "--users", str(data["users"]),
                 "--out", str(copy), "--partitions", "4"]) == 0  # the same spec, encoded again: the same tensors
    for a, b in zip(read_shards(data["shards"]), read_shards(copy)):
        assert a.users == b.users and all(np.array_equal(x, y) for x, y in zip(a.inputs, b.inputs))
    spec = json.loads((copy / "spec.json").read_text())
    spec["max_events"] = 16
    (copy / "spec.json").write_text(json.dumps(spec))
    assert main([*base, "--shards", str(copy)]) == 2
    assert "sha256 differs from shards.json's spec_sha256" in capsys.readouterr().err
    assert main(["encode", "--spec", str(copy / "spec.json"), "--schema", str(data["schema"]), "--events", str(data["events"]),
                 "--out", str(tmp_path / "x")]) == 2
    assert "exactly one of --bundle, --spec or --schema" in capsys.readouterr().err


def test_a_process_out_of_rows_starts_again_from_the_top():
    from finlite.training.trainer import _own_batch

    order = np.array([5, 3, 1])
    assert [_own_batch(order, step, 2).tolist() for step in range(4)] == [[5, 3], [1], [3, 1], [5, 3]]
