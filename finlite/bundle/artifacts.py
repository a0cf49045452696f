"""The artifact kinds a bundle may hold. Apps and tools select an artifact by ``(format, precision)``:
the manifest's ``format`` ("tflite", "onnx", "executorch") and ``precision`` ("fp32", "int8")."""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("tflite", "onnx", "executorch")
PRECISIONS = ("fp32", "int8")


@dataclass(frozen=True)
class ArtifactKind:
    key: str  # the export --formats name
    file: str
    format: str
    precision: str


ARTIFACT_KINDS = (
    ArtifactKind("tflite", "model.tflite", "tflite", "fp32"),
    ArtifactKind("tflite-int8", "model.int8.tflite", "tflite", "int8"),
    ArtifactKind("onnx", "model.onnx", "onnx", "fp32"),
    ArtifactKind("onnx-int8", "model.int8.onnx", "onnx", "int8"),
    ArtifactKind("executorch", "model.pte", "executorch", "fp32"),  # opt-in: needs finlite[executorch]
    ArtifactKind("executorch-int8", "model.int8.pte", "executorch", "int8"),
)
DEFAULT_KINDS = ("tflite", "tflite-int8", "onnx", "onnx-int8")


def kinds_by_key(keys: tuple[str, ...]) -> list[ArtifactKind]:
    """The kinds named by ``keys``; ValueError naming the unknown ones."""
    by_key = {k.key: k for k in ARTIFACT_KINDS}
    unknown = [key for key in keys if key not in by_key]
    if unknown:
        raise ValueError(f"unknown export format(s) {unknown}; choose from {', '.join(by_key)}")
    return [by_key[key] for key in keys]
