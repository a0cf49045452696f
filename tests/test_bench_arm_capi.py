"""The C-API harness of ``finlite bench --arm --arm-binding c`` (finlite/bench/arm/capi/finlite_capi.c),
compiled for the host and run on the venv's own runtime libraries: the same program the emulator runs, so its
outputs, parity, markers and errors are checked here without qemu. The emulated run itself is in
tests/test_bench_arm.py (slow, needs the cached aarch64 environment)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from finlite.bench.arm import capi
from finlite.bench.arm.runner import Job, guest_command

from test_bench_arm import make_tiny_bundle

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="no gcc on this machine to compile the harness")


def host_site() -> Path:
    """The venv's site-packages (both runtime wheels live there)."""
    import onnxruntime

    return Path(onnxruntime.__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("capi") / "finlite_capi"
    capi.compile_harness(out, "gcc")
    return out


class Mlp(nn.Module):
    """x[16] → ReLU(x W1) W2, the tiny bundle's ONNX graph."""

    def __init__(self, w1: np.ndarray, w2: np.ndarray) -> None:
        super().__init__()
        self.w1, self.w2 = nn.Parameter(torch.tensor(w1)), nn.Parameter(torch.tensor(w2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ self.w1) @ self.w2


def add_tflite(bundle: Path) -> None:
    """The tiny bundle's MLP exported to TFLite too, with its expected outputs in golden.json."""
    from onnx import load, numpy_helper

    from finlite.export.tflite_export import export_tflite

    weights = {t.name: numpy_helper.to_array(t) for t in load(bundle / "model.onnx").graph.initializer}
    net = Mlp(weights["w1"], weights["w2"])
    golden = json.loads((bundle / "golden.json").read_text())
    xs = np.array([e["inputs"]["x"] for e in golden["examples"]], np.float32)
    export_tflite(net.eval(), (xs[:1],), bundle / "model.tflite", input_names=["x"])
    with torch.no_grad():
        logits = net(torch.from_numpy(xs)).numpy()
    for e, row in zip(golden["examples"], logits):
        e["expected"]["model.tflite"] = {"logits": row.tolist()}
    golden["tolerances"]["model.tflite"] = {"logits_atol": 1e-4, "top1": "equal"}
    (bundle / "golden.json").write_text(json.dumps(golden))
    manifest = json.loads((bundle / "manifest.json").read_text())
    onnx_art = next(a for a in manifest["artifacts"] if a["file"] == "model.onnx")
    manifest["artifacts"].append({**onnx_art, "file": "model.tflite", "format": "tflite",
                                  "inputs": [{**onnx_art["inputs"][0], "name": "serving_default_x"}]})  # fmt: skip
    (bundle / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    b = make_tiny_bundle(tmp_path_factory.mktemp("bundle"), width=8)
    add_tflite(b)
    return b


def run(harness: Path, bundle: Path, artifact: str, work: Path, passes: int = 1) -> subprocess.CompletedProcess:
    work.mkdir(parents=True, exist_ok=True)
    art, golden = capi.read_artifact(bundle, artifact)
    capi.write_inputs(art, golden, work / "inputs.bin")
    cmd = capi.harness_command(str(harness), capi.RUNTIME_OF_FORMAT[art["format"]], capi.runtime_libraries(host_site()), bundle / artifact,
                               work / "inputs.bin", work / "outputs.bin", passes)  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("artifact", ["model.onnx", "model.tflite"])
def test_harness_outputs_pass_parity(harness, bundle, artifact, tmp_path):
    proc = run(harness, bundle, artifact, tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = capi.result(*capi.read_artifact(bundle, artifact), tmp_path / "outputs.bin", 1, None, {})
    assert result["parity"]["passed"] and result["parity"]["n"] == 4
    assert result["parity"]["max_abs_diff"] < 1e-5
    assert result["sections"] == {"overhead": [0, 1, 2], "passes": [100], "inferences_per_pass": 4}


def test_parity_fails_on_a_doctored_golden(harness, bundle, tmp_path):
    doctored = tmp_path / "doctored"
    shutil.copytree(bundle, doctored)
    golden = json.loads((doctored / "golden.json").read_text())
    golden["examples"][1]["expected"]["model.onnx"]["logits"][3] += 0.5
    (doctored / "golden.json").write_text(json.dumps(golden))
    assert run(harness, doctored, "model.onnx", tmp_path / "w").returncode == 0
    parity = capi.result(*capi.read_artifact(doctored, "model.onnx"), tmp_path / "w" / "outputs.bin", 1, None, {})["parity"]
    assert not parity["passed"] and parity["worst_example"] == 1
    assert parity["max_abs_diff"] == pytest.approx(0.5, abs=1e-4)


@pytest.mark.parametrize("artifact", ["model.onnx", "model.tflite"])
def test_a_corrupted_model_is_a_one_line_error(harness, bundle, artifact, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(bundle, broken)
    data = bytearray((broken / artifact).read_bytes())
    (broken / artifact).write_bytes(bytes(data[: len(data) // 3]) if artifact.endswith(".onnx") else b"\0" * 8 + bytes(data[8:]))
    proc = run(harness, broken, artifact, tmp_path / "w")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) >= 1 and lines[-1].startswith("finlite_capi: ") and artifact in lines[-1]


def test_a_wrong_input_shape_is_named(harness, bundle, tmp_path):
    wrong = tmp_path / "wrong"
    shutil.copytree(bundle, wrong)
    manifest = json.loads((wrong / "manifest.json").read_text())
    golden = json.loads((wrong / "golden.json").read_text())
    for e in golden["examples"]:
        e["inputs"]["x"] = e["inputs"]["x"] + [0.0] * 4
    for a in manifest["artifacts"]:
        a["inputs"][0]["shape"] = [1, 20]
    (wrong / "golden.json").write_text(json.dumps(golden))
    (wrong / "manifest.json").write_text(json.dumps(manifest))
    proc = run(harness, wrong, "model.tflite", tmp_path / "w")
    assert proc.returncode == 1
    assert "input serving_default_x has 80 bytes, LiteRT expects 64" in proc.stderr


def test_inputs_that_do_not_fit_the_artifact_are_refused(bundle, tmp_path):
    wrong = tmp_path / "wrong"
    shutil.copytree(bundle, wrong)
    manifest = json.loads((wrong / "manifest.json").read_text())
    manifest["artifacts"][0]["inputs"][0]["shape"] = [1, 17]
    (wrong / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(capi.CapiInputError, match="golden example 0 input x has 16 values"):
        capi.write_inputs(*capi.read_artifact(wrong, "model.onnx"), tmp_path / "inputs.bin")


def test_emulated_command_runs_the_harness_with_the_guest_libraries(bundle, tmp_path):
    env = type("Env", (), {})()
    env.capi, env.site, env.plugin, env.fakeclock, env.qemu = Path("/c/finlite_capi"), Path("/site"), Path("/p.so"), Path("/f.so"), "qemu-aarch64"
    env.cpu_root = lambda cpu: Path("/roots") / cpu
    cmd = guest_command(env, Job(bundle, "model.tflite", "a76", 2, "c"), tmp_path / "counts.txt", tmp_path, "litert")
    i = cmd.index("/c/finlite_capi")
    assert cmd[i + 1 : i + 3] == ["litert", "/site/ai_edge_litert/libLiteRt.so"] and cmd[-2:] == ["2", "1"]
    assert "-cpu" in cmd and cmd[cmd.index("-cpu") + 1] == "cortex-a76"
    assert not any("python" in part for part in cmd)
