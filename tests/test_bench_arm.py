"""finlite bench --arm: the regression gate, plugin-output parsing, guest parity reporting, and (slow,
only with a built aarch64 cache) real emulated runs where a wider model trips the gate."""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import numpy as np
import pytest

from finlite.bench.arm import compare as cmp
from finlite.bench.arm import session
from finlite.bench.arm.cli import add_arm_arguments, run_arm
from finlite.bench.arm.runner import parse_counts, summarize
from finlite.bench.arm.setup import cache_dir

# --- helpers -----------------------------------------------------------------------------------------


def make_tiny_bundle(root: Path, width: int, name: str = "tiny", seed: int = 0, n_examples: int = 4) -> Path:
    """A minimal finlite-style bundle: one ONNX MLP (x[D] → D×width → ReLU → width×5), golden.json
    with its outputs (computed by onnxruntime on the host), manifest with MACs."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import onnxruntime as ort

    d, classes = 16, 5
    rng = np.random.default_rng(seed)
    w1 = (rng.normal(size=(d, width)) / np.sqrt(d)).astype(np.float32)
    w2 = (rng.normal(size=(width, classes)) / np.sqrt(width)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["h"]), helper.make_node("Relu", ["h"], ["r"]), helper.make_node("MatMul", ["r", "w2"], ["logits"])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", d])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    bundle = root / name
    bundle.mkdir(parents=True)
    onnx.save(model, bundle / "model.onnx")
    xs = rng.normal(size=(n_examples, d)).astype(np.float32)
    session_ = ort.InferenceSession(str(bundle / "model.onnx"), providers=["CPUExecutionProvider"])
    logits = session_.run(None, {"x": xs})[0]
    golden = {
        "format": "finlite.golden/1",
        "task": "tiny",
        "inputs": [{"name": "x", "dtype": "float32", "shape": [d]}],
        "top1": {"head": "logits", "columns": None},
        "tolerances": {"model.onnx": {"logits_atol": 1e-4, "top1": "equal"}},
        "examples": [
            {"name": f"ex{i}", "inputs": {"x": xs[i].tolist()}, "reference_logits": logits[i].tolist(), "expected": {"model.onnx": {"logits": logits[i].tolist()}}}
            for i in range(n_examples)
        ],
    }
    (bundle / "golden.json").write_text(json.dumps(golden))
    manifest = {
        "format": "finlite.bundle/1",
        "task": "tiny",
        "name": name,
        "model": {"name": "tiny_mlp", "macs": d * width + width * classes},
        "golden_file": "golden.json",
        "artifacts": [{"file": "model.onnx", "format": "onnx", "precision": "fp32", "inputs": [{"name": "x", "dtype": "float32", "shape": [1, d]}],
                       "outputs": [{"name": "logits", "dtype": "float32", "shape": [1, classes]}]}],  # fmt: skip
    }
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    return bundle


def results(counts: dict[tuple[str, str, str], int], parity: bool = True) -> dict:
    """A results document with one row per (bundle, artifact, cpu)."""
    rows = [
        {
            "bundle": b,
            "model": "m",
            "artifact": a,
            "cpu": c,
            "insns_per_inference": n,
            "parity": {"passed": parity, "max_abs_diff": 0.0, "tolerance": 1e-4},
        }
        for (b, a, c), n in counts.items()
    ]
    return {"schema": "finlite.bench.arm/1", "rows": rows}


def arm_args(targets: list[Path], **overrides) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("targets", nargs="+", type=Path)
    add_arm_arguments(parser)
    args = parser.parse_args([str(t) for t in targets])
    args.arm = True
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


# --- the gate on JSON results (fast) -----------------------------------------------------------------

BASE = {("intent", "model.tflite", "a76"): 1_000_000, ("intent", "model.onnx", "a76"): 2_000_000}


def test_gate_passes_on_identical_counts():
    comparison = cmp.compare(results(BASE), results(BASE), 5.0)
    assert comparison.passed and len(comparison.rows) == 2


def test_gate_fails_when_a_count_grows_more_than_the_limit():
    grown = dict(BASE)
    grown[("intent", "model.tflite", "a76")] = 1_060_000  # +6 %
    comparison = cmp.compare(results(BASE), results(grown), 5.0)
    assert not comparison.passed
    (bad,) = comparison.failed
    assert bad["status"] == "REGRESSED" and bad["change_pct"] == pytest.approx(6.0)
    assert any("REGRESSED" in line and "+6.00%" in line for line in comparison.lines())


def test_gate_allows_growth_within_the_limit_and_any_improvement():
    changed = {("intent", "model.tflite", "a76"): 1_049_000, ("intent", "model.onnx", "a76"): 1_000_000}
    assert cmp.compare(results(BASE), results(changed), 5.0).passed


def test_gate_fails_on_parity_failure_and_on_errors():
    assert cmp.compare(results(BASE), results(BASE, parity=False), 5.0).failed[0]["status"] == "PARITY"
    broken = results(BASE)
    broken["rows"][0] = {**broken["rows"][0], "insns_per_inference": None, "error": "guest run failed"}
    assert cmp.compare(results(BASE), broken, 5.0).failed[0]["status"] == "error"


def test_gate_lists_new_and_missing_rows_without_failing():
    current = {("intent", "model.tflite", "a76"): 1_000_000, ("profile", "model.tflite", "a76"): 5}
    comparison = cmp.compare(results(BASE), results(current), 5.0)
    assert comparison.passed
    assert comparison.only_current == [("profile", "m", "model.tflite", "a76", "python")]
    assert comparison.only_baseline == [("intent", "m", "model.onnx", "a76", "python")]


def test_gate_compares_a_binding_only_with_the_same_binding():
    baseline = results(BASE)  # rows without a binding field: written before the C binding, read as python
    current = results({("intent", "model.tflite", "a76"): 300_000})
    current["rows"][0]["binding"] = "c"  # far fewer instructions than the python row, but not comparable with it
    comparison = cmp.compare(baseline, current, 5.0)
    assert not comparison.rows and comparison.only_current == [("intent", "m", "model.tflite", "a76", "c")]
    grown = results({("intent", "model.tflite", "a76"): 330_000})
    grown["rows"][0]["binding"] = "c"
    assert cmp.compare(current, grown, 5.0).failed[0]["status"] == "REGRESSED"


def test_gate_that_compares_nothing_fails():
    comparison = cmp.compare(results(BASE), results({("other", "model.tflite", "a76"): 1}), 5.0)
    assert not comparison.rows and not comparison.passed


def test_baseline_errors_are_one_line(tmp_path):
    with pytest.raises(cmp.CompareError, match="does not exist"):
        cmp.load_results(tmp_path / "missing.json")
    (tmp_path / "other.json").write_text(json.dumps({"schema": "finlite.bench/1", "rows": []}))
    with pytest.raises(cmp.CompareError, match="schema"):
        cmp.load_results(tmp_path / "other.json")


def test_merge_baseline_replaces_rows_with_the_same_key(tmp_path):
    path = tmp_path / "baseline.json"
    cmp.merge_baseline(path, results(BASE))
    cmp.merge_baseline(path, results({("intent", "model.onnx", "a76"): 7, ("smoke", "model.onnx", "a76"): 9}))
    rows = {(r["bundle"], r["artifact"]): r["insns_per_inference"] for r in cmp.load_results(path)["rows"]}
    assert rows == {("intent", "model.tflite"): 1_000_000, ("intent", "model.onnx"): 7, ("smoke", "model.onnx"): 9}


# --- plugin output → per-inference counts (fast) -----------------------------------------------------


def test_counts_subtract_the_marker_cost_and_divide_by_the_inferences():
    text = "plugin insn_count target aarch64\nsection 0 5600 0\nsection 1 5400 0\nsection 2 5400 0\nsection 100 1005400 0\nsection 101 1005500 0\ntotal 9 vcpus 1\n"
    counts = parse_counts(text)
    assert counts["sections"][100] == (1005400, 0) and counts["vcpus"] == 1
    guest = {
        "format": "tflite",
        "precision": "int8",
        "sections": {"overhead": [0, 1, 2], "passes": [100, 101], "inferences_per_pass": 4},
        "parity": {"passed": True},
        "evidence": {"delegate_nodes": 2},
    }
    row = summarize(guest, counts, "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
    assert row["marker_overhead_insns"] == 5400
    assert row["insns_per_pass"] == [1_000_000, 1_000_100]
    assert row["insns_per_inference"] == 250_000
    assert row["evidence"]["xnnpack"] is True
    assert "error" in summarize(guest, parse_counts("section 0 1 0\n"), "")  # sections missing


# --- guest parity reporting, run on the host (fast: the guest script needs only numpy + a runtime) ---


def test_guest_reports_parity_failure_on_doctored_golden(tmp_path):
    from finlite.bench.arm import guest

    bundle = make_tiny_bundle(tmp_path, width=8)
    out = tmp_path / "ok.json"
    assert guest.main(["--bundle", str(bundle), "--artifact", "model.onnx", "--out", str(out), "--passes", "1"]) == 0
    ok = json.loads(out.read_text())["parity"]
    assert ok["passed"] and ok["max_abs_diff"] < 1e-5 and ok["n"] == 4

    golden = json.loads((bundle / "golden.json").read_text())
    golden["examples"][2]["expected"]["model.onnx"]["logits"][1] += 0.5  # doctored: off by 0.5 > 1e-4
    (bundle / "golden.json").write_text(json.dumps(golden))
    out = tmp_path / "bad.json"
    assert guest.main(["--bundle", str(bundle), "--artifact", "model.onnx", "--out", str(out), "--passes", "1"]) == 0
    bad = json.loads(out.read_text())["parity"]
    assert not bad["passed"]
    assert bad["worst_example"] == 2 and bad["max_abs_diff"] == pytest.approx(0.5, abs=1e-4)


# --- the CLI flow with the emulator replaced by canned rows (fast) -----------------------------------


def _fake_rows(jobs, per_inference: int, parity: bool = True) -> list[dict]:
    return [
        {
            "bundle": j.bundle.name,
            "artifact": j.artifact,
            "cpu": j.cpu,
            "binding": j.binding,
            "qemu_cpu": "cortex-" + j.cpu,
            "log": "x.log",
            "runtime": "onnxruntime",
            "format": "onnx",
            "precision": "fp32",
            "insns_per_inference": per_inference,
            "parity": {"passed": parity, "max_abs_diff": 0.0 if parity else 0.5, "tolerance": 1e-4, "top1_equal_golden": parity, "worst_example": 2},
            "evidence": {"providers": ["CPUExecutionProvider"]},
        }
        for j in jobs
    ]


@pytest.fixture
def fake_emulator(monkeypatch):
    """``session.run_matrix`` returning ``state['count']`` instructions per inference, no set-up."""
    state = {"count": 1000, "parity": True}
    monkeypatch.setattr(session, "ensure_env", lambda force=False: argparse.Namespace(root=Path("/nonexistent"), qemu="qemu-aarch64"))
    monkeypatch.setattr(session, "qemu_version", lambda qemu: "qemu test")
    monkeypatch.setattr(session, "run_matrix", lambda env, jobs, n, log_dir, label: _fake_rows(jobs, state["count"], state["parity"]))
    return state


def test_cli_gate_exit_codes(tmp_path, fake_emulator, capsys):
    bundle = make_tiny_bundle(tmp_path, width=8)
    baseline = tmp_path / "baseline.json"
    common = dict(arm_json=tmp_path / "arm.json", arm_md=tmp_path / "arm.md", cpu="a76")
    assert run_arm(arm_args([bundle], arm_write_baseline=baseline, **common)) == 0
    assert "emulated" in (tmp_path / "arm.md").read_text().lower()
    assert run_arm(arm_args([bundle], compare=baseline, **common)) == 0  # same model: passes
    fake_emulator["count"] = 1200  # a 20 % larger model
    assert run_arm(arm_args([bundle], compare=baseline, **common)) == 1
    assert "REGRESSED" in capsys.readouterr().out
    assert run_arm(arm_args([bundle], compare=baseline, max_regression=25.0, **common)) == 0


def test_cli_reports_parity_failure(tmp_path, fake_emulator, capsys):
    bundle = make_tiny_bundle(tmp_path, width=8)
    fake_emulator["parity"] = False
    assert run_arm(arm_args([bundle], arm_json=tmp_path / "arm.json", arm_md=tmp_path / "arm.md", cpu="a53")) == 1
    err = capsys.readouterr().err
    assert "PARITY FAIL tiny/model.onnx on a53" in err and "worst example 2" in err


def test_cli_one_line_errors(tmp_path, capsys):
    assert run_arm(arm_args([tmp_path / "nope"])) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert run_arm(arm_args([tmp_path / "empty"])) == 2
    assert "not a finlite bundle" in capsys.readouterr().err


# --- real emulated runs (slow; need the cached aarch64 environment) ----------------------------------

needs_arm = pytest.mark.skipif(
    not (cache_dir() / "ready.json").is_file(),
    reason=f"no aarch64 environment in {cache_dir()} (build it with `make bench-arm` or `python -m finlite.bench.arm BUNDLE`)",
)


@pytest.mark.slow
@needs_arm
def test_emulated_gate_fails_on_a_wider_model_and_passes_on_the_same(tmp_path, capsys):
    small = make_tiny_bundle(tmp_path / "small", width=32, name="mlp")
    wide = make_tiny_bundle(tmp_path / "wide", width=256, name="mlp")  # same bundle and model name: same gate key
    baseline = tmp_path / "baseline.json"
    common = dict(cpu="a76", arm_md=tmp_path / "arm.md", arm_jobs=1)
    assert run_arm(arm_args([small], arm_json=tmp_path / "small.json", arm_write_baseline=baseline, **common)) == 0
    row = json.loads((tmp_path / "small.json").read_text())["rows"][0]
    assert row["parity"]["passed"] and row["insns_per_inference"] > 0 and row["guest_cpu"]["machine"] == "aarch64"
    assert run_arm(arm_args([small], arm_json=tmp_path / "again.json", compare=baseline, **common)) == 0
    again = json.loads((tmp_path / "again.json").read_text())["rows"][0]
    assert again["insns_per_inference"] == row["insns_per_inference"]  # deterministic
    assert run_arm(arm_args([wide], arm_json=tmp_path / "wide.json", compare=baseline, **common)) == 1
    assert "REGRESSED" in capsys.readouterr().out


@pytest.mark.slow
@needs_arm
def test_emulated_parity_failure_on_doctored_golden(tmp_path, capsys):
    bundle = make_tiny_bundle(tmp_path, width=32)
    golden = json.loads((bundle / "golden.json").read_text())
    doctored = copy.deepcopy(golden)
    doctored["examples"][1]["expected"]["model.onnx"]["logits"][0] -= 1.0
    (bundle / "golden.json").write_text(json.dumps(doctored))
    assert run_arm(arm_args([bundle], arm_json=tmp_path / "arm.json", arm_md=tmp_path / "arm.md", cpu="a53", arm_jobs=1)) == 1
    assert "PARITY FAIL tiny/model.onnx on a53" in capsys.readouterr().err


def test_plan_runs_each_binding_asked_for(tmp_path):
    bundle = make_tiny_bundle(tmp_path, width=8)
    jobs = session.plan([bundle], "all", False, 2, binding="all")
    assert sorted((j.cpu, j.binding) for j in jobs) == [("a53", "c"), ("a53", "python"), ("a76", "c"), ("a76", "python")]
    assert {j.binding for j in session.plan([bundle], "a76", False, 2)} == {"c"}  # the default: the apps' path
    assert arm_args([bundle]).arm_binding == "c"


def test_a_modified_bundle_file_is_refused_before_any_run(tmp_path, capsys):
    from finlite.bundle.files import file_entries

    bundle = make_tiny_bundle(tmp_path, width=8)
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["files"] = file_entries(bundle)
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    assert len(session.plan([bundle], "a76", False, 2)) == 1  # intact: planned
    (bundle / "model.onnx").write_bytes((bundle / "model.onnx").read_bytes()[:-1] + b"\0")
    assert run_arm(arm_args([bundle])) == 2
    assert "model.onnx: sha256 does not match the manifest" in capsys.readouterr().err
