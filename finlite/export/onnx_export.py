"""ONNX export (fp32, torch.onnx dynamo exporter) and onnxruntime static int8 (QDQ) quantization.

Both files: the model's inputs, each with a dynamic batch dimension — one input ``ids`` int32
``(batch, L, F)`` for intent models, ``cat`` int32 ``(batch, N, 4)``, ``num`` float32 ``(batch, N, K)``
and ``static`` float32 ``(batch, S)`` for profile models — and one output ``logits`` float32
``(batch, C)``; opset 18, weights inside the ``.onnx`` file (no external data). BatchNorm is folded
into the convolutions before export.

``sample`` / ``calibration`` arguments are one array (one input) or a tuple of arrays (several
inputs, in the model's argument order); integer arrays are passed as int32, floating ones as float32.

onnx, onnxscript and onnxruntime are imported inside the functions only.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from ..models.fold import fold_batchnorm
from ..bundle.runners import as_input_tuple, model_arrays
from ..bundle.runners import batch_size as batch_size_of  # quantize_onnx_int8 has a batch_size argument
from .input_names import check_input_names

OPSET = 18
INPUT_NAME = "ids"
OUTPUT_NAME = "logits"
BATCH_DIM = "batch"


def _prepare_path(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def export_onnx(
    model: nn.Module,
    sample: Any,
    path: str | Path,
    *,
    input_names: Sequence[str] | None = None,
    opset: int = OPSET,
) -> Path:
    """fp32 ONNX file for ``model`` (BatchNorm folded; ``model`` is not modified).

    ``sample``: one array (``(N, L, F)`` ids) or a tuple of arrays, one per model input, used for
    tracing. ``input_names`` default to the parameter names of ``model.forward`` (``("ids",)`` for
    intent models, ``("cat", "num", "static")`` for profile models). The batch dimension of every
    input is exported as the one symbolic ``batch`` (the tracing batch is made >= 2 so
    torch.export does not specialise it to 1), so one file serves batch 1 and batch N.
    """
    import onnx

    # torch.onnx warns that torchvision's detection ops cannot be registered: we use none of them
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    arrays = model_arrays(as_input_tuple(sample))
    names = check_input_names(input_names, model, len(arrays))
    n = batch_size_of(arrays)
    if n == 0 or arrays[0].ndim < 2:
        raise ValueError(f"sample must be non-empty arrays with a batch axis, got shapes {[a.shape for a in arrays]}")
    if n < 2:
        arrays = tuple(np.concatenate([a, a], axis=0) for a in arrays)
    args = tuple(torch.from_numpy(np.ascontiguousarray(a[:2])) for a in arrays)
    path = _prepare_path(path)
    folded = fold_batchnorm(model).eval()
    batch = torch.export.Dim(BATCH_DIM, min=1, max=65536)
    with torch.no_grad(), warnings.catch_warnings():
        # every input shares the one "batch" Dim; torch.onnx says so once per extra input
        warnings.filterwarnings("ignore", message=".*axis name: batch will not be used.*")
        program = torch.onnx.export(
            folded,
            args,
            dynamo=True,
            input_names=list(names),
            output_names=[OUTPUT_NAME],
            opset_version=opset,
            dynamic_shapes=tuple({0: batch} for _ in args),
            external_data=False,
            optimize=True,
            verbose=False,
        )
    if program is None:  # pragma: no cover - dynamo=True always returns an ONNXProgram
        raise RuntimeError("torch.onnx.export returned no program")
    program.save(str(path), external_data=False)
    _drop_stack_traces(path)
    onnx.checker.check_model(str(path))
    return path


STACK_TRACE = "pkg.torch.onnx.stack_trace"


def _drop_stack_traces(path: Path) -> None:
    """Remove the exporter's per-node Python stack traces: they hold the absolute paths and line
    numbers of the exporting machine's source files (private, and they change the file's bytes
    whenever finlite's code moves). The name-scope metadata int8 quantization reads stays."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    graphs = [model.graph, *(f for f in model.functions)]
    for graph in graphs:
        for node in graph.node:
            kept = [p for p in node.metadata_props if p.key != STACK_TRACE]
            if len(kept) != len(node.metadata_props):
                del node.metadata_props[:]
                node.metadata_props.extend(kept)
    onnx.save(model, str(path))


# Pooling / concatenation ops kept in float with the classifier head (see _float_tail_nodes).
_TAIL_OP_TYPES = frozenset({"Concat", "ReduceSum", "ReduceMax", "ReduceMean", "Div", "Mul", "Clip", "Flatten"})
# Ops on per-example feature vectors (rank <= 2: after the sequence pooling) kept in float too: the
# hidden layers of an MLP head (profile models: trunk Linear + ReLU, and the static-feature MLP).
_VECTOR_OP_TYPES = frozenset({"Gemm", "MatMul", "Relu", "Add"})


def _tensor_ranks(model) -> dict[str, int]:
    """Rank of every tensor ONNX shape inference can tell (graph inputs, outputs, intermediates)."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(model)
    graph = inferred.graph
    ranks = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        tensor_type = value.type.tensor_type
        if tensor_type.HasField("shape"):
            ranks[value.name] = len(tensor_type.shape.dim)
    for init in graph.initializer:
        ranks[init.name] = len(init.dims)
    return ranks


def _float_tail_nodes(graph, ranks: dict[str, int] | None = None) -> list[str]:
    """Names of the nodes left in float with ``float_head``: every Gemm/MatMul producing a graph
    output, plus — walking backwards — every node whose consumers are all in that set and that is
    either a pooling / concatenation / masking op, or (with ``ranks``) a Gemm / MatMul / Relu / Add
    on per-example vectors (rank <= 2 outputs): the hidden layers of an MLP head and the MLP of
    static features. A QDQ pair on the pooled-feature Concat gives the large ReLU maxima and the
    small, signed bag-of-units means one shared int8 range, which alone roughly triples the logit
    error; the float tail costs a few thousand MACs."""
    ranks = ranks or {}
    outputs = {o.name for o in graph.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def vector_op(node) -> bool:
        return node.op_type in _VECTOR_OP_TYPES and all(0 < ranks.get(o, 99) <= 2 for o in node.output)

    tail: set[str] = set()
    for node in reversed(list(graph.node)):
        if node.op_type in ("Gemm", "MatMul") and any(o in outputs for o in node.output):
            tail.add(node.name)
        elif node.op_type in _TAIL_OP_TYPES or vector_op(node):
            users = [u for o in node.output for u in consumers.get(o, [])]
            if users and all(u.name in tail for u in users):
                tail.add(node.name)
    return sorted(tail)


# Data movement feeding only float_modules nodes, kept float with them (see _float_module_nodes).
_FEED_OP_TYPES = frozenset({"Concat", "Transpose", "Reshape", "Unsqueeze", "Squeeze", "Identity"})


def _name_scopes(node) -> list[str]:
    """The module paths a node of a torch.onnx (dynamo) export was created in, from its metadata."""
    import ast

    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            try:
                return [str(s) for s in ast.literal_eval(prop.value)]
            except (ValueError, SyntaxError):
                return []
    return []


def _float_module_nodes(graph, modules: Sequence[str]) -> list[str]:
    """Names of the nodes created inside the submodules ``modules`` (``"stem"``, ``"blocks.0"``;
    from torch.onnx's name-scope metadata), plus — walking backwards — the concatenations /
    transposes / reshapes whose consumers are all among them."""
    wanted = tuple(modules)
    region = {
        node.name
        for node in graph.node
        if any(scope == m or scope.startswith(m + ".") for scope in _name_scopes(node) for m in wanted)
    }
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for node in reversed(list(graph.node)):
        users = [u for o in node.output for u in consumers.get(o, [])]
        if node.op_type in _FEED_OP_TYPES and users and all(u.name in region for u in users):
            region.add(node.name)
    return sorted(region)


class _InputsReader:
    """CalibrationDataReader over one array per graph input, ``batch_size`` rows at a time."""

    def __init__(self, names: Sequence[str], arrays: Sequence[np.ndarray], batch_size: int, dtypes: Sequence[np.dtype]):
        self.names = list(names)
        self.arrays = [np.ascontiguousarray(a).astype(d, copy=False) for a, d in zip(arrays, dtypes)]
        self.batch_size = batch_size
        self._iter = self._batches()

    def _batches(self) -> Iterator[dict[str, np.ndarray]]:
        for start in range(0, len(self.arrays[0]), self.batch_size):
            yield {name: a[start : start + self.batch_size] for name, a in zip(self.names, self.arrays)}

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._iter, None)

    def rewind(self) -> None:
        self._iter = self._batches()


def quantize_onnx_int8(
    fp32_path: str | Path,
    calibration: Any,
    path: str | Path,
    *,
    activation_type: str = "QUInt8",
    per_channel: bool = True,
    batch_size: int = 1,
    float_head: bool = True,
    float_modules: Sequence[str] = (),
) -> Path:
    """Static int8 QDQ model from the fp32 file at ``fp32_path``.

    onnxruntime ``quantize_static``: QDQ format, per-channel symmetric QInt8 weights, QUInt8
    (asymmetric; default) or QInt8 activations, MinMax calibration over every row of
    ``calibration`` (one array, or a tuple of arrays in the file's input order; ``batch_size`` rows per
    run; keep them apart from parity-check samples). The dynamic batch dimension, the input/output
    names and dtypes are those of the fp32 file.

    Quantized: every op ORT supports (Conv, Mul, Concat, reshapes, and Gather: the embedding table
    is stored as one per-tensor 8-bit tensor of the activation type, QUInt8 with a zero point by
    default, so padding row 0 still dequantizes to exact zeros). With ``float_head`` (default) the
    classifier Gemm, any MLP layers on pooled vectors before it and the pooling/concatenation
    feeding it stay float (:func:`_float_tail_nodes`), so logits keep full resolution. QUInt8
    activations are the default: S8S8 was no more accurate on the intent models and slower in
    onnxruntime on x86. ``float_modules``: submodule paths (``"stem"``) left in float, found by the
    name-scope metadata of the dynamo exporter, with the concatenations / transposes feeding them
    (see :func:`finlite.export.tflite_export.export_tflite_int8`).
    """
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    calibration = as_input_tuple(calibration)
    if batch_size_of(calibration) == 0:
        raise ValueError(f"calibration must be non-empty, got shapes {[a.shape for a in calibration]}")
    act_types = {"QUInt8": QuantType.QUInt8, "QInt8": QuantType.QInt8}
    if activation_type not in act_types:
        raise ValueError(f"activation_type must be one of {sorted(act_types)}, got {activation_type!r}")
    fp32_path = Path(fp32_path)
    path = _prepare_path(path)

    graph_inputs = list(onnx.load(str(fp32_path), load_external_data=False).graph.input)
    if len(graph_inputs) != len(calibration):
        raise ValueError(f"{fp32_path.name} has {len(graph_inputs)} input(s), calibration has {len(calibration)} array(s)")
    dtypes = [np.dtype(onnx.helper.tensor_dtype_to_np_dtype(g.type.tensor_type.elem_type)) for g in graph_inputs]

    class Reader(_InputsReader, CalibrationDataReader):
        pass

    reader = Reader([g.name for g in graph_inputs], calibration, batch_size, dtypes)
    with tempfile.TemporaryDirectory(prefix="finlite-onnx-q-") as tmp:
        pre = Path(tmp) / "pre.onnx"
        # ONNX shape inference + ORT basic optimisations before inserting QDQ (recommended by ORT;
        # ORT's symbolic shape inference fails on the dynamo graph's Concat, and is not needed here).
        quant_pre_process(str(fp32_path), str(pre), skip_symbolic_shape=True)
        pre_model = onnx.load(str(pre))
        exclude = _float_tail_nodes(pre_model.graph, _tensor_ranks(pre_model)) if float_head else []
        if float_modules:
            # ORT's pre-processing may drop the name-scope metadata (it does for intent models) but keeps the node
            # names: find the region in the fp32 graph then, and keep the names still present
            in_modules = _float_module_nodes(pre_model.graph, float_modules) or _float_module_nodes(
                onnx.load(str(fp32_path), load_external_data=False).graph, float_modules)
            present = {node.name for node in pre_model.graph.node}
            in_modules = [name for name in in_modules if name in present]
            if not in_modules:
                raise ValueError(f"{fp32_path.name}: no node belongs to float_modules {list(float_modules)} (no name-scope metadata?)")
            exclude = sorted(set(exclude) | set(in_modules))
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
