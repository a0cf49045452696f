"""Export models to ONNX (fp32, QDQ int8) and TFLite/LiteRT (fp32, PT2E int8) and check the
artifacts' parity with PyTorch (the runners that execute them are :mod:`finlite.bundle.runners`).

Names are resolved lazily: importing :mod:`finlite.export` imports neither onnx, onnxruntime,
litert-torch, ai-edge-litert nor ``torch.onnx``; each exporter imports its toolchain when called.

* :func:`export_onnx`, :func:`quantize_onnx_int8` — :mod:`.onnx_export`
* :func:`export_tflite`, :func:`export_tflite_int8` — :mod:`.tflite_export`
* :class:`Int8Embedding`, :func:`quantize_embeddings` — :mod:`.quantized_embedding`
* :class:`ParityResult`, :func:`check_parity`, :data:`FP32_TOLERANCE`, :data:`INT8_TOLERANCE` — :mod:`.parity`
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "export_onnx": "onnx_export",
    "quantize_onnx_int8": "onnx_export",
    "export_tflite": "tflite_export",
    "export_tflite_int8": "tflite_export",
    "Int8Embedding": "quantized_embedding",
    "quantize_embeddings": "quantized_embedding",
    "ParityResult": "parity",
    "check_parity": "parity",
    "reference_logits": "parity",
    "FP32_TOLERANCE": "parity",
    "INT8_TOLERANCE": "parity",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from .onnx_export import export_onnx, quantize_onnx_int8
    from .parity import FP32_TOLERANCE, INT8_TOLERANCE, ParityResult, check_parity, reference_logits
    from .quantized_embedding import Int8Embedding, quantize_embeddings
    from .tflite_export import export_tflite, export_tflite_int8


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
