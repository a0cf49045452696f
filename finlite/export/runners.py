"""Run exported artifacts (.onnx, .tflite) from numpy: ``runner.run(ids) -> logits (N, C)``.

Used by parity checks, the bundle loader and benchmarks. The runtimes (onnxruntime,
ai-edge-litert) are imported when a runner is created, not when this module is imported.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _numpy_dtype(dtype) -> np.dtype:
    """numpy dtype of an ONNX Runtime type string such as ``'tensor(int32)'``."""
    if isinstance(dtype, str):
        name = dtype.removeprefix("tensor(").removesuffix(")")
        return np.dtype({"float": "float32", "double": "float64"}.get(name, name))
    return np.dtype(dtype)


class OnnxRunner:
    """onnxruntime session on CPU with ``threads`` intra-op threads (sequential execution)."""

    def __init__(self, path: str | Path, threads: int = 1):
        import onnxruntime as ort

        self.path = Path(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        inp = self.session.get_inputs()[0]
        self._input_name = inp.name
        self._input_dtype = _numpy_dtype(inp.type)
        self._output_names = [self.session.get_outputs()[0].name]
        batch = inp.shape[0] if inp.shape else None
        # A named (symbolic) or missing batch dim is dynamic; a fixed int means loop over rows.
        self._fixed_batch = batch if isinstance(batch, int) and batch > 0 else None

    def input_details(self) -> list[dict]:
        return [{"name": i.name, "dtype": _numpy_dtype(i.type), "shape": tuple(i.shape)} for i in self.session.get_inputs()]

    def output_details(self) -> list[dict]:
        return [{"name": o.name, "dtype": _numpy_dtype(o.type), "shape": tuple(o.shape)} for o in self.session.get_outputs()]

    def run(self, ids: np.ndarray) -> np.ndarray:
        ids = np.ascontiguousarray(ids, dtype=self._input_dtype)
        if self._fixed_batch is None or len(ids) == self._fixed_batch:
            return self.session.run(self._output_names, {self._input_name: ids})[0]
        step = self._fixed_batch
        if len(ids) % step:
            raise ValueError(f"batch {len(ids)} is not a multiple of the model's fixed batch {step}")
        parts = [self.session.run(self._output_names, {self._input_name: ids[i : i + step]})[0] for i in range(0, len(ids), step)]
        return np.concatenate(parts, axis=0)


class LiteRTRunner:
    """ai-edge-litert ``Interpreter`` (XNNPACK on CPU) with ``threads`` threads.

    The files from :mod:`finlite.export.tflite_export` have a fixed batch of 1: ``run`` loops over
    rows. Ids are cast to the model's input dtype (int32); int8/uint8 outputs are dequantized to
    float32 with the output's scale and zero point.
    """

    def __init__(self, path: str | Path, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        self.interpreter = Interpreter(model_path=str(self.path), num_threads=threads)
        self.interpreter.allocate_tensors()
        inp = self.interpreter.get_input_details()[0]
        out = self.interpreter.get_output_details()[0]
        self._in_index = inp["index"]
        self._in_dtype = np.dtype(inp["dtype"])
        self._in_shape = tuple(int(d) for d in inp["shape"])
        self._batch = self._in_shape[0]
        self._out_index = out["index"]
        scale, zero_point = out.get("quantization", (0.0, 0))
        self._dequant = (float(scale), int(zero_point)) if np.dtype(out["dtype"]).kind in "iu" and scale else None

    def input_details(self) -> list[dict]:
        return [
            {"name": d["name"], "dtype": np.dtype(d["dtype"]), "shape": tuple(int(x) for x in d["shape"])}
            for d in self.interpreter.get_input_details()
        ]

    def output_details(self) -> list[dict]:
        return [
            {"name": d["name"], "dtype": np.dtype(d["dtype"]), "shape": tuple(int(x) for x in d["shape"])}
            for d in self.interpreter.get_output_details()
        ]

    def _invoke(self, chunk: np.ndarray) -> np.ndarray:
        self.interpreter.set_tensor(self._in_index, chunk)
        self.interpreter.invoke()
        out = self.interpreter.get_tensor(self._out_index)
        if self._dequant is not None:
            scale, zero_point = self._dequant
            return (out.astype(np.float32) - zero_point) * scale
        return out.copy()

    def run(self, ids: np.ndarray) -> np.ndarray:
        ids = np.ascontiguousarray(ids, dtype=self._in_dtype)
        if ids.shape[1:] != self._in_shape[1:]:
            raise ValueError(f"ids shape {ids.shape[1:]} does not match the model's {self._in_shape[1:]}")
        step = self._batch
        if len(ids) % step:
            raise ValueError(f"batch {len(ids)} is not a multiple of the model's fixed batch {step}")
        if len(ids) == 0:
            out = self.interpreter.get_output_details()[0]
            return np.zeros((0, *[int(d) for d in out["shape"][1:]]), dtype=np.float32)
        return np.concatenate([self._invoke(ids[i : i + step]) for i in range(0, len(ids), step)], axis=0)


def runner_for(path: str | Path, threads: int = 1) -> OnnxRunner | LiteRTRunner:
    """A runner chosen by file extension: ``.onnx`` → :class:`OnnxRunner`, ``.tflite`` → :class:`LiteRTRunner`."""
    suffix = Path(path).suffix.lower()
    if suffix == ".onnx":
        return OnnxRunner(path, threads=threads)
    if suffix == ".tflite":
        return LiteRTRunner(path, threads=threads)
    raise ValueError(f"no runner for {suffix or 'files without extension'!r} (expected .onnx or .tflite)")
