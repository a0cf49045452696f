"""benchmarks/device/tflite_android.py: parsing TensorFlow Lite benchmark_model output into finlite.bench/1."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"


def _load():
    spec = importlib.util.spec_from_file_location("tflite_android", ROOT / "benchmarks" / "device" / "tflite_android.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["tflite_android"] = module
    spec.loader.exec_module(module)
    return module


dev = _load()


def test_parse_current_format_with_percentiles_and_peak_memory():
    parsed = dev.parse_benchmark_output((DATA / "benchmark_model_android.txt").read_text())
    assert parsed["init_ms"] == pytest.approx(3.412)
    assert parsed["first_ms"] == pytest.approx(0.412)
    assert parsed["warmup_avg_ms"] == pytest.approx(0.1739)
    assert parsed["mean_ms"] == pytest.approx(0.1642)
    # the regular run's line (count=6012), not the warm-up's (count=2874)
    assert parsed["runs"] == 6012
    assert parsed["std_ms"] == pytest.approx(0.018)
    assert parsed["p50_ms"] == pytest.approx(0.161)
    assert (parsed["p5_ms"], parsed["p95_ms"]) == (pytest.approx(0.150), pytest.approx(0.189))
    assert parsed["peak_mem_mb"] == pytest.approx(6.48438)
    assert parsed["mem_source"] == "periodic monitoring peak"
    assert parsed["init_mem_mb"] == pytest.approx(2.61719)
    assert parsed["threads"] == 1
    assert parsed["xnnpack"] is True


def test_parse_legacy_format_scientific_notation_and_memory_delta():
    parsed = dev.parse_benchmark_output((DATA / "benchmark_model_legacy.txt").read_text())
    assert parsed["mean_ms"] == pytest.approx(2950.34)
    assert parsed["warmup_avg_ms"] == pytest.approx(3512.39)
    assert parsed["runs"] == 50
    assert parsed["std_ms"] == pytest.approx(109.798)
    assert parsed["p50_ms"] is None  # this build prints no percentiles
    assert parsed["peak_mem_mb"] == pytest.approx(46.0859)
    assert parsed["mem_source"] == "footprint delta from tool start"
    assert parsed["threads"] == 4


def test_output_without_summary_is_a_clear_error():
    with pytest.raises(dev.DeviceBenchError, match="Inference timings"):
        dev.parse_benchmark_output("INFO: STARTING!\nERROR: Could not open '/data/local/tmp/x.tflite'.\n")


def test_cli_parse_writes_the_bench_schema(tmp_path):
    artifact = tmp_path / "model.int8.tflite"
    artifact.write_bytes(b"\0" * 1234)
    out = tmp_path / "device.json"
    assert dev.main([str(artifact), "--parse", str(DATA / "benchmark_model_android.txt"), "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "finlite.bench/1"
    assert set(doc) >= {"schema", "machine", "command", "rows"}
    (row,) = doc["rows"]
    assert set(dev.ROW_FIELDS) <= set(row)
    assert row["precision"] == "int8" and row["size_bytes"] == 1234 and row["threads"] == 1
    assert row["p90_ms"] is None and row["p99_ms"] is None  # benchmark_model prints neither


def test_cli_without_tool_or_adb_fails_with_one_line(tmp_path, capsys):
    assert dev.main([str(tmp_path / "model.tflite")]) == 2
    assert "--benchmark-model" in capsys.readouterr().err
