"""Checkpoint/resume of a killed run, and multi-process training with torchrun (gloo)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import write_small_corpus

pytestmark = pytest.mark.slow

SETTINGS = ["distill=false", "buckets=2048", "model=intent_dwshuffle_x0_5", "threads=1", "checkpoint_every=4", "batch_size=32"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_small_corpus(tmp_path_factory.mktemp("corpus"), seed=11, n_per_intent=30, n_out_of_scope=60)


def _train_cmd(corpus: Path, out: Path, *extra: str, epochs: int = 3) -> list[str]:
    settings = [*SETTINGS, f"epochs={epochs}"]
    return [sys.executable, "-m", "finlite", "train", "intent", "--data", str(corpus / "train.csv"), "--out", str(out), *extra, "--set", *settings]


def _env() -> dict:
    return {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}


def _weights(run: Path) -> dict:
    return torch.load(run / "model.pt", weights_only=True)


def test_killed_run_resumes_to_the_same_weights(corpus, tmp_path):
    reference = tmp_path / "reference"
    subprocess.run(_train_cmd(corpus, reference), check=True, env=_env(), capture_output=True)

    killed = tmp_path / "killed"
    checkpoint = killed / "checkpoints" / "student-intent_dwshuffle_x0_5.pt"
    proc = subprocess.Popen(_train_cmd(corpus, killed), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    state = None
    while time.time() < deadline and proc.poll() is None:
        if checkpoint.exists():
            state = torch.load(checkpoint, weights_only=True)
            if state["epoch"] == 2 and state["step"] > 0:  # mid-way through the second epoch
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert state is not None and state["step"] > 0, "the run finished before it could be killed mid-epoch"
    assert not (killed / "model.pt").exists()

    result = subprocess.run(_train_cmd(corpus, killed, "--resume"), env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    resumed, expected = _weights(killed), _weights(reference)
    assert resumed.keys() == expected.keys()
    for name in expected:
        assert torch.equal(resumed[name], expected[name]), name


def test_torchrun_two_processes_match_one_process(corpus, tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun, "torchrun is installed with torch"
    single, double = tmp_path / "single", tmp_path / "double"
    evaluation = ["--eval", str(corpus / "eval.csv")]
    subprocess.run(_train_cmd(corpus, single, *evaluation, epochs=8), check=True, env=_env(), capture_output=True)
    cmd = [torchrun, "--standalone", "--nproc_per_node=2", "-m", "finlite", *_train_cmd(corpus, double, *evaluation, epochs=8)[3:]]
    result = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    one = json.loads((single / "metrics.json").read_text())["eval"]
    two = json.loads((double / "metrics.json").read_text())["eval"]
    assert one["accuracy"] > 0.6 and two["accuracy"] > 0.6
    assert abs(one["accuracy"] - two["accuracy"]) <= 0.05, (one, two)
