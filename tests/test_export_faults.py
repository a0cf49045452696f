"""Export fault tolerance (finlite/export/publish.py): ``finlite export`` killed with SIGKILL at random moments, a
full disk, two exports to one ``--out`` at once, and damaged checkpoints / model files. Each leaves either the
previous bundle or the complete new one, never a half bundle, and every refusal is one line.

The exports run in child processes forked from a forkserver that has already imported torch and the ONNX
exporter, so a trial costs the export itself (about a second for the tiny ONNX-only bundle), not an interpreter
start-up."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import finlite
from finlite.bundle.manifest import verify_files
from finlite.cli import main
from finlite.tasks.config import apply_overrides
from finlite.tasks.intent import IntentTrainConfig

from conftest import write_small_corpus

KILL_TRIALS = 24
CONCURRENT_ROUNDS = 3
EXPECTED_FILES = {"MODEL_CARD.md", "golden.json", "labels.txt", "manifest.json", "model.onnx", "preprocess.json"}


def _export(run: str, out: str, force: bool) -> None:
    """Child process body: the ``finlite export`` command itself (exit status = its return code)."""
    os.environ["OMP_NUM_THREADS"] = "1"
    raise SystemExit(main(["export", run, "--out", out, "--formats", "onnx", *(["--force"] if force else [])]))


@pytest.fixture(scope="module")
def forkserver():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["torch", "onnx", "onnxruntime", "torch.onnx", "finlite.export.bundle", "finlite.export.onnx_export", "finlite.runtime.bundle"])
    return ctx


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny intent run and its ONNX-only bundle (the 'previous' bundle of every test)."""
    root = tmp_path_factory.mktemp("faults")
    write_small_corpus(root, seed=3)
    config = apply_overrides(IntentTrainConfig(), ["epochs=1", "distill=false", "buckets=512", "model=intent_dwshuffle_x0_5", "threads=1"])
    finlite.train("intent", root / "run", config=config, train=root / "train.csv", eval=root / "eval.csv", log=lambda _: None)
    assert main(["export", str(root / "run"), "--out", str(root / "previous"), "--formats", "onnx"]) == 0
    return root


def _complete(folder: Path) -> dict:
    """The manifest of a complete bundle at ``folder`` (every file present and matching)."""
    manifest = verify_files(folder)
    assert {p.name for p in folder.iterdir()} == EXPECTED_FILES
    return manifest


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_a_half_bundle(tiny, forkserver, tmp_path):
    out = tmp_path / "bundle"
    shutil.copytree(tiny / "previous", out)
    previous = (out / "manifest.json").read_bytes()
    start = time.perf_counter()
    child = forkserver.Process(target=_export, args=(str(tiny / "run"), str(out), True))
    child.start()
    child.join()
    duration = time.perf_counter() - start
    assert child.exitcode == 0
    _complete(out)
    shutil.rmtree(out)
    shutil.copytree(tiny / "previous", out)

    rng = random.Random(18)
    outcomes = {"previous": 0, "new": 0}
    for trial in range(KILL_TRIALS):
        child = forkserver.Process(target=_export, args=(str(tiny / "run"), str(out), True))
        child.start()
        time.sleep(rng.uniform(0.3, 1.2) * duration)
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:  # it had finished already (a forkserver child is not ours to reap)
            pass
        child.join()
        _complete(out)  # never a half bundle, whatever the moment
        outcomes["previous" if (out / "manifest.json").read_bytes() == previous else "new"] += 1
        if outcomes["new"]:  # start from the previous bundle again so that both outcomes stay possible
            shutil.rmtree(out)
            shutil.copytree(tiny / "previous", out)
    print(f"SIGKILL trials: {KILL_TRIALS} (export alone {duration:.2f} s), outcomes {outcomes}")
    assert sum(outcomes.values()) == KILL_TRIALS >= 20
    assert outcomes["previous"] > 0 and outcomes["new"] > 0, outcomes  # the kills spanned the publishing moment
    # what the killed exports left behind (their staging folders) is removed by the next export
    assert main(["export", str(tiny / "run"), "--out", str(out), "--formats", "onnx", "--force"]) == 0
    assert _leftovers(tmp_path, "bundle") == []


@pytest.mark.slow
def test_two_exports_to_one_out_end_with_one_complete_bundle(tiny, forkserver, tmp_path):
    results = []
    for round_ in range(CONCURRENT_ROUNDS):
        for force in (False, True):
            out = tmp_path / f"out{round_}{int(force)}"
            children = [forkserver.Process(target=_export, args=(str(tiny / "run"), str(out), force)) for _ in range(2)]
            for c in children:
                c.start()
            for c in children:
                c.join()
            codes = sorted(c.exitcode for c in children)
            results.append((force, codes))
            _complete(out)
            assert _leftovers(tmp_path, out.name) == []
            # without --force the one that finishes second is refused (or, if it started late, refused at once)
            assert codes == ([0, 0] if force else codes) and codes[0] == 0 and set(codes) <= {0, 2}
    print(f"concurrent export rounds: {len(results)}: {results}")


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode == 0


def test_a_full_disk_is_a_clear_error_and_keeps_the_previous_bundle(tiny, tmp_path, capsys):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "2m"):
        pytest.skip("needs root to mount a 2 MB tmpfs (a size-limited file system)")
    try:
        out = disk / "bundle"
        shutil.copytree(tiny / "previous", out)
        previous = (out / "manifest.json").read_bytes()
        free = shutil.disk_usage(disk).free
        with open(disk / "filler", "wb") as handle:  # leave less room than a bundle needs
            handle.write(b"\0" * (free - 200_000))
        code = main(["export", str(tiny / "run"), "--out", str(out), "--formats", "onnx", "--force"])
        err = capsys.readouterr().err
        assert code == 2 and "no space left" in err and err.count("\n") == 1, err
        assert (out / "manifest.json").read_bytes() == previous
        _complete(out)
        assert _leftovers(disk, "bundle") == []  # the staging folder was removed
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def _train_args(root: Path, out: Path) -> list[str]:
    return ["train", "intent", "--data", str(root / "train.csv"), "--eval", str(root / "eval.csv"), "--out", str(out),
            "--epochs", "1", "--threads", "1", "--set", "distill=false", "buckets=512", "model=intent_dwshuffle_x0_5"]


@pytest.mark.parametrize("damage", ["truncated", "flipped_byte", "not_a_checkpoint", "empty"])
def test_a_damaged_checkpoint_on_resume_is_a_clear_error(tiny, tmp_path, capsys, damage):
    run = tmp_path / "run"
    shutil.copytree(tiny / "run", run)
    (checkpoint,) = (run / "checkpoints").glob("*.pt")
    data = checkpoint.read_bytes()
    if damage == "truncated":
        checkpoint.write_bytes(data[: len(data) // 2])
    elif damage == "flipped_byte":
        checkpoint.write_bytes(data[:1000] + bytes([data[1000] ^ 0x40]) + data[1001:])
    elif damage == "not_a_checkpoint":
        checkpoint.write_text(json.dumps({"hello": "world"}))
    else:
        checkpoint.write_bytes(b"")
    assert main(_train_args(tiny, run) + ["--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("finlite: error: ") and err.count("\n") == 1 and checkpoint.name in err, err
    assert "Traceback" not in err


def test_a_damaged_model_file_is_a_clear_export_error(tiny, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(tiny / "run", run)
    weights = run / "model.pt"
    weights.write_bytes(weights.read_bytes()[:-100])
    assert main(["export", str(run), "--out", str(tmp_path / "b"), "--formats", "onnx"]) == 2
    err = capsys.readouterr().err
    assert "model.pt" in err and "damaged" in err and err.count("\n") == 1, err
    assert not (tmp_path / "b").exists()


def test_bundle_folders_have_normal_permissions(tiny):
    mode = (tiny / "previous").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask


def test_int8_float_keeps_named_submodules_float_and_refuses_unknown_ones(tiny, tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["export", str(tiny / "run"), "--out", str(out), "--formats", "onnx-int8", "--int8-float", "blocks.1,nope.0"]) == 2
    err = capsys.readouterr().err
    assert "--int8-float: nope.0 not a submodule" in err and "blocks.1" in err and err.count("\n") == 1, err
    assert not out.exists()
    assert main(["export", str(tiny / "run"), "--out", str(out), "--formats", "onnx-int8", "--int8-float", "blocks.1"]) == 0
    assert main(["export", str(tiny / "run"), "--out", str(tmp_path / "default"), "--formats", "onnx-int8"]) == 0
    (artifact,) = verify_files(out)["artifacts"]
    assert "module 'blocks.1'" in artifact["quantization"]["float"]
    import onnx

    def quantized_ops(folder: Path) -> int:
        return sum(n.op_type == "QuantizeLinear" for n in onnx.load(str(folder / "model.int8.onnx")).graph.node)

    assert quantized_ops(out) < quantized_ops(tmp_path / "default")  # the unit's convolutions and their data stay float
