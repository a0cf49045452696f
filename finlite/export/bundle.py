"""``finlite export``: a trained run → a verified bundle the app teams embed.

A bundle is a folder: the artifacts (ONNX / TFLite, fp32 / int8), ``labels.txt``,
``preprocess.json``, ``golden.json`` (raw inputs → ids → expected outputs per artifact),
``MODEL_CARD.md`` and ``manifest.json`` (sha256 of every other file, inputs/outputs, metrics,
parity results, post-processing). It is written to a temporary folder and moved into place only
when every parity check passed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .. import __version__
from ..data.text import TextEncoder, TextSpec
from ..errors import FinliteError
from ..training.checkpoint import SAMPLES, RunInfo, load_run
from ..training.config import write_json
from ..training.metrics import softmax
from .golden import golden_texts
from .model_card import render_model_card
from .postprocess import decide, postprocess_spec

BUNDLE_FORMAT = "finlite.bundle/1"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ArtifactKind:
    key: str  # the --formats name
    file: str
    format: str  # "onnx" or "tflite"
    precision: str  # "fp32" or "int8"


ARTIFACT_KINDS = (
    ArtifactKind("tflite", "model.tflite", "tflite", "fp32"),
    ArtifactKind("tflite-int8", "model.int8.tflite", "tflite", "int8"),
    ArtifactKind("onnx", "model.onnx", "onnx", "fp32"),
    ArtifactKind("onnx-int8", "model.int8.onnx", "onnx", "int8"),
)
DEFAULT_FORMATS = tuple(k.key for k in ARTIFACT_KINDS)


class ExportError(FinliteError):
    """An export that cannot proceed or whose parity check failed."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _kinds(formats: tuple[str, ...]) -> list[ArtifactKind]:
    by_key = {k.key: k for k in ARTIFACT_KINDS}
    unknown = [f for f in formats if f not in by_key]
    if unknown:
        raise ExportError(f"unknown export format(s) {unknown}; choose from {', '.join(by_key)}")
    return [by_key[f] for f in formats]


def _load_samples(run_dir: Path) -> dict:
    path = run_dir / SAMPLES
    if not path.is_file():
        raise ExportError(f"{run_dir}: no {SAMPLES} (calibration and held-out texts) — re-run 'finlite train'")
    return json.loads(path.read_text(encoding="utf-8"))


def _export_artifact(kind: ArtifactKind, model: torch.nn.Module, path: Path, trace: np.ndarray, calibration: np.ndarray, fp32_onnx: Path | None) -> None:
    from . import export_onnx, export_tflite, export_tflite_int8, quantize_onnx_int8

    if kind.key == "tflite":
        export_tflite(model, trace, path)
    elif kind.key == "tflite-int8":
        export_tflite_int8(model, calibration, path)
    elif kind.key == "onnx":
        export_onnx(model, trace, path)
    else:
        source = fp32_onnx
        if source is None:  # int8 ONNX without the fp32 file in the bundle: make it aside
            source = path.with_name("fp32-for-int8.onnx")
            export_onnx(model, trace, source)
        quantize_onnx_int8(source, calibration, path)
        if fp32_onnx is None:
            source.unlink()


def _io_details(runner) -> dict:
    def describe(items: list[dict]) -> list[dict]:
        return [{"name": d["name"], "dtype": str(np.dtype(d["dtype"])), "shape": [s if isinstance(s, int) else -1 for s in d["shape"]]} for d in items]

    return {"inputs": describe(runner.input_details()), "outputs": describe(runner.output_details())}


def _golden_tolerance(kind: ArtifactKind, logits: np.ndarray) -> dict:
    """How close another platform's run of this artifact must come to the golden outputs."""
    if kind.precision == "fp32":
        return {"logits_atol": 1e-4, "top1": "equal"}
    # Quantised kernels may round differently on other CPUs: allow a few output steps.
    return {"logits_atol": round(max(0.05, 0.02 * float(np.abs(logits).max())), 4), "top1": "equal"}


def export_bundle(
    run_dir: Path,
    out_dir: Path,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    force: bool = False,
    name: str | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Export a run to a bundle folder; return its manifest. Refuses to replace a non-empty folder
    unless ``force``; writes nothing at ``out_dir`` when a parity check fails."""
    from . import check_parity, runner_for

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    kinds = _kinds(formats)
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise ExportError(f"{out_dir} already exists and is not empty; pass --force to replace it")
    model, info = load_run(run_dir)
    samples = _load_samples(run_dir)
    encoder = TextEncoder(TextSpec.from_json(info.preprocess["text"]))
    calibration = encoder.encode_batch(samples["calibration"])
    holdout_texts = [s["text"] for s in samples["holdout"]]
    holdout = encoder.encode_batch(holdout_texts)
    label_index = {label: i for i, label in enumerate(info.labels)}
    holdout_y = np.array([label_index.get(s["label"], -1) for s in samples["holdout"]])
    trace = calibration[:1]
    post = postprocess_spec(info.oos)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        golden_inputs = golden_texts(holdout_texts)
        golden_ids = encoder.encode_batch(golden_inputs)
        with torch.no_grad():
            reference = model(torch.from_numpy(golden_ids)).numpy()
            holdout_ref = model(torch.from_numpy(holdout)).numpy()
        artifacts, golden_outputs = [], {}
        fp32_onnx = staging / "model.onnx" if "onnx" in formats else None
        for kind in sorted(kinds, key=lambda k: k.key != "onnx"):  # fp32 ONNX first: int8 ONNX starts from it
            path = staging / kind.file
            log(f"exporting {kind.file} ({kind.format} {kind.precision})")
            with warnings.catch_warnings():  # torch.export's deprecation chatter is not the user's business
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                _export_artifact(kind, model, path, trace, calibration, fp32_onnx)
            runner = runner_for(path, threads=1)
            tol = FP32 if kind.precision == "fp32" else INT8
            parity = check_parity(model, runner, holdout, artifact=kind.file, **tol)
            log(
                f"  parity on {parity.n} held-out samples: max |Δ logit| {parity.max_abs_diff:.2e}, "
                f"top-1 agreement {parity.top1_agreement:.4f} → {'pass' if parity.passed else 'FAIL'}"
            )
            if not parity.passed:
                raise ExportError(f"{kind.file}: parity check failed ({asdict(parity)})")
            logits = runner.run(golden_ids)
            golden_outputs[kind.file] = {"logits": logits, "tolerance": _golden_tolerance(kind, logits)}
            holdout_pred = runner.run(holdout).argmax(axis=1)
            known = holdout_y >= 0
            artifacts.append(
                {
                    "file": kind.file,
                    "format": kind.format,
                    "precision": kind.precision,
                    **_io_details(runner),
                    "parity": asdict(parity),
                    "holdout_accuracy": float(np.mean(holdout_pred[known] == holdout_y[known])) if known.any() else None,
                }
            )
        golden = _golden_document(golden_inputs, golden_ids, reference, golden_outputs, info, post, encoder)
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        known = holdout_y >= 0
        reference_accuracy = float(np.mean(holdout_ref.argmax(1)[known] == holdout_y[known])) if known.any() else None
        manifest = _write_bundle_files(staging, name or run_dir.resolve().name, info, golden, artifacts, metrics, post, samples, reference_accuracy)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return manifest


FP32 = {"max_abs_diff": 1e-4, "min_top1": 1.0}
INT8 = {"max_abs_diff": None, "min_top1": 0.99}


def _golden_document(texts, ids, reference, outputs, info: RunInfo, post: dict, encoder: TextEncoder) -> dict:
    examples = []
    for i, text in enumerate(texts):
        entry = {
            "text": text,
            "units": [unit for _, unit in encoder.units(text)],
            "ids": ids[i].tolist(),
            "reference_logits": reference[i].tolist(),
            "expected": {},
        }
        for file, out in outputs.items():
            logits = out["logits"][i : i + 1]
            probs = softmax(logits)
            decided = decide(probs, info.labels, post)[0]
            entry["expected"][file] = {"logits": logits[0].tolist(), "probs": probs[0].tolist(), **decided}
        examples.append(entry)
    return {
        "format": "finlite.golden/1",
        "input": {"name": "ids", "dtype": "int32", "shape": list(ids.shape[1:])},
        "tolerances": {file: out["tolerance"] for file, out in outputs.items()},
        "postprocess": post,
        "examples": examples,
    }


def _write_bundle_files(staging: Path, name: str, info: RunInfo, golden: dict, artifacts: list[dict], metrics: dict, post: dict, samples: dict, reference_accuracy) -> dict:
    (staging / "labels.txt").write_text("\n".join(info.labels) + "\n", encoding="utf-8")
    write_json(staging / "preprocess.json", info.preprocess)
    (staging / "golden.json").write_text(json.dumps(golden, ensure_ascii=False) + "\n", encoding="utf-8")
    manifest = {
        "format": BUNDLE_FORMAT,
        "task": info.task,
        "name": name,
        "version": "1",
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "finlite_version": __version__,
        "model": {"name": info.model, **metrics.get("model", {})},
        "labels_file": "labels.txt",
        "preprocess_file": "preprocess.json",
        "golden_file": "golden.json",
        "postprocess": post,
        "artifacts": artifacts,
        "metrics": {
            "eval": metrics.get("eval"),
            "val": metrics.get("val"),
            "holdout": {"source": samples.get("holdout_source"), "n": len(samples.get("holdout", [])), "pytorch_accuracy": reference_accuracy},
        },
        "data": info.data,
    }
    (staging / "MODEL_CARD.md").write_text(render_model_card(manifest, info), encoding="utf-8")
    manifest["files"] = {
        p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in sorted(staging.iterdir()) if p.name != MANIFEST
    }
    write_json(staging / MANIFEST, manifest)
    return manifest
