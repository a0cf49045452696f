"""``finlite export``: a trained run → a verified bundle the app teams embed.

A bundle is a folder: the artifacts (ONNX / TFLite, fp32 / int8; ExecuTorch ``.pte`` on request), ``labels.txt``,
``preprocess.json``, ``golden.json`` (raw inputs → model inputs → expected outputs per artifact),
``MODEL_CARD.md`` and ``manifest.json`` (sha256 of every other file, inputs/outputs, metrics,
parity results, post-processing). It is written to a staging folder and swapped into place in one step
only when every parity check passed (:mod:`.publish`: a kill, a full disk or a concurrent export never
leaves a half bundle).

The pipeline is the same for every task; what differs comes from the run's task object
(:meth:`finlite.tasks.base.Task.export_source`): which samples calibrate int8 quantization and which
held-out samples check parity, the golden cases, the quality metric on held-out samples, the
manifest's metrics and the model card; what the output means is the task's
:class:`~finlite.tasks.base.TaskOutputs`.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .. import __version__
from ..bundle import formats
from ..bundle.artifacts import DEFAULT_KINDS, ArtifactKind, kinds_by_key
from ..bundle.files import MANIFEST, file_entries, write_json
from ..errors import ExportError
from ..tasks import ExportSource, TaskOutputs, get_task
from ..training.checkpoint import RunInfo, load_run
from .publish import disk_full, publish, staging_dir
from .quiet import converter_output


def _kinds(formats: tuple[str, ...]) -> list[ArtifactKind]:
    try:
        return kinds_by_key(formats)
    except ValueError as err:
        raise ExportError(str(err)) from None


def _rows(arrays: tuple[np.ndarray, ...], index) -> tuple[np.ndarray, ...]:
    return tuple(a[index] for a in arrays)


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
    formats: tuple[str, ...] = DEFAULT_KINDS,
    force: bool = False,
    name: str | None = None,
    log: Callable[[str], None] = print,
    events: Path | None = None,
    users: Path | None = None,
    labels: Path | None = None,
    verbose: bool = False,
    int8_float: tuple[str, ...] = (),
) -> dict:
    """Export a run to a bundle folder; return its manifest. Refuses to replace a non-empty folder
    unless ``force``; writes nothing at ``out_dir`` when a parity check fails.

    ``events`` / ``users`` / ``labels`` (profile runs only) replace the files named in run.json.
    ``int8_float``: submodule paths the int8 artifacts keep in float besides the task's own (recorded in the
    manifest's ``quantization``). ``verbose`` shows the converters' own console output (:mod:`.quiet`)."""
    with converter_output(verbose):
        return _export_bundle(run_dir, out_dir, formats, force, name, log, events, users, labels, int8_float)


def _export_bundle(run_dir, out_dir, formats, force, name, log, events, users, labels, int8_float=()) -> dict:
    from ..bundle.runners import runner_for
    from . import FP32_TOLERANCE, INT8_TOLERANCE, check_parity, reference_logits

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    kinds = _kinds(formats)
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise ExportError(f"{out_dir} already exists and is not empty; pass --force to replace it")
    model, info = load_run(run_dir)
    try:
        task = get_task(info.task)
    except ValueError as err:
        raise ExportError(f"{run_dir}: {err}") from None
    source: ExportSource = task.export_source(run_dir, model, info, {"events": events, "users": users, "labels": labels}, log)
    if int8_float:
        from .tflite_export import check_module_paths

        try:
            check_module_paths(model, int8_float)
        except ValueError as err:
            raise ExportError(f"--int8-float: {err} ({info.model})") from None
        source.int8_float_modules = tuple(dict.fromkeys((*source.int8_float_modules, *int8_float)))
    outputs: TaskOutputs = source.outputs
    names = outputs.input_names
    trace = _rows(source.calibration, slice(0, 2))

    staging = staging_dir(out_dir)
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
        publish(staging, out_dir, force)
    except Exception as err:
        if disk_full(err):
            raise ExportError(f"{out_dir.parent}: no space left on the device while writing the bundle; "
                              f"{out_dir} was left as it was (free some space and export again)") from None
        raise
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
        "format": formats.GOLDEN,
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
        "format": formats.BUNDLE,
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
    manifest["files"] = file_entries(staging)
    write_json(staging / MANIFEST, manifest)
    return manifest
