"""ONNX export (fp32, torch.onnx dynamo exporter) and onnxruntime static int8 (QDQ) quantization.

Both files: one input ``ids`` int32 ``(batch, L, F)`` with a dynamic batch dimension, one output
``logits`` float32 ``(batch, C)``, opset 18, weights inside the ``.onnx`` file (no external data).
BatchNorm is folded into the convolutions before export.

onnx, onnxscript and onnxruntime are imported inside the functions only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from torch import nn

from ..models.fold import fold_batchnorm

OPSET = 18
INPUT_NAME = "ids"
OUTPUT_NAME = "logits"
BATCH_DIM = "batch"


def _prepare_path(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def export_onnx(model: nn.Module, sample: np.ndarray, path: str | Path, *, opset: int = OPSET) -> Path:
    """fp32 ONNX file for ``model`` (BatchNorm folded; ``model`` is not modified).

    ``sample``: ``(N, L, F)`` ids used for tracing. The batch dimension is exported as the symbolic
    ``batch`` (the tracing batch is made >= 2 so torch.export does not specialise it to 1), so one
    file serves batch 1 and batch N.
    """
    import onnx

    sample = np.asarray(sample)
    if sample.ndim != 3 or len(sample) == 0:
        raise ValueError(f"sample must be non-empty (N, L, F) ids, got shape {sample.shape}")
    if len(sample) < 2:
        sample = np.concatenate([sample, sample], axis=0)
    args = (torch.from_numpy(np.ascontiguousarray(sample[:2]).astype(np.int32, copy=False)),)
    path = _prepare_path(path)
    folded = fold_batchnorm(model).eval()
    batch = torch.export.Dim(BATCH_DIM, min=1, max=65536)
    with torch.no_grad():
        program = torch.onnx.export(
            folded,
            args,
            dynamo=True,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            opset_version=opset,
            dynamic_shapes=({0: batch},),
            external_data=False,
            optimize=True,
            verbose=False,
        )
    if program is None:  # pragma: no cover - dynamo=True always returns an ONNXProgram
        raise RuntimeError("torch.onnx.export returned no program")
    program.save(str(path), external_data=False)
    onnx.checker.check_model(str(path))
    return path


# Pooling / concatenation ops kept in float with the classifier head (see _float_tail_nodes).
_TAIL_OP_TYPES = frozenset({"Concat", "ReduceSum", "ReduceMax", "ReduceMean", "Div", "Mul", "Clip", "Flatten"})


def _float_tail_nodes(graph) -> list[str]:
    """Names of the nodes left in float with ``float_head``: every Gemm/MatMul producing a graph
    output, plus — walking backwards — every pooling / concatenation / masking node whose consumers
    are all in that set. A QDQ pair on the pooled-feature Concat gives the large ReLU maxima and the
    small, signed bag-of-units means one shared int8 range, which alone roughly triples the logit
    error; the float tail costs a few thousand MACs."""
    outputs = {o.name for o in graph.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    tail: set[str] = set()
    for node in reversed(list(graph.node)):
        if node.op_type in ("Gemm", "MatMul") and any(o in outputs for o in node.output):
            tail.add(node.name)
        elif node.op_type in _TAIL_OP_TYPES:
            users = [u for o in node.output for u in consumers.get(o, [])]
            if users and all(u.name in tail for u in users):
                tail.add(node.name)
    return sorted(tail)


class _IdsReader:
    """CalibrationDataReader over ``(N, L, F)`` ids, ``batch_size`` rows at a time."""

    def __init__(self, input_name: str, ids: np.ndarray, batch_size: int, dtype: np.dtype):
        self.input_name = input_name
        self.ids = np.ascontiguousarray(ids).astype(dtype, copy=False)
        self.batch_size = batch_size
        self._iter = self._batches()

    def _batches(self) -> Iterator[dict[str, np.ndarray]]:
        for start in range(0, len(self.ids), self.batch_size):
            yield {self.input_name: self.ids[start : start + self.batch_size]}

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._iter, None)

    def rewind(self) -> None:
        self._iter = self._batches()


def quantize_onnx_int8(
    fp32_path: str | Path,
    calibration: np.ndarray,
    path: str | Path,
    *,
    activation_type: str = "QUInt8",
    per_channel: bool = True,
    batch_size: int = 1,
    float_head: bool = True,
) -> Path:
    """Static int8 QDQ model from the fp32 file at ``fp32_path``.

    onnxruntime ``quantize_static``: QDQ format, per-channel symmetric QInt8 weights, QUInt8
    (asymmetric; default) or QInt8 activations, MinMax calibration over every row of
    ``calibration`` (``batch_size`` rows per run; keep them apart from parity-check samples). The
    dynamic batch dimension, the input/output names and dtypes are those of the fp32 file.

    Quantized: every op ORT supports (Conv, Mul, Concat, reshapes, and Gather: the embedding table
    is stored as one per-tensor 8-bit tensor of the activation type, QUInt8 with a zero point by
    default, so padding row 0 still dequantizes to exact zeros). With ``float_head`` (default) the classifier
    Gemm and the pooling/concatenation feeding it stay float (:func:`_float_tail_nodes`), so logits
    keep full resolution. QUInt8 activations are the default: S8S8 was no more accurate on the
    intent models and slower in onnxruntime on x86.
    """
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    calibration = np.asarray(calibration)
    if calibration.ndim != 3 or len(calibration) == 0:
        raise ValueError(f"calibration must be non-empty (N, L, F) ids, got shape {calibration.shape}")
    act_types = {"QUInt8": QuantType.QUInt8, "QInt8": QuantType.QInt8}
    if activation_type not in act_types:
        raise ValueError(f"activation_type must be one of {sorted(act_types)}, got {activation_type!r}")
    fp32_path = Path(fp32_path)
    path = _prepare_path(path)

    graph_input = onnx.load(str(fp32_path), load_external_data=False).graph.input[0]
    elem_type = graph_input.type.tensor_type.elem_type
    dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem_type))

    class Reader(_IdsReader, CalibrationDataReader):
        pass

    reader = Reader(graph_input.name, calibration, batch_size, dtype)
    with tempfile.TemporaryDirectory(prefix="finlite-onnx-q-") as tmp:
        pre = Path(tmp) / "pre.onnx"
        # ONNX shape inference + ORT basic optimisations before inserting QDQ (recommended by ORT;
        # ORT's symbolic shape inference fails on the dynamo graph's Concat, and is not needed here).
        quant_pre_process(str(fp32_path), str(pre), skip_symbolic_shape=True)
        exclude = _float_tail_nodes(onnx.load(str(pre)).graph) if float_head else []
        quantize_static(
            str(pre),
            str(path),
            reader,
            quant_format=QuantFormat.QDQ,
            per_channel=per_channel,
            reduce_range=False,
            activation_type=act_types[activation_type],
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=exclude,
            use_external_data_format=False,
            extra_options={"WeightSymmetric": True, "ActivationSymmetric": activation_type == "QInt8"},
        )
    onnx.checker.check_model(str(path))
    return path
