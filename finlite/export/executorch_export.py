"""ExecuTorch export: ``.pte`` programs with the XNNPACK delegate, fp32 and static int8 (PT2E).

Both programs take the model's inputs at batch 1 (like the TFLite files: ``ids`` int32 ``(1, L, F)``
for intent models; ``cat`` / ``num`` / ``static`` for profile models) and return float32 logits
``(1, C)``. BatchNorm is folded first. Everything XNNPACK supports is delegated to it; the rest
(the embedding look-ups, masks) runs in ExecuTorch's portable kernels.

int8 recipe (:func:`export_executorch_int8`):

1. fold BatchNorm; replace every ``nn.Embedding`` with the per-row int8
   :class:`~.quantized_embedding.Int8Embedding` (the table is most of an intent model's bytes);
2. ``torch.export`` → ``prepare_pt2e`` / ``convert_pt2e`` with ExecuTorch's ``XNNPACKQuantizer`` in
   its *dynamic* configuration: per-channel int8 weights for every ``Conv1d`` / ``Linear``,
   activations quantized per inference by XNNPACK (qd8 kernels). The top-level submodules named in
   ``float_modules`` stay float (the profile bundle's ``stem``, as in the other int8 artifacts).

Why dynamic and not static activations like the TFLite / ONNX int8 files: with executorch 1.5.1 the
static PT2E program of these networks lowers, but XNNPACK refuses to initialise it
(``Failed to create convolution node …: xnn_status_invalid_parameter``), even with only the stem
quantized; small conv nets lower and run fine, so it is an interaction we did not isolate. The
dynamic program passes the same int8 parity gate (top-1 agreement ≥ 0.99).

Requires the ``executorch`` extra (``pip install 'finlite[executorch]'``); it is imported inside the
functions only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from ..errors import FinliteError
from ..models.fold import fold_batchnorm
from .quantized_embedding import quantize_embeddings
from ..bundle.runners import as_input_tuple, batch_size, model_arrays

def require_executorch() -> None:
    """Raise a one-line error when the ``executorch`` package is missing."""
    try:
        import executorch  # noqa: F401
    except ImportError:
        raise FinliteError("ExecuTorch export needs the executorch package: pip install 'finlite[executorch]'") from None


def _batch1(sample: Any) -> tuple[torch.Tensor, ...]:
    arrays = model_arrays(as_input_tuple(sample))
    if batch_size(arrays) < 1:
        raise ValueError(f"need at least one sample row, got shapes {[a.shape for a in arrays]}")
    return tuple(torch.from_numpy(np.ascontiguousarray(a[:1])) for a in arrays)


def _lower(exported: torch.export.ExportedProgram, path: str | Path) -> Path:
    """XNNPACK-partition, lower and serialise ``exported`` to ``path``."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    program = to_edge_transform_and_lower(exported, partitioner=[XnnpackPartitioner()]).to_executorch()
    path.write_bytes(program.buffer)
    return path


def quantizable_children(model: nn.Module, float_modules: Sequence[str] = ()) -> list[str]:
    """Names of ``model``'s top-level submodules that hold a ``Conv1d`` or ``Linear``, minus ``float_modules``."""
    return [
        name
        for name, child in model.named_children()
        if name not in float_modules and any(isinstance(m, (nn.Conv1d, nn.Linear)) for m in child.modules())
    ]


def _quiet() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def export_executorch(model: nn.Module, sample: Any, path: str | Path) -> Path:
    """fp32 ``.pte`` (XNNPACK delegate) of ``model`` (BatchNorm folded), traced at batch 1 on the
    first row of ``sample`` (one array or a tuple of arrays). ``model`` is not modified."""
    require_executorch()
    _quiet()
    folded = fold_batchnorm(model).eval()
    with torch.no_grad():
        exported = torch.export.export(folded, _batch1(sample))
    return _lower(exported, path)


def export_executorch_int8(model: nn.Module, sample: Any, path: str | Path, *, float_modules: Sequence[str] = ()) -> Path:
    """int8 ``.pte``: int8 embedding tables + PT2E dynamic int8 (XNNPACKQuantizer), XNNPACK delegate.

    ``sample``: one array or a tuple of arrays (its first row traces the program; dynamic
    quantization needs no calibration). ``float_modules``: top-level submodules left in float (see
    module doc). ``model`` is not modified."""
    require_executorch()
    _quiet()
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import XNNPACKQuantizer, get_symmetric_quantization_config
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    prepared_float = quantize_embeddings(fold_batchnorm(model)).eval()
    children = dict(prepared_float.named_children())
    unknown = [m for m in float_modules if m not in children]
    if unknown:
        raise ValueError(f"float_modules {unknown} are not top-level submodules of {type(model).__name__}")
    quantizer = XNNPACKQuantizer()
    config = get_symmetric_quantization_config(is_per_channel=True, is_dynamic=True)
    for name in quantizable_children(prepared_float, float_modules):
        quantizer.set_module_name(name, config)
    inputs = _batch1(sample)
    with torch.no_grad():
        prepared = prepare_pt2e(torch.export.export(prepared_float, inputs).module(), quantizer)
        prepared(*inputs)
        exported = torch.export.export(convert_pt2e(prepared), inputs)
    return _lower(exported, path)
