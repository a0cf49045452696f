"""Load a bundle (verifying every sha256) and predict with LiteRT or onnxruntime.

This is the reference the Android and iOS apps mirror: same preprocessing, same artifacts, same
post-processing — intent: softmax → top-k → out-of-scope threshold; profile: softmax over the
lifecycle columns → stage, sigmoid → tag scores, softmax over the product columns → top-3 products
(the manifest's ``postprocess`` block; :mod:`finlite.export.postprocess`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import FinliteError
from ..export.bundle import BUNDLE_FORMAT, MANIFEST, sha256_file
from ..export.postprocess import TaskOutputs, decide, task_outputs
from ..training.metrics import softmax

RUNTIMES = {"litert": "tflite", "onnx": "onnx", "executorch": "executorch"}
GOLDEN_FLOAT_ATOL = 1e-6  # re-encoded float inputs vs golden.json


class BundleError(FinliteError):
    """A bundle that is missing, incomplete, of another format, or tampered with."""


@dataclass
class Prediction:
    text: str
    label: str
    top_k: list[dict]
    probs: np.ndarray = field(repr=False)


@dataclass
class ProfilePrediction:
    user_id: str
    stage: str
    stage_probs: dict[str, float]
    tags: dict[str, float]
    top_products: list[dict]  # [{"product", "index", "prob"}], most likely first


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
    """A verified bundle on disk (intent or profile: ``task``)."""

    def __init__(self, bundle_dir: Path):
        self.dir = Path(bundle_dir)
        self.manifest = verify_files(self.dir)
        self.task = self.manifest.get("task", "intent")
        self.labels = (self.dir / self.manifest["labels_file"]).read_text(encoding="utf-8").splitlines()
        self.preprocess = json.loads((self.dir / self.manifest["preprocess_file"]).read_text(encoding="utf-8"))
        self.postprocess = self.manifest["postprocess"]
        try:
            self.outputs: TaskOutputs = task_outputs(self.task, self.labels, self.postprocess)
        except (KeyError, ValueError) as err:
            raise BundleError(f"{self.dir}: cannot read the {self.task!r} bundle's post-processing ({err})") from None
        if self.task == "intent":
            from ..data.text import TextEncoder, TextSpec

            self.encoder = TextEncoder(TextSpec.from_json(self.preprocess["text"]))
        else:
            from ..data.profile_features import ProfileEncoder, ProfileSpec

            self.encoder = ProfileEncoder(ProfileSpec.from_json(self.preprocess["profile"]))

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

    def _require(self, task: str, use: str) -> None:
        if self.task != task:
            raise BundleError(f"{self.dir} is a {self.task} bundle; {use} needs a {task} bundle")

    def predict(self, texts: list[str], runtime: str = "litert", precision: str = "fp32", threads: int = 1) -> list[Prediction]:
        """Intent bundles: the answer for each text."""
        self._require("intent", "predicting from texts")
        runner = self.runner(self.artifact(runtime, precision)["file"], threads)
        probs = softmax(runner.run(self.encoder.encode_batch(texts)))
        decided = decide(probs, self.labels, self.postprocess)
        return [Prediction(t, d["label"], d["top_k"], p) for t, d, p in zip(texts, decided, probs)]

    def encode_profile(self, events, attrs, user_ids: Sequence[str], as_of_ms: int) -> tuple[np.ndarray, ...]:
        """Profile bundles: the model inputs ``(cat, num, static)`` of ``user_ids`` at ``as_of_ms``."""
        self._require("profile", "encoding users")
        return self.encoder.encode(events, attrs, list(user_ids), int(as_of_ms)).as_tuple()

    def predict_profile(
        self,
        events,
        attrs,
        user_ids: Sequence[str],
        as_of_ms: int,
        runtime: str = "litert",
        precision: str = "fp32",
        threads: int = 1,
    ) -> list[ProfilePrediction]:
        """Profile bundles: stage, stage probabilities, tag scores and top-3 products of each user.

        ``events`` / ``attrs``: an :class:`~finlite.data.events.EventTable` / ``AttributeTable`` (or
        None: no events / no attribute rows); only events with ``ts_ms <= as_of_ms`` are used."""
        inputs = self.encode_profile(events, attrs, user_ids, as_of_ms)
        runner = self.runner(self.artifact(runtime, precision)["file"], threads)
        decoded = self.outputs.decode(runner.run(*inputs))
        return [ProfilePrediction(u, d["stage"], d["stage_probs"], d["tags"], d["top_products"]) for u, d in zip(user_ids, decoded)]

    def encode_golden(self, examples: list[dict]) -> tuple[np.ndarray, ...]:
        """Re-encode golden.json's raw inputs (texts, or users' raw event / attribute rows)."""
        if self.task == "intent":
            return (self.encoder.encode_batch([e["text"] for e in examples]),)
        from ..export.golden import encode_profile_cases

        return encode_profile_cases(self.encoder, examples)


def _golden_inputs(examples: list[dict], names: Sequence[str], dtypes: Sequence[np.dtype]) -> tuple[np.ndarray, ...]:
    """The model inputs pinned in golden.json (``inputs: {name: …}``, or the intent format's ``ids``)."""
    return tuple(
        np.array([(e["inputs"] if "inputs" in e else e)[name] for e in examples], dtype=dtype) for name, dtype in zip(names, dtypes)
    )


def _inputs_match(pinned: tuple[np.ndarray, ...], encoded: tuple[np.ndarray, ...]) -> tuple[bool, float]:
    """Integer inputs must be equal, float inputs within GOLDEN_FLOAT_ATOL; (match, largest float Δ)."""
    ok, worst = True, 0.0
    for a, b in zip(pinned, encoded):
        if a.shape != b.shape:
            return False, float("inf")
        if a.dtype.kind == "f":
            diff = float(np.abs(a - b).max()) if a.size else 0.0
            worst = max(worst, diff)
            ok = ok and diff <= GOLDEN_FLOAT_ATOL
        else:
            ok = ok and bool(np.array_equal(a, b))
    return ok, worst


def check_golden(bundle: Bundle) -> list[dict]:
    """Re-run every artifact on golden.json: the inputs must match the encoder (re-encoding the raw
    texts / event rows: integer tensors exactly, float tensors within 1e-6), the outputs the
    expectations (within each artifact's tolerance, same arg-max over the task's decision columns)."""
    golden = json.loads((bundle.dir / bundle.manifest["golden_file"]).read_text(encoding="utf-8"))
    examples = golden["examples"]
    task = bundle.outputs
    encoded = tuple(np.asarray(a) for a in bundle.encode_golden(examples))
    pinned = _golden_inputs(examples, task.input_names, [a.dtype for a in encoded])
    inputs_match, input_diff = _inputs_match(pinned, encoded)
    reference = np.array([e["reference_logits"] for e in examples])
    results = []
    for art in bundle.artifacts:
        file = art["file"]
        logits = bundle.runner(file).run(*pinned)
        expected = np.array([e["expected"][file]["logits"] for e in examples])
        tol = golden["tolerances"][file]["logits_atol"]
        diff = float(np.abs(logits - expected).max())
        top1_golden = bool(np.array_equal(task.top1(logits), task.top1(expected)))
        agreement = float(np.mean(task.top1(logits) == task.top1(reference)))
        results.append(
            {
                "file": file,
                "inputs_match": inputs_match,
                "ids_match": inputs_match,  # the intent-era name of inputs_match
                "max_input_diff": input_diff,
                "max_abs_diff_vs_golden": diff,
                "tolerance": tol,
                "top1_equal_golden": top1_golden,
                "top1_agreement_vs_pytorch": agreement,
                "passed": inputs_match and diff <= tol and top1_golden,
            }
        )
    return results


def evaluate_artifacts(bundle: Bundle, texts: list[str], labels: list[str]) -> list[dict]:
    """Intent bundles: accuracy of every artifact on labelled texts (arg-max, and with the out-of-scope rule)."""
    bundle._require("intent", "evaluating on labelled texts")
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


def evaluate_profile_artifacts(bundle: Bundle, events, attrs, labels, as_of_ms: int) -> list[dict]:
    """Profile bundles: lifecycle macro-F1 / accuracy, mean tag AUROC and product Recall@3 / NDCG@3 of
    every artifact on the users of ``labels`` (a :class:`~finlite.data.profile_labels.ProfileLabels`)."""
    from ..export.bundle import profile_quality

    inputs = bundle.encode_profile(events, attrs, labels.user_ids, as_of_ms)
    out = []
    for art in bundle.artifacts:
        logits = bundle.runner(art["file"]).run(*inputs)
        out.append({"file": art["file"], "n": len(labels.user_ids), **profile_quality(logits, bundle.postprocess, labels)})
    return out

