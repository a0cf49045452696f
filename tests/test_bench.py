"""finlite bench: latency harness, MAC counts of the GRU baseline, the result schema, the CLI on a
small bundle, and ExecuTorch export parity (when executorch is installed)."""

from __future__ import annotations

import importlib.util
import json
import time

import numpy as np
import pytest
import torch
from torch import nn

from finlite.bench.harness import Target, run_targets
from finlite.bench.latency import measure_latency, summarize
from finlite.bench.report import check_document, make_document, render_markdown, render_table
from finlite.bench.sessions import InProcessSession
from finlite.cli import main
from finlite.models import count_macs, get_model
from finlite.models.layers import conv_bn

from conftest import write_small_corpus

HAS_EXECUTORCH = importlib.util.find_spec("executorch") is not None


def test_summarize_percentiles_of_known_times():
    lat = summarize(np.arange(1, 101, dtype=float))
    assert lat.runs == 100 and lat.mean_ms == pytest.approx(50.5)
    assert lat.p50_ms == pytest.approx(50.5) and lat.p90_ms == pytest.approx(90.1) and lat.p99_ms == pytest.approx(99.01)


def test_measure_latency_on_a_tiny_model_is_sane_and_monotone():
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 4)).eval()
    x = torch.randn(1, 16)
    with torch.inference_mode():
        lat = measure_latency(lambda: model(x), runs=50, warmup=5)
    assert lat.runs == 50
    assert 0 < lat.p50_ms <= lat.p90_ms <= lat.p99_ms < 1000
    assert lat.mean_ms > 0


def test_run_targets_interleaves_and_reports_errors_and_skips():
    order: list[str] = []

    def opener(name: str, delay: float):
        def load():
            return (lambda: (order.append(name), time.sleep(delay))), None, None

        return lambda warmup: InProcessSession.start(load, warmup)

    def broken(_warmup):
        raise RuntimeError("cannot load this file\nsecond line")

    targets = [
        Target("a", "fake", "fp32", 1, 10, opener("a", 0.0)),
        Target("b", "fake", "fp32", 1, 10, opener("b", 0.0005)),
        Target("c", "fake", "int8", 1, 10, broken),
        Target("d", "fake", "int8", 1, 10, None, "not installed"),
    ]
    rows = run_targets(targets, runs=12, warmup=2, chunk=4, progress=False)
    assert [r["status"] for r in rows] == ["ok", "ok", "error", "skipped"]
    assert rows[2]["error"] == "RuntimeError: cannot load this file" and rows[3]["error"] == "not installed"
    assert rows[0]["runs"] == rows[1]["runs"] == 12
    assert rows[1]["p50_ms"] > rows[0]["p50_ms"]
    # timed calls: round-robin chunks of 4, the starting target rotating every round
    assert order[-24:] == ["a"] * 4 + ["b"] * 8 + ["a"] * 8 + ["b"] * 4


def test_a_slow_row_stops_early_and_the_others_finish():
    def load(delay: float):
        return lambda: ((lambda: time.sleep(delay)), None, None)

    targets = [Target("fast", "fake", "fp32", 1, None, lambda w: InProcessSession.start(load(0.0), w)),
               Target("slow", "fake", "fp32", 1, None, lambda w: InProcessSession.start(load(0.002), w))]
    fast, slow = run_targets(targets, runs=40, warmup=0, chunk=5, progress=False, max_row_seconds=0.015)
    assert fast["runs"] == 40 and 5 <= slow["runs"] < 40


def test_gru_and_strided_grouped_conv_macs_match_hand_counts():
    gru = nn.GRU(4, 3, batch_first=True)

    class Wrap(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            out = self.inner(x)
            return out[0] if isinstance(out, tuple) else out

    # 2 sequences × 5 steps × 3 gates × (input 4 + hidden 3) × hidden 3
    assert count_macs(Wrap(gru), torch.randn(2, 5, 4)) == 2 * 5 * 3 * (4 + 3) * 3
    # stride 2, 2 groups: 8 output channels × 5 positions × (8 / 2 input channels) × kernel 3
    assert count_macs(conv_bn(8, 8, 3, stride=2, groups=2), torch.randn(1, 8, 10)) == 8 * 5 * 4 * 3


def test_gru_baseline_builds_and_counts_its_recurrence():
    model = get_model("intent_gru", num_classes=5, buckets=512)
    ids = torch.randint(0, 512, (1, 64, 32))
    assert model(ids).shape == (1, 5)
    # embedding dim 64, hidden 128, 64 units; head (2·128 + 64) → 5
    assert count_macs(model, ids) == 64 * 3 * (64 + 128) * 128 + (2 * 128 + 64) * 5


def _document(rows: list[dict]) -> dict:
    return make_document(
        command="finlite bench x",
        machine={"cpu": "cpu", "arch": "x86_64", "logical_cores": 2, "usable_cores": 2, "os": "Linux", "python": "3.11", "versions": {"torch": "2"}},
        target="x",
        name="x",
        task="intent",
        settings={"runs": 3, "warmup": 1, "chunk": 1, "threads": [1]},
        model={"name": "m", "macs": 10, "params": 5, "source": "test"},
        rows=rows,
        notes=["a note"],
    )


def test_result_schema_accepts_real_rows_and_rejects_broken_ones():
    targets = [Target("f", "fake", "fp32", 1, 3, lambda w: InProcessSession.start(lambda: ((lambda: None), None, None), w)), Target("g", "fake", "fp32", 1, 3, None, "why")]
    doc = _document(run_targets(targets, runs=5, warmup=1, chunk=2, progress=False))
    check_document(json.loads(json.dumps(doc)))
    assert "skipped: why" in render_table(doc) and "| f | fake | fp32 |" in render_markdown(doc)
    for broken in ({**doc, "schema": "other"}, {k: v for k, v in doc.items() if k != "machine"}):
        with pytest.raises(ValueError):
            check_document(broken)
    bad_row = {**doc["rows"][0], "p50_ms": 10.0, "p90_ms": 1.0}
    with pytest.raises(ValueError, match="monotone"):
        check_document({**doc, "rows": [bad_row]})


def test_bench_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["bench", str(tmp_path / "missing")]) == 2
    assert "no such bundle folder or model file" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("x")
    assert main(["bench", str(tmp_path / "notes.txt")]) == 2
    assert "not a model file" in capsys.readouterr().err


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory):
    """A tiny intent bundle: TFLite fp32 + int8 ONNX (+ ExecuTorch fp32 / int8, parity-checked by the export)."""
    from finlite.export.bundle import export_bundle
    from finlite.tasks.config import apply_overrides
    from finlite.tasks.intent import IntentTrainConfig
    import finlite

    root = tmp_path_factory.mktemp("bench")
    write_small_corpus(root, seed=3, n_per_intent=12, n_out_of_scope=40)
    config = apply_overrides(IntentTrainConfig(), ["epochs=2", "distill=false", "buckets=2048", "model=intent_dwshuffle_x0_5", "threads=1"])
    finlite.train("intent", root / "run", config=config, train=root / "train.csv", eval=root / "eval.csv", log=lambda _: None)
    formats = ("tflite", "onnx-int8", *(("executorch", "executorch-int8") if HAS_EXECUTORCH else ()))
    export_bundle(root / "run", root / "bundle", formats=formats, log=lambda _: None)
    return root


@pytest.mark.slow
def test_bench_cli_on_a_small_bundle_writes_valid_results(small_bundle, capsys):
    out = small_bundle / "results"
    args = ["bench", str(small_bundle / "bundle"), "--out", str(out), "--runs", "20", "--warmup", "2", "--chunk", "5", "--threads", "1", "--no-progress"]
    assert main([*args, "--runtimes", "pytorch,onnxruntime,litert,executorch", "--run", str(small_bundle / "run")]) == 0
    printed = capsys.readouterr().out
    doc = json.loads((out / "bundle.json").read_text())
    check_document(doc)
    assert (out / "bundle.md").read_text().startswith("# Benchmark: ")
    got = {(r["artifact"], r["runtime"]): r for r in doc["rows"]}
    expected = {("pytorch", "pytorch"), ("model.tflite", "litert"), ("model.int8.onnx", "onnxruntime")}
    if HAS_EXECUTORCH:
        expected |= {("model.pte", "executorch"), ("model.int8.pte", "executorch")}
    assert set(got) == expected
    assert all(r["status"] == "ok" and r["runs"] == 20 and r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] for r in got.values())
    assert got[("model.tflite", "litert")]["size_bytes"] == (small_bundle / "bundle" / "model.tflite").stat().st_size
    assert doc["model"]["macs"] > 0 and doc["model"]["params"] > 0 and "trained weights" in doc["model"]["source"]
    assert "p50 ms" in printed and doc["command"].startswith("finlite bench")
    # one artifact by path; an unknown --artifacts entry is a one-line error
    assert main(["bench", str(small_bundle / "bundle" / "model.tflite"), "--out", str(out), "--runs", "5", "--warmup", "1", "--threads", "1", "--runtimes", "litert", "--no-progress"]) == 0
    assert [r["artifact"] for r in json.loads((out / "bundle-model.json").read_text())["rows"]] == ["model.tflite"]
    assert main(["bench", str(small_bundle / "bundle"), "--artifacts", "model.bin"]) == 2
    assert "no artifact model.bin" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not HAS_EXECUTORCH, reason="executorch not installed (pip install 'finlite[executorch]')")
def test_executorch_artifacts_pass_parity_in_the_manifest(small_bundle):
    from finlite.runtime.bundle import Bundle, check_golden

    bundle = Bundle(small_bundle / "bundle")
    pte = {a["file"]: a for a in bundle.artifacts if a["format"] == "executorch"}
    assert set(pte) == {"model.pte", "model.int8.pte"}
    assert pte["model.pte"]["parity"]["passed"] and pte["model.pte"]["parity"]["max_abs_diff"] <= 1e-4
    assert pte["model.int8.pte"]["parity"]["passed"] and "dynamic int8" in pte["model.int8.pte"]["quantization"]["method"]
    assert [i["name"] for i in pte["model.pte"]["inputs"]] == ["ids"]
    assert all(r["passed"] for r in check_golden(bundle) if r["file"].endswith(".pte"))
