"""TFLite / LiteRT export with litert-torch: fp32, and static int8 (PT2E + int8 embedding table).

Both files take the model's inputs with a fixed batch of 1 (litert-torch 0.10 cannot export a
dynamic batch) — ``ids`` int32 ``(1, L, F)`` for intent models; ``cat`` int32 ``(1, N, 4)``, ``num``
float32 ``(1, N, K)`` and ``static`` float32 ``(1, S)`` for profile models — and return float32 logits
``(1, C)``. The inputs are traced as keyword arguments, so the signature's input names are the
model's input names (tensors ``serving_default_<name>``), in the model's argument order. BatchNorm is
folded into the convolutions first (fewer TRANSPOSE ops, faster). ``sample`` / ``calibration``
arguments are one array or a tuple of arrays (one per input, in the model's argument order).

int8 recipe (:func:`export_tflite_int8`):

1. fold BatchNorm; replace every ``nn.Embedding`` with :class:`~.quantized_embedding.Int8Embedding`
   (per-row int8 table: PT2E alone would leave the table — most of the file — in float32);
2. ``torch.export``, ``prepare_pt2e`` with litert-torch's ``PT2EQuantizer`` —
   symmetric, per-channel int8 weights, static int8 activations observed with **min/max** observers
   (litert-torch's default histogram observer clips ranges: ~5x larger logit error in tests;
   ai-edge-quantizer's moving averages on batch-1 samples do the same);
3. run every calibration sample through the prepared model (exported with a dynamic batch for
   this step, ``CALIBRATION_BATCH`` rows per call: min/max ranges are the same as row by row);
4. ``convert_pt2e`` and ``litert_torch.convert(..., quant_config=QuantConfig(pt2e_quantizer=...))``
   at batch 1.

Some parts deliberately stay float (they cost almost nothing):

* the first op on a float model input (profile models: the projection of ``num``): the converter
  folds a quantize right after an input into the input, which would make the file's input int8;
* the submodules named in ``float_modules`` and the concatenation / transposes feeding them (the
  profile bundle keeps the ``stem`` float: its input concatenates embeddings, typically |v| ~0.2,
  with a numeric projection up to ~±3.5; one shared int8 range (step ~0.03) leaves a typical
  embedding value a handful of levels — the largest single error source of the int8 profile
  model, ~25% of its mean logit error);
* the ``Int8Embedding`` output (re-quantizing it per tensor would throw away the per-row scales:
  ~30x larger logit error in tests);
* with ``float_head=True`` (default), everything after the sequence pooling: the linear layer
  producing the output, the linear / ReLU layers on per-example vectors before it (the profile
  models' trunk and static-feature MLP) and the pooling / concatenation feeding them, so logits
  come out as float32 at full resolution — the same output contract as the fp32 file — and the
  pooled features are not squeezed into one shared int8 range
  (litert-torch's ``cat`` annotation, and the TFLite converter's propagation through
  CONCATENATION, give the small signed bag-of-units means the range of the large ReLU maxima:
  ~10x larger logit error). The head and pooling are ~1% of the MACs.

litert-torch, torchao and ai-edge-litert are imported inside the functions only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from ..models.fold import fold_batchnorm
from .quantized_embedding import Int8Embedding, quantize_embeddings
from ..bundle.runners import as_input_tuple, batch_size, model_arrays
from .input_names import check_input_names


def _quiet_converter() -> None:
    """Keep litert-torch's progress lines and the converter's C++ info logs out of our output
    (set LITERT_TORCH_SHOW_PROGRESS=y or TF_CPP_MIN_LOG_LEVEL=0 to see them)."""
    os.environ.setdefault("LITERT_TORCH_SHOW_PROGRESS", "n")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GLOG_minloglevel", "2")


def _sample_kwargs(model: nn.Module, sample: Any, input_names: Sequence[str] | None, row: int = 0) -> dict[str, torch.Tensor]:
    """Row ``row`` of every input (batch 1) as named tensors: integers int32, floats float32."""
    arrays = model_arrays(as_input_tuple(sample))
    names = check_input_names(input_names, model, len(arrays))
    if batch_size(arrays) < 1:
        raise ValueError(f"need at least one sample row, got shapes {[a.shape for a in arrays]}")
    return {name: torch.from_numpy(np.ascontiguousarray(a[row : row + 1])) for name, a in zip(names, arrays)}


def _prepare_path(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def export_tflite(model: nn.Module, sample: Any, path: str | Path, *, input_names: Sequence[str] | None = None) -> Path:
    """fp32 TFLite file for ``model`` (BatchNorm folded), traced at batch 1 on the first row of
    ``sample`` (one array or a tuple of arrays). ``input_names`` default to the parameter names of
    ``model.forward``. ``model`` is not modified. Inputs: batch 1 (int32 ids ``(1, L, F)`` for
    intent models); output: float32 logits ``(1, C)``.
    """
    _quiet_converter()
    import litert_torch

    path = _prepare_path(path)
    folded = fold_batchnorm(model).eval()
    kwargs = _sample_kwargs(folded, sample, input_names)
    with torch.no_grad():
        edge = litert_torch.convert(folded, sample_kwargs=kwargs)
    edge.export(str(path))
    return path


def _qualified(tp: type) -> str:
    return f"{tp.__module__}.{tp.__qualname__}"


def _node_in_modules(type_names: set[str]) -> Callable[[torch.fx.Node], bool]:
    """True for an FX node created inside a module whose type is one of ``type_names``.

    torch.export records module types in ``nn_module_stack`` as qualified-name strings (torch 2.13);
    litert-torch's own ``set_module_type``/``set_module_name`` filters compare classes / mangled
    names and silently match nothing there, so this filter handles both forms.
    """

    def inside(node: torch.fx.Node) -> bool:
        for _path, tp in node.meta.get("nn_module_stack", {}).values():
            name = tp if isinstance(tp, str) else _qualified(tp)
            if name in type_names:
                return True
        return False

    return inside


def check_module_paths(model: nn.Module, paths: Sequence[str]) -> None:
    """A ValueError naming every path of ``paths`` that is not a submodule of ``model``, and the model's own
    (to two levels: ``stem``, ``blocks.1``)."""
    names = {name for name, _ in model.named_modules() if name}
    unknown = [p for p in paths if p not in names]
    if unknown:
        raise ValueError(f"{', '.join(unknown)} not a submodule of {type(model).__name__}; its submodules: "
                         f"{', '.join(sorted(n for n in names if n.count('.') <= 1))}")


def _node_in_module_paths(paths: Sequence[str]) -> Callable[[torch.fx.Node], bool]:
    """True for an FX node created inside one of the submodules named ``paths`` (attribute paths such
    as ``"stem"`` or ``"blocks.0"``, as in ``model.named_modules()``)."""
    wanted = tuple(paths)

    def inside(node: torch.fx.Node) -> bool:
        for path, _tp in node.meta.get("nn_module_stack", {}).values():
            path = str(path).removeprefix("L['self'].")
            if any(path == m or path.startswith(m + ".") for m in wanted):
                return True
        return False

    return inside


def int8_quantization_config(act_observer: str = "minmax"):
    """litert-torch ``QuantizationConfig``: symmetric per-channel int8 weights (min/max, [-127, 127]),
    static per-tensor affine int8 activations observed with ``act_observer`` ("minmax" or
    "histogram", litert-torch's default)."""
    from litert_torch.quantize import pt2e_quantizer as pq
    from litert_torch.quantize.pt2e_quantizer_utils import QuantizationConfig
    from torchao.quantization.pt2e.observer import HistogramObserver, MinMaxObserver
    from torchao.quantization.pt2e.quantizer import QuantizationSpec

    base = pq.get_symmetric_quantization_config(is_per_channel=True, is_qat=False, is_dynamic=False)
    observers = {"minmax": MinMaxObserver, "histogram": HistogramObserver}
    if act_observer not in observers:
        raise ValueError(f"act_observer must be one of {sorted(observers)}, got {act_observer!r}")
    act = QuantizationSpec(
        dtype=torch.int8,
        quant_min=-128,
        quant_max=127,
        qscheme=torch.per_tensor_affine,
        is_dynamic=False,
        observer_or_fake_quant_ctr=observers[act_observer].with_args(eps=2**-12),
    )
    return QuantizationConfig(act, act, base.weight, base.bias, base.fixed_qparams, False, False)


CALIBRATION_BATCH = 64

# Pooling / concatenation ops that stay float when every user of theirs is float (see _skipped_nodes).
_FLOAT_TAIL_OPS = frozenset(
    {
        "aten.cat.default",
        "aten.dropout.default",
        "aten.clone.default",
        "aten.amax.default",
        "aten.max.dim",
        "aten.sum.dim_IntList",
        "aten.mean.dim",
        "aten.div.Tensor",
        "aten.clamp.default",
        "aten.mul.Tensor",
        "aten.flatten.using_ints",
    }
)
# Data movement between the model inputs and a float module, kept float with it (see _skipped_nodes).
_FLOAT_FEED_OPS = frozenset(
    {
        "aten.cat.default",
        "aten.transpose.int",
        "aten.permute.default",
        "aten.view.default",
        "aten.reshape.default",
        "aten.unsqueeze.default",
        "aten.clone.default",
    }
)
# Layers on per-example vectors (rank <= 2 outputs: after the sequence pooling) that stay float with
# a float head when every user is float: the output layer, MLP hidden layers, the static-feature MLP.
_FLOAT_VECTOR_OPS = frozenset(
    {
        "aten.linear.default",
        "aten.addmm.default",
        "aten.mm.default",
        "aten.matmul.default",
        "aten.relu.default",
        "aten.relu_.default",
        "aten.add.Tensor",
    }
)


def _is_float(node: torch.fx.Node) -> bool:
    value = node.meta.get("val")
    return isinstance(value, torch.Tensor) and value.dtype.is_floating_point


def _rank(node: torch.fx.Node) -> int | None:
    value = node.meta.get("val")
    return value.dim() if isinstance(value, torch.Tensor) else None


def _skipped_nodes(
    graph: torch.fx.Graph,
    skip: Callable[[torch.fx.Node], bool],
    float_head: bool = False,
    float_module: Callable[[torch.fx.Node], bool] | None = None,
) -> set[torch.fx.Node]:
    """Nodes left in float: those ``skip`` selects, the ops reading a float model input (so every
    input keeps its float32 dtype, as in the fp32 file), the ops of ``float_module`` together with
    the concatenations / transposes / reshapes feeding only them (``_FLOAT_FEED_OPS``), plus —
    walking backwards — every node whose users are all left in float and that is a pooling /
    concatenation / masking op (``_FLOAT_TAIL_OPS``) or, with ``float_head``, a linear / ReLU / add on
    per-example vectors (``_FLOAT_VECTOR_OPS``, rank <= 2 outputs). With ``float_head`` the graph
    output counts as float, so the walk starts at the layer producing the logits.

    With a float head this keeps the pooled-feature ``cat`` and the poolings feeding it in float.
    Otherwise litert-torch's ``cat`` annotation makes every input share the first input's int8
    range, and the TFLite converter propagates the int8 ``REDUCE_MAX`` through the concatenation
    even when only the ``cat`` is left unannotated: the small, signed bag-of-units features next to
    the large ReLU maxima are then crushed to a few levels (logit errors of ~10% of their range).
    """
    nodes = list(graph.nodes)
    skipped = {n for n in nodes if n.op == "call_function" and skip(n)}
    # Ops reading a float model input stay float: an int8 quantize right after a float input is folded
    # into the input by the TFLite converter, which would change the file's input dtype to int8.
    float_inputs = {n for n in nodes if n.op == "placeholder" and _is_float(n)}
    skipped |= {n for n in nodes if n.op == "call_function" and any(a in float_inputs for a in n.all_input_nodes)}
    if float_module is not None:
        region = {n for n in nodes if n.op == "call_function" and float_module(n)}
        for node in reversed(nodes):
            if node.op == "call_function" and str(node.target) in _FLOAT_FEED_OPS and node.users and all(u in region for u in node.users):
                region.add(node)
        skipped |= region
    if float_head:
        skipped |= {n for n in nodes if n.op == "output"}
    for node in reversed(nodes):
        if node.op != "call_function" or not node.users or not all(user in skipped for user in node.users):
            continue
        target = str(node.target)
        rank = _rank(node)
        if target in _FLOAT_TAIL_OPS or (float_head and target in _FLOAT_VECTOR_OPS and rank is not None and rank <= 2):
            skipped.add(node)
    return skipped


def _make_quantizer(config, skip: Callable[[torch.fx.Node], bool], float_head: bool, float_module: Callable[[torch.fx.Node], bool] | None = None):
    from litert_torch.quantize.pt2e_quantizer import PT2EQuantizer
    from litert_torch.quantize.pt2e_quantizer_utils import propagate_annotation

    class _SkippingPT2EQuantizer(PT2EQuantizer):
        """Static PT2E quantizer that leaves ``_skipped_nodes(graph, skip, float_head, float_module)`` in float."""

        def annotate(self, model: torch.fx.GraphModule) -> torch.fx.GraphModule:
            skipped = _skipped_nodes(model.graph, skip, float_head, float_module)
            self._annotate_all_static_patterns(model, self.global_config, lambda n: n not in skipped)
            propagate_annotation(model)
            return model

    return _SkippingPT2EQuantizer().set_global(config)


def export_tflite_int8(
    model: nn.Module,
    calibration: Any,
    path: str | Path,
    *,
    input_names: Sequence[str] | None = None,
    per_row_embedding: bool = True,
    float_head: bool = True,
    float_modules: Sequence[str] = (),
    act_observer: str = "minmax",
) -> Path:
    """Static int8 TFLite file: int8 embedding tables + PT2E per-channel int8 (see module doc).

    ``calibration``: one array (``(N, L, F)`` ids) or a tuple of arrays (one per model input); all N
    rows are run through the observers, ``CALIBRATION_BATCH`` at a time (use real, representative
    inputs; keep them apart from the parity-check samples). The file's inputs have batch 1 and the
    fp32 file's dtypes (int32 ``(1, L, F)`` ids for intent models); its output is float32 logits
    ``(1, C)`` (int8 with ``float_head=False``).
    ``input_names`` default to the parameter names of ``model.forward``. ``float_modules``: submodule
    paths (``"stem"``) left in float, with the concatenation / transposes feeding them (profile
    models: the stem mixes embeddings and the numeric projection, whose ranges differ many times —
    one int8 range for both crushes the embeddings). ``model`` is not modified.
    """
    _quiet_converter()
    import litert_torch
    from litert_torch.quantize.quant_config import QuantConfig
    from torchao.quantization.pt2e import move_exported_model_to_eval
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    arrays = model_arrays(as_input_tuple(calibration))
    if batch_size(arrays) == 0:
        raise ValueError(f"calibration must be non-empty, got shapes {[a.shape for a in arrays]}")
    names = check_input_names(input_names, model, len(arrays))
    path = _prepare_path(path)
    prepared_float = quantize_embeddings(fold_batchnorm(model), per_row=per_row_embedding).eval()
    kwargs = _sample_kwargs(prepared_float, arrays, names)

    check_module_paths(model, float_modules)
    quantizer = _make_quantizer(
        int8_quantization_config(act_observer),
        _node_in_modules({_qualified(Int8Embedding)}),
        float_head,
        _node_in_module_paths(float_modules) if float_modules else None,
    )
    # Calibrate a graph with a dynamic batch, CALIBRATION_BATCH rows per call (min/max observers see
    # the same values as row by row, ~20x faster); the converter then traces it at batch 1.
    batch = torch.export.Dim("batch", min=1, max=65536)
    rows = [np.concatenate([a, a], axis=0) if len(a) < 2 else a for a in arrays]
    trace = {name: torch.from_numpy(np.ascontiguousarray(a[:2])) for name, a in zip(names, rows)}
    graph = torch.export.export(prepared_float, (), kwargs=trace, dynamic_shapes={name: {0: batch} for name in names}).module()
    prepared = move_exported_model_to_eval(prepare_pt2e(graph, quantizer))
    with torch.no_grad():
        for i in range(0, len(arrays[0]), CALIBRATION_BATCH):
            prepared(**{name: torch.from_numpy(a[i : i + CALIBRATION_BATCH]) for name, a in zip(names, arrays)})
    converted = move_exported_model_to_eval(convert_pt2e(prepared, fold_quantize=False))
    for module in converted.modules():  # the graph is already in eval form; silence litert's warning
        module.training = False
    edge = litert_torch.convert(converted, sample_kwargs=kwargs, quant_config=QuantConfig(pt2e_quantizer=quantizer))
    edge.export(str(path))
    return path
