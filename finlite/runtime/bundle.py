"""Load a bundle (verifying every sha256) and predict with LiteRT or onnxruntime.

This is the reference the Android and iOS apps mirror: same preprocessing, same artifacts, same
post-processing (softmax → top-k → out-of-scope threshold).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.text import TextEncoder, TextSpec
from ..errors import FinliteError
from ..export.bundle import BUNDLE_FORMAT, MANIFEST, sha256_file
from ..export.postprocess import decide
from ..training.metrics import softmax

RUNTIMES = {"litert": "tflite", "onnx": "onnx"}


class BundleError(FinliteError):
    """A bundle that is missing, incomplete, of another format, or tampered with."""


@dataclass
class Prediction:
    text: str
    label: str
    top_k: list[dict]
    probs: np.ndarray = field(repr=False)


def verify_files(bundle_dir: Path) -> dict:
    """Read the manifest and check every listed file's sha256 and size; return the manifest."""
    bundle_dir = Path(bundle_dir)
    manifest_path = bundle_dir / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"{bundle_dir}: no {MANIFEST} — not a finlite bundle")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BundleError(f"{manifest_path}: not valid JSON ({err})") from None
    if manifest.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{manifest_path}: format {manifest.get('format')!r}, this finlite reads {BUNDLE_FORMAT!r}")
    for name, entry in manifest.get("files", {}).items():
        path = bundle_dir / name
        if not path.is_file():
            raise BundleError(f"{path}: listed in the manifest but missing")
        if path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
            raise BundleError(f"{path}: sha256 does not match the manifest — the file was modified; refusing to load")
    return manifest


class Bundle:
    """A verified bundle on disk."""

    def __init__(self, bundle_dir: Path):
        self.dir = Path(bundle_dir)
        self.manifest = verify_files(self.dir)
        self.labels = (self.dir / self.manifest["labels_file"]).read_text(encoding="utf-8").splitlines()
        self.preprocess = json.loads((self.dir / self.manifest["preprocess_file"]).read_text(encoding="utf-8"))
        self.encoder = TextEncoder(TextSpec.from_json(self.preprocess["text"]))
        self.postprocess = self.manifest["postprocess"]

    @property
    def artifacts(self) -> list[dict]:
        return self.manifest["artifacts"]

    def artifact(self, runtime: str = "litert", precision: str = "fp32") -> dict:
        if runtime not in RUNTIMES:
            raise BundleError(f"unknown runtime {runtime!r}; choose from {', '.join(RUNTIMES)}")
        for art in self.artifacts:
            if art["format"] == RUNTIMES[runtime] and art["precision"] == precision:
                return art
        have = ", ".join(f"{a['format']}/{a['precision']}" for a in self.artifacts)
        raise BundleError(f"{self.dir}: no {RUNTIMES[runtime]} {precision} artifact (has: {have})")

    def runner(self, file: str, threads: int = 1):
        from ..export.runners import runner_for

        return runner_for(self.dir / file, threads=threads)

    def predict(self, texts: list[str], runtime: str = "litert", precision: str = "fp32", threads: int = 1) -> list[Prediction]:
        runner = self.runner(self.artifact(runtime, precision)["file"], threads)
        probs = softmax(runner.run(self.encoder.encode_batch(texts)))
        decided = decide(probs, self.labels, self.postprocess)
        return [Prediction(t, d["label"], d["top_k"], p) for t, d, p in zip(texts, decided, probs)]


def check_golden(bundle: Bundle) -> list[dict]:
    """Re-run every artifact on golden.json: ids must match the encoder, outputs the expectations."""
    golden = json.loads((bundle.dir / bundle.manifest["golden_file"]).read_text(encoding="utf-8"))
    examples = golden["examples"]
    ids = np.array([e["ids"] for e in examples], dtype=np.int32)
    encoded = bundle.encoder.encode_batch([e["text"] for e in examples])
    ids_match = bool(np.array_equal(ids, encoded))
    reference = np.array([e["reference_logits"] for e in examples])
    results = []
    for art in bundle.artifacts:
        file = art["file"]
        logits = bundle.runner(file).run(ids)
        expected = np.array([e["expected"][file]["logits"] for e in examples])
        tol = golden["tolerances"][file]["logits_atol"]
        diff = float(np.abs(logits - expected).max())
        top1_golden = bool(np.array_equal(logits.argmax(1), expected.argmax(1)))
        agreement = float(np.mean(logits.argmax(1) == reference.argmax(1)))
        results.append(
            {
                "file": file,
                "ids_match": ids_match,
                "max_abs_diff_vs_golden": diff,
                "tolerance": tol,
                "top1_equal_golden": top1_golden,
                "top1_agreement_vs_pytorch": agreement,
                "passed": ids_match and diff <= tol and top1_golden,
            }
        )
    return results


def evaluate_artifacts(bundle: Bundle, texts: list[str], labels: list[str]) -> list[dict]:
    """Accuracy of every artifact on labelled texts (arg-max, and with the out-of-scope rule)."""
    index = {label: i for i, label in enumerate(bundle.labels)}
    y = np.array([index[label] for label in labels])
    ids = bundle.encoder.encode_batch(texts)
    out = []
    for art in bundle.artifacts:
        probs = softmax(bundle.runner(art["file"]).run(ids))
        decided = [d["label"] for d in decide(probs, bundle.labels, bundle.postprocess)]
        out.append(
            {
                "file": art["file"],
                "n": len(y),
                "accuracy": float(np.mean(probs.argmax(1) == y)),
                "accuracy_with_oos_rule": float(np.mean([d == t for d, t in zip(decided, labels)])),
            }
        )
    return out
