"""``finlite export``: a trained run → a verified bundle the app teams embed.

A bundle is a folder: the artifacts (ONNX / TFLite, fp32 / int8; ExecuTorch ``.pte`` on request), ``labels.txt``,
``preprocess.json``, ``golden.json`` (raw inputs → model inputs → expected outputs per artifact),
``MODEL_CARD.md`` and ``manifest.json`` (sha256 of every other file, inputs/outputs, metrics,
parity results, post-processing). It is written to a temporary folder and moved into place only
when every parity check passed.

The pipeline is the same for every task; what differs is gathered in one *source* object per task
(:class:`_IntentSource`, :class:`_ProfileSource`): which samples calibrate int8 quantization and
which held-out samples check parity, the golden cases, the quality metric on held-out samples, the
manifest's metrics and the model card. What the output means (input names, the columns whose
arg-max is the decision, post-processing) is the task's
:class:`~finlite.export.postprocess.TaskOutputs`.
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
from ..errors import FinliteError
from ..training.checkpoint import SAMPLES, RunInfo, load_run
from ..training.config import write_json
from .golden import golden_texts
from .model_card import render_model_card, render_profile_model_card
from .postprocess import TaskOutputs, postprocess_spec, profile_postprocess_spec, task_outputs

BUNDLE_FORMAT = "finlite.bundle/1"
MANIFEST = "manifest.json"
PROFILE_CALIBRATION_USERS = 256
PROFILE_MIN_PARITY_USERS = 256
PROFILE_MAX_PARITY_USERS = 1024


@dataclass(frozen=True)
class ArtifactKind:
    key: str  # the --formats name
    file: str
    format: str  # "onnx", "tflite" or "executorch"
    precision: str  # "fp32" or "int8"


ARTIFACT_KINDS = (
    ArtifactKind("tflite", "model.tflite", "tflite", "fp32"),
    ArtifactKind("tflite-int8", "model.int8.tflite", "tflite", "int8"),
    ArtifactKind("onnx", "model.onnx", "onnx", "fp32"),
    ArtifactKind("onnx-int8", "model.int8.onnx", "onnx", "int8"),
    ArtifactKind("executorch", "model.pte", "executorch", "fp32"),  # opt-in: needs finlite[executorch]
    ArtifactKind("executorch-int8", "model.int8.pte", "executorch", "int8"),
)
DEFAULT_FORMATS = ("tflite", "tflite-int8", "onnx", "onnx-int8")


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


def _rows(arrays: tuple[np.ndarray, ...], index) -> tuple[np.ndarray, ...]:
    return tuple(a[index] for a in arrays)


# --- task sources ----------------------------------------------------------------------------------------


class _IntentSource:
    """Intent runs: calibration and held-out texts from the run's samples.json."""

    int8_float_modules: tuple[str, ...] = ()  # besides the head (float_head)

    def __init__(self, run_dir: Path, model: torch.nn.Module, info: RunInfo, data: dict, log: Callable[[str], None]):
        from ..data.text import TextEncoder, TextSpec

        if any(data.values()):
            raise ExportError(f"--events / --users / --labels apply to profile runs; {run_dir} is an intent run")
        path = run_dir / SAMPLES
        if not path.is_file():
            raise ExportError(f"{run_dir}: no {SAMPLES} (calibration and held-out texts) — re-run 'finlite train'")
        samples = json.loads(path.read_text(encoding="utf-8"))
        self.info = info
        self.samples = samples
        self.encoder = TextEncoder(TextSpec.from_json(info.preprocess["text"]))
        self.outputs: TaskOutputs = task_outputs("intent", info.labels, postprocess_spec(info.oos))
        self.calibration = (self.encoder.encode_batch(samples["calibration"]),)
        holdout_texts = [s["text"] for s in samples["holdout"]]
        self.parity = (self.encoder.encode_batch(holdout_texts),)
        label_index = {label: i for i, label in enumerate(info.labels)}
        self._holdout_y = np.array([label_index.get(s["label"], -1) for s in samples["holdout"]])
        texts = golden_texts(holdout_texts)
        self.golden_cases = [{"text": t, "units": [unit for _, unit in self.encoder.units(t)]} for t in texts]
        self.golden_inputs = (self.encoder.encode_batch(texts),)

    def golden_header(self) -> dict:
        ids = self.golden_inputs[0]
        return {"input": {"name": "ids", "dtype": "int32", "shape": list(ids.shape[1:])}}

    def golden_input_fields(self, i: int) -> dict:
        return {"ids": self.golden_inputs[0][i].tolist()}

    def quality(self, logits: np.ndarray) -> dict:
        known = self._holdout_y >= 0
        accuracy = float(np.mean(logits.argmax(1)[known] == self._holdout_y[known])) if known.any() else None
        return {"holdout_accuracy": accuracy}

    def manifest_metrics(self, metrics: dict, reference: dict) -> dict:
        return {
            "eval": metrics.get("eval"),
            "val": metrics.get("val"),
            "holdout": {
                "source": self.samples.get("holdout_source"),
                "n": len(self.samples.get("holdout", [])),
                "pytorch_accuracy": reference["holdout_accuracy"],
            },
        }

    def manifest_extra(self) -> dict:
        return {}

    def model_card(self, manifest: dict) -> str:
        return render_model_card(manifest, self.info)


class _ProfileSource:
    """Profile runs: users from the events / users files named in run.json (or overridden).

    Calibration: up to 256 of the run's training users. Parity: the run's evaluation users (topped up
    with its validation users when there are fewer than 256; at most 1024) — neither was used to fit
    the weights nor to calibrate. The split is the one training made: read from samples.json
    (``calibration_users`` / ``validation_users`` / ``holdout_users``) when the run has it, else re-derived from the labels
    file and the run's seed and fractions exactly as ``train_profile`` does.

    int8 artifacts keep the ``stem`` in float besides the head: its input concatenates the event
    embeddings (typically |v| ~0.2) with the projection of the numeric features (up to ~±3.5), and
    one int8 range for both (step ~0.03) leaves a typical embedding value a handful of levels. Measured on profile_dwshuffle_x1_0 (600
    evaluation users): mean |Δ logit| 0.027 → 0.021 (TFLite), 0.031 → 0.026 (ONNX); lifecycle
    top-1 flips 7 → 3 and 5 → 4 — without it the TFLite file failed the 99% parity check.
    The ``tally`` branch (when the model has one) stays float too: its bmm sums up to 128 one-hot rows,
    and with one int8 scale for counts of 0 … 128 a 600-user test model failed TFLite int8 parity (max
    |Δ logit| 1.47, 98.8% decisive agreement; 0.157 and 100% with it in float). It costs 55×128×4
    float multiply-adds for the counts and a 220×64 Linear.
    """

    int8_float_modules: tuple[str, ...] = ("stem", "tally")  # those the model has

    def __init__(self, run_dir: Path, model: torch.nn.Module, info: RunInfo, data: dict, log: Callable[[str], None]):
        from ..data.event_schema import ATTRIBUTE_COLUMNS, EVENT_COLUMNS
        from ..data.events import load_attributes, load_events
        from ..data.profile_features import ProfileEncoder, ProfileSpec
        from ..models.profile import OUTPUT_LAYOUT
        from .golden import PROFILE_HELD_OUT_EXAMPLES, encode_profile_cases, iso_ms, profile_golden_cases, read_raw_rows

        self.info = info
        self.int8_float_modules = tuple(name for name in self.int8_float_modules if hasattr(model, name))
        paths = {key: data.get(key) or info.data.get(key) for key in ("events", "users", "labels")}
        missing = [key for key in ("events", "users") if not paths[key] or not Path(paths[key]).is_file()]
        if missing:
            named = ", ".join(f"{key} {paths[key]!r}" if paths[key] else f"no {key} file" for key in missing)
            raise ExportError(
                f"exporting the profile run {run_dir} needs its events and users files to pick calibration, parity and "
                f"golden users, but run.json gives {named}; pass --events FILE --users FILE"
            )
        self.paths = {key: str(value) if value else None for key, value in paths.items()}
        self.encoder = ProfileEncoder(ProfileSpec.from_json(info.preprocess["profile"]))
        events, attrs = load_events(paths["events"]), load_attributes(paths["users"])
        self.as_of_ms = int(info.data.get("as_of_ms") or int(events.ts_ms.max()) + 1)
        fit_users, val_users, held, self.labels, self.split_source = _profile_split(run_dir, info, paths["labels"], events, attrs, log)
        if not fit_users or not held:
            raise ExportError(f"{run_dir}: no training or no evaluation users to calibrate and check parity on")
        layout = OUTPUT_LAYOUT(model.config)
        self.outputs = task_outputs("profile", info.labels, profile_postprocess_spec(layout, info.labels))

        rng = np.random.default_rng(int(info.train_config.get("seed", 0)))
        calibration_users = [fit_users[i] for i in rng.permutation(len(fit_users))[:PROFILE_CALIBRATION_USERS]]
        parity_users = list(held) + (list(val_users) if len(held) < PROFILE_MIN_PARITY_USERS else [])
        parity_users = parity_users[:PROFILE_MAX_PARITY_USERS]
        self.n_eval = min(len(held), len(parity_users))
        self.eval_users = parity_users[: self.n_eval]
        self.calibration = self.encoder.encode(events, attrs, calibration_users, self.as_of_ms).as_tuple()
        self.parity = self.encoder.encode(events, attrs, parity_users, self.as_of_ms).as_tuple()
        self.parity_source = "evaluation users" + (" + validation users" if len(parity_users) > len(held) else "")

        # Golden held-out users: the first evaluation users with at most max_events events (keeps
        # golden.json small; the over_max_events case covers longer histories), then a pool for the
        # edge cases.
        max_events = self.encoder.spec.max_events
        counts = dict(zip(events.user_ids, np.diff(np.asarray(events.offsets))))
        short = [u for u in held if counts.get(u, 0) <= max_events][:PROFILE_HELD_OUT_EXAMPLES]
        chosen = set(short)
        golden_users = short + [u for u in held if u not in chosen][:64]
        raw_events = read_raw_rows(paths["events"], EVENT_COLUMNS, golden_users)
        raw_attrs = read_raw_rows(paths["users"], ATTRIBUTE_COLUMNS, golden_users)
        cases = profile_golden_cases(raw_events, raw_attrs, golden_users, max_events)
        for case in cases:
            case["as_of_ms"] = self.as_of_ms
            case["as_of"] = iso_ms(self.as_of_ms)
        self.golden_cases = [{k: c[k] for k in ("name", "user_id", "as_of_ms", "as_of", "events", "attributes")} for c in cases]
        self.golden_inputs = encode_profile_cases(self.encoder, self.golden_cases)

    def golden_header(self) -> dict:
        return {}

    def golden_input_fields(self, i: int) -> dict:
        return {"inputs": {name: a[i].tolist() for name, a in zip(self.outputs.input_names, self.golden_inputs)}}

    def quality(self, logits: np.ndarray) -> dict:
        if self.labels is None:
            return {"holdout": None}
        return {"holdout": {"n": self.n_eval, **profile_quality(logits[: self.n_eval], self.outputs.postprocess, self.labels.subset(self.eval_users))}}

    def manifest_metrics(self, metrics: dict, reference: dict) -> dict:
        return {
            "eval": metrics.get("eval"),
            "baseline": metrics.get("baseline"),
            "holdout": {
                "source": self.split_source,
                "n": self.n_eval if self.labels is not None else 0,
                "pytorch": reference["holdout"],
            },
        }

    def manifest_extra(self) -> dict:
        return {
            "output_layout": self.outputs.postprocess["layout"],
            "export_data": {**self.paths, "as_of_ms": self.as_of_ms, "parity_users": len(self.parity[0]),
                            "parity_source": self.parity_source, "calibration_users": len(self.calibration[0])},
        }

    def model_card(self, manifest: dict) -> str:
        return render_profile_model_card(manifest, self.info)


def profile_quality(logits: np.ndarray, post: dict, labels) -> dict:
    """Lifecycle accuracy / macro-F1, mean tag AUROC, product Recall@3 / NDCG@3 of profile outputs
    against :class:`~finlite.data.profile_labels.ProfileLabels` (rows in the same order)."""
    from ..training.metrics import softmax
    from ..training.profile import profile_metrics

    heads = post["heads"]

    def cols(name: str) -> np.ndarray:
        start, stop = heads[name]["columns"]
        return np.asarray(logits[:, start:stop], dtype=np.float64)

    tags = 1.0 / (1.0 + np.exp(-cols("tags")))
    full = profile_metrics(softmax(cols("lifecycle")), tags, softmax(cols("products")), labels)
    keep = ("lifecycle_accuracy", "lifecycle_macro_f1", "tag_auroc_mean", "product_recall@3", "product_ndcg@3")
    return {k: full[k] for k in keep if k in full}


def _profile_split(run_dir: Path, info: RunInfo, labels_path, events, attrs, log):
    """(training users, validation users, evaluation users, labels or None, description)."""
    from ..data.profile_labels import load_profile_labels
    from ..training.profile import split_user_ids

    labels = None
    if labels_path and Path(labels_path).is_file():
        labels = load_profile_labels(labels_path)
    samples = run_dir / SAMPLES
    if samples.is_file():
        recorded = json.loads(samples.read_text(encoding="utf-8"))
        if recorded.get("holdout_users") and recorded.get("calibration_users"):
            held = list(recorded["holdout_users"])
            if labels is not None and not set(held) <= set(labels.user_ids):
                labels = None
            validation = list(recorded.get("validation_users", []))
            return list(recorded["calibration_users"]), validation, held, labels, f"{SAMPLES} holdout_users"
    config = info.train_config
    eval_fraction, val_fraction, seed = float(config.get("eval_fraction", 0.2)), float(config.get("val_fraction", 0.1)), int(config.get("seed", 0))
    if labels is not None:
        users, source = labels.user_ids, f"the run's evaluation split, re-derived from {labels_path} (seed {seed})"
    else:
        users = sorted(set(attrs.user_ids) | set(events.user_ids))
        source = "a split of the users file's users like training's (no labels file: no quality metrics)"
        log(f"warning: no labels file ({labels_path!r}); parity users are {source}; pass --labels FILE for the exact split")
    kept, held = split_user_ids(users, eval_fraction, seed)
    fit, val = split_user_ids(kept, val_fraction, seed + 1)
    return fit, val, held, labels, source


_SOURCES = {"intent": _IntentSource, "profile": _ProfileSource}


# --- artifacts -------------------------------------------------------------------------------------------


def _describe_parity(parity, limits: bool = False) -> str:
    """'max |Δ| …, top-1 agreement …[ (decisive …)]', with the required values when ``limits``."""
    tol = parity.tolerance

    def need(key: str, prefix: str = ">= ") -> str:
        return f" (needs {prefix}{tol[key]})" if limits and tol.get(key) is not None else ""

    text = f"max |Δ logit| {parity.max_abs_diff:.3g}{need('max_abs_diff', '<= ')}, top-1 agreement {parity.top1_agreement:.4f}"
    if parity.top1_agreement_decisive is None:
        return text + need("min_top1")
    return (text + need("min_top1_all") + f", on the {parity.decisive_n} decisive samples (top-2 gap >= "
            f"{tol['decisive_margin']}) {parity.top1_agreement_decisive:.4f}" + need("min_top1"))


def _export_artifact(
    kind: ArtifactKind,
    model: torch.nn.Module,
    path: Path,
    trace: tuple,
    calibration: tuple,
    fp32_onnx: Path | None,
    names: tuple[str, ...],
    float_modules: tuple[str, ...] = (),
) -> None:
    from . import export_onnx, export_tflite, export_tflite_int8, quantize_onnx_int8

    if kind.format == "executorch":
        from .executorch_export import export_executorch, export_executorch_int8

        if kind.precision == "fp32":
            export_executorch(model, trace, path)
        else:
            export_executorch_int8(model, trace, path, float_modules=float_modules)
    elif kind.key == "tflite":
        export_tflite(model, trace, path, input_names=names)
    elif kind.key == "tflite-int8":
        export_tflite_int8(model, calibration, path, input_names=names, float_modules=float_modules)
    elif kind.key == "onnx":
        export_onnx(model, trace, path, input_names=names)
    else:
        source = fp32_onnx
        if source is None:  # int8 ONNX without the fp32 file in the bundle: make it aside
            source = path.with_name("fp32-for-int8.onnx")
            export_onnx(model, trace, source, input_names=names)
        quantize_onnx_int8(source, calibration, path, float_modules=float_modules)
        if fp32_onnx is None:
            source.unlink()


def _io_details(runner, input_names: tuple[str, ...] | None = None) -> dict:
    """Inputs / outputs of an artifact; ``input_names`` replace the runner's (a .pte keeps none)."""

    def describe(items: list[dict], names: tuple[str, ...] | None = None) -> list[dict]:
        return [{"name": names[i] if names else d["name"], "dtype": str(np.dtype(d["dtype"])), "shape": [s if isinstance(s, int) else -1 for s in d["shape"]]} for i, d in enumerate(items)]

    return {"inputs": describe(runner.input_details(), input_names), "outputs": describe(runner.output_details())}


def _quantization(kind: ArtifactKind, source, n_calibration: int) -> dict:
    """How an int8 artifact was made (recorded in the manifest)."""
    if kind.format == "executorch":
        return {
            "method": "dynamic int8 (PT2E, XNNPACKQuantizer): per-channel int8 weights, activations quantized per inference; per-row int8 embedding tables",
            "calibration_samples": 0,
            "float": ["pooling and element-wise ops", *(f"module {m!r}" for m in source.int8_float_modules)],
        }
    return {
        "method": "static int8, per-channel weights, min/max-calibrated per-tensor activations",
        "calibration_samples": n_calibration,
        "float": ["the output layer and the layers after the sequence pooling", *(f"module {m!r}" for m in source.int8_float_modules)],
    }


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
    events: Path | None = None,
    users: Path | None = None,
    labels: Path | None = None,
) -> dict:
    """Export a run to a bundle folder; return its manifest. Refuses to replace a non-empty folder
    unless ``force``; writes nothing at ``out_dir`` when a parity check fails.

    ``events`` / ``users`` / ``labels`` (profile runs only) replace the files named in run.json."""
    from . import FP32_TOLERANCE, INT8_TOLERANCE, check_parity, reference_logits, runner_for

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    kinds = _kinds(formats)
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise ExportError(f"{out_dir} already exists and is not empty; pass --force to replace it")
    model, info = load_run(run_dir)
    if info.task not in _SOURCES:
        raise ExportError(f"{run_dir}: task {info.task!r} cannot be exported (this finlite exports {', '.join(_SOURCES)})")
    source = _SOURCES[info.task](run_dir, model, info, {"events": events, "users": users, "labels": labels}, log)
    outputs: TaskOutputs = source.outputs
    names = outputs.input_names
    trace = _rows(source.calibration, slice(0, 2))

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        reference = reference_logits(model, source.golden_inputs)
        parity_reference = reference_logits(model, source.parity)
        artifacts, golden_outputs = [], {}
        fp32_onnx = staging / "model.onnx" if "onnx" in formats else None
        for kind in sorted(kinds, key=lambda k: k.key != "onnx"):  # fp32 ONNX first: int8 ONNX starts from it
            path = staging / kind.file
            log(f"exporting {kind.file} ({kind.format} {kind.precision})")
            with warnings.catch_warnings():  # torch.export's deprecation chatter is not the user's business
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                _export_artifact(kind, model, path, trace, source.calibration, fp32_onnx, names, source.int8_float_modules)
            runner = runner_for(path, threads=1)
            tol = FP32_TOLERANCE if kind.precision == "fp32" else INT8_TOLERANCE
            parity = check_parity(model, runner, source.parity, artifact=kind.file, top1_columns=outputs.top1_columns, **tol)
            log(f"  parity on {parity.n} held-out samples: {_describe_parity(parity)} → {'pass' if parity.passed else 'FAIL'}")
            if not parity.passed:
                raise ExportError(f"{kind.file}: parity check failed on {parity.n} held-out samples: {_describe_parity(parity, limits=True)}; nothing was written")
            logits = runner.run(*source.golden_inputs)
            golden_outputs[kind.file] = {"logits": logits, "tolerance": _golden_tolerance(kind, logits)}
            artifacts.append(
                {
                    "file": kind.file,
                    "format": kind.format,
                    "precision": kind.precision,
                    **_io_details(runner, names if kind.format == "executorch" else None),
                    **({"quantization": _quantization(kind, source, len(source.calibration[0]))} if kind.precision == "int8" else {}),
                    "parity": asdict(parity),
                    **source.quality(runner.run(*source.parity)),
                }
            )
        golden = _golden_document(source, reference, golden_outputs)
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        manifest = _write_bundle_files(staging, name or run_dir.resolve().name, info, source, golden, artifacts, metrics, source.quality(parity_reference))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return manifest


def _golden_document(source, reference: np.ndarray, outputs: dict) -> dict:
    task: TaskOutputs = source.outputs
    decoded = {file: task.decode(out["logits"]) for file, out in outputs.items()}
    examples = []
    for i, case in enumerate(source.golden_cases):
        entry = {**case, **source.golden_input_fields(i), "reference_logits": reference[i].tolist(), "expected": {}}
        for file, out in outputs.items():
            entry["expected"][file] = {"logits": out["logits"][i].tolist(), **decoded[file][i]}
        examples.append(entry)
    return {
        "format": "finlite.golden/1",
        "task": task.task,
        **source.golden_header(),
        "inputs": [
            {"name": name, "dtype": str(a.dtype), "shape": list(a.shape[1:])} for name, a in zip(task.input_names, source.golden_inputs)
        ],
        "top1": {"head": task.top1_head, "columns": None if task.top1_columns is None else list(task.top1_columns)},
        "tolerances": {file: out["tolerance"] for file, out in outputs.items()},
        "postprocess": task.postprocess,
        "examples": examples,
    }


def _write_bundle_files(staging: Path, name: str, info: RunInfo, source, golden: dict, artifacts: list[dict], metrics: dict, reference: dict) -> dict:
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
        "input_names": list(source.outputs.input_names),
        "postprocess": source.outputs.postprocess,
        **source.manifest_extra(),
        "artifacts": artifacts,
        "metrics": source.manifest_metrics(metrics, reference),
        "data": info.data,
    }
    (staging / "MODEL_CARD.md").write_text(source.model_card(manifest), encoding="utf-8")
    manifest["files"] = {
        p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in sorted(staging.iterdir()) if p.name != MANIFEST
    }
    write_json(staging / MANIFEST, manifest)
    return manifest
