"""Load a bundle (verifying every sha256) and predict with LiteRT, onnxruntime or ExecuTorch.

This is the reference the Android and iOS apps mirror: same preprocessing, same artifacts, same
post-processing (the manifest's ``postprocess`` block, read by the bundle's task object:
:mod:`finlite.tasks.intent`, :mod:`finlite.tasks.profile`). An artifact is selected by
``(format, precision)``, as in the apps. Imports the bundle contract and the tasks, never the
exporter or training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..bundle.manifest import BundleError, find_artifact, read_preprocess, verify_files
from ..tasks import Task, TaskOutputs, get_task

GOLDEN_FLOAT_ATOL = 1e-6  # re-encoded float inputs vs golden.json


class Bundle:
    """A verified bundle on disk. ``task`` is its task object; ``encoder`` encodes raw inputs."""

    def __init__(self, bundle_dir: Path):
        self.dir = Path(bundle_dir)
        self.manifest = verify_files(self.dir)
        try:
            self.task: Task = get_task(self.manifest["task"])
        except ValueError as err:
            raise BundleError(f"{self.dir}: {err}") from None
        self.labels = (self.dir / self.manifest["labels_file"]).read_text(encoding="utf-8").splitlines()
        self.preprocess = read_preprocess(self.dir, self.manifest)
        self.postprocess = self.manifest["postprocess"]
        try:
            self.outputs: TaskOutputs = self.task.outputs(self.labels, self.postprocess)
            self.encoder = self.task.encoder(self.preprocess)
        except (KeyError, TypeError, ValueError) as err:
            raise BundleError(f"{self.dir}: cannot read the {self.task.name!r} bundle's post-processing or preprocessing ({err})") from None

    @property
    def artifacts(self) -> list[dict]:
        return self.manifest["artifacts"]

    def artifact(self, format: str, precision: str) -> dict:
        """The artifact of ``format`` ("tflite", "onnx", "executorch") and ``precision`` ("fp32", "int8")."""
        try:
            return find_artifact(self.manifest, format, precision)
        except BundleError as err:
            raise BundleError(f"{self.dir}: {err}") from None

    def runner(self, file: str, threads: int = 1):
        from ..bundle.runners import runner_for

        return runner_for(self.dir / file, threads=threads)

    def encode(self, *raw: Any) -> tuple[np.ndarray, ...]:
        """Model inputs of raw inputs (intent: a list of texts; profile: events, attributes, user ids, as-of ms)."""
        import inspect

        signature = inspect.signature(self.task.encode_inputs)
        try:
            signature.bind(self.encoder, *raw)
        except TypeError:
            wanted = ", ".join(list(signature.parameters)[1:])
            raise BundleError(f"{self.dir} is a {self.task.name} bundle: its raw inputs are ({wanted}), got {len(raw)} argument(s)") from None
        return self.task.encode_inputs(self.encoder, *raw)

    def predict(self, *raw: Any, format: str = "tflite", precision: str = "fp32", threads: int = 1) -> list:
        """Post-processed answers for raw inputs: :class:`~finlite.tasks.intent.IntentPrediction` per
        text, or :class:`~finlite.tasks.profile.ProfilePrediction` per user."""
        runner = self.runner(self.artifact(format, precision)["file"], threads)
        return self.task.predictions(self.outputs, self.outputs.decode(runner.run(*self.encode(*raw))), *raw)

    def evaluate(self, inputs: tuple[np.ndarray, ...], score: Callable[[np.ndarray], dict]) -> list[dict]:
        """``score(logits)`` of every artifact on the same model inputs."""
        return [{"file": art["file"], **score(self.runner(art["file"]).run(*inputs))} for art in self.artifacts]


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
    inputs: integer tensors exactly, float tensors within 1e-6), the outputs the expectations
    (within each artifact's tolerance, same arg-max over the task's decision columns)."""
    golden = json.loads((bundle.dir / bundle.manifest["golden_file"]).read_text(encoding="utf-8"))
    examples = golden["examples"]
    task = bundle.outputs
    encoded = tuple(np.asarray(a) for a in bundle.task.encode_golden(bundle.encoder, examples))
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
                "max_input_diff": input_diff,
                "max_abs_diff_vs_golden": diff,
                "tolerance": tol,
                "top1_equal_golden": top1_golden,
                "top1_agreement_vs_pytorch": agreement,
                "passed": inputs_match and diff <= tol and top1_golden,
            }
        )
    return results
