"""Checkpoint/resume of a killed run, and multi-process training with torchrun (gloo), for both tasks."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from conftest import write_small_corpus

from finlite.data.synth.profile import generate_population, write_population

pytestmark = pytest.mark.slow


@dataclass
class Case:
    task: str
    data_args: list[str]
    settings: list[str]
    checkpoint: str  # file under RUN_DIR/checkpoints of the model trained last
    metric: str  # eval metric compared between one and two processes
    floor: float  # both runs must reach it


@pytest.fixture(scope="module", params=["intent", "profile"])
def case(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    common = ["threads=1", "checkpoint_every=2", "batch_size=32"]  # mid-epoch states every 2 steps: easy to catch under load
    if request.param == "intent":
        write_small_corpus(root, seed=11, n_per_intent=30, n_out_of_scope=60)
        return Case(
            "intent",
            ["--data", str(root / "train.csv"), "--eval", str(root / "eval.csv")],
            [*common, "distill=false", "buckets=2048", "model=intent_dwshuffle_x0_5"],
            "student-intent_dwshuffle_x0_5.pt",
            "accuracy",
            0.6,
        )
    write_population(generate_population(500, seed=2), root)
    return Case(
        "profile",
        ["--events", str(root / "events.csv"), "--users", str(root / "users.csv"), "--labels", str(root / "labels.csv")],
        [*common, "baseline=false", "model=profile_dwshuffle_x0_5"],
        "student-profile_dwshuffle_x0_5.pt",
        "tag_auroc_mean",
        0.6,
    )


def _cmd(case: Case, out: Path, *extra: str, epochs: int = 3) -> list[str]:
    return ["train", case.task, *case.data_args, "--out", str(out), *extra, "--set", *case.settings, f"epochs={epochs}"]


def _finlite(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "finlite", *args]


def _env() -> dict:
    return {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}


def test_killed_run_resumes_to_the_same_weights(case, tmp_path):
    reference = tmp_path / "reference"
    subprocess.run(_finlite(_cmd(case, reference)), check=True, env=_env(), capture_output=True)

    killed = tmp_path / "killed"
    checkpoint = killed / "checkpoints" / case.checkpoint
    proc = subprocess.Popen(_finlite(_cmd(case, killed)), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    state = None
    while time.time() < deadline and proc.poll() is None:
        if checkpoint.exists():
            state = torch.load(checkpoint, weights_only=True)
            if state["epoch"] == 2 and state["step"] > 0:  # mid-way through the second epoch
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert state is not None and state["epoch"] == 2 and state["step"] > 0, "the run was not caught mid-epoch"
    assert not (killed / "model.pt").exists()

    result = subprocess.run(_finlite(_cmd(case, killed, "--resume")), env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    resumed, expected = (torch.load(run / "model.pt", weights_only=True) for run in (killed, reference))
    assert resumed.keys() == expected.keys()
    for name in expected:
        assert torch.equal(resumed[name], expected[name]), name


def test_torchrun_two_processes_match_one_process(case, tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun, "torchrun is installed with torch"
    single, double = tmp_path / "single", tmp_path / "double"
    subprocess.run(_finlite(_cmd(case, single, epochs=8)), check=True, env=_env(), capture_output=True)
    cmd = [torchrun, "--standalone", "--nproc_per_node=2", "-m", "finlite", *_cmd(case, double, epochs=8)]
    result = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    one = json.loads((single / "metrics.json").read_text())["eval"][case.metric]
    two = json.loads((double / "metrics.json").read_text())["eval"][case.metric]
    assert one > case.floor and two > case.floor
    assert abs(one - two) <= 0.05, (one, two)
