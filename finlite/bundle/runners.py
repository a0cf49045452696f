"""Run exported artifacts (.onnx, .tflite, .pte) from numpy: ``runner.run(*inputs) -> logits (N, C)``.

One API for every task: the model's inputs are passed positionally, in the model's argument order
(``run(ids)`` for intent models, ``run(cat, num, static)`` for profile models); every array has the
batch on axis 0 and all batch sizes must agree. Arrays are cast to each input's dtype.
``input_names`` gives the names in that order. :func:`as_input_tuple` turns "one array or a tuple of
arrays" (the exporters' ``sample`` / ``calibration`` arguments) into a tuple.

Used by parity checks, the bundle loader and benchmarks. The runtimes (onnxruntime,
ai-edge-litert, executorch) are imported when a runner is created, not when this module is imported.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np


def as_input_tuple(inputs: Any) -> tuple[np.ndarray, ...]:
    """``inputs`` as a tuple of arrays: a tuple is several model inputs, an object with ``as_tuple()``
    (e.g. :class:`~finlite.data.profile_features.ProfileInputs`) gives its tuple, anything else is one
    input."""
    if hasattr(inputs, "as_tuple"):
        inputs = inputs.as_tuple()
    if isinstance(inputs, tuple):
        if not inputs:
            raise ValueError("need at least one input array")
        return tuple(np.asarray(a) for a in inputs)
    return (np.asarray(inputs),)


def batch_size(inputs: Sequence[np.ndarray]) -> int:
    """The common batch size (axis 0) of ``inputs``; ValueError when they disagree."""
    sizes = {int(np.shape(a)[0]) if np.ndim(a) else -1 for a in inputs}
    if len(sizes) != 1 or -1 in sizes:
        raise ValueError(f"every input needs the same batch size on axis 0, got shapes {[np.shape(a) for a in inputs]}")
    return sizes.pop()


def model_arrays(inputs: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Contiguous arrays of the dtypes the models take: integers → int32, floats → float32."""
    out = []
    for a in inputs:
        a = np.asarray(a)
        if a.dtype.kind in "iub":
            out.append(np.ascontiguousarray(a, dtype=np.int32))
        elif a.dtype.kind == "f":
            out.append(np.ascontiguousarray(a, dtype=np.float32))
        else:
            raise ValueError(f"inputs must be integer or floating arrays, got dtype {a.dtype}")
    return tuple(out)


def _numpy_dtype(dtype) -> np.dtype:
    """numpy dtype of an ONNX Runtime type string such as ``'tensor(int32)'``."""
    if isinstance(dtype, str):
        name = dtype.removeprefix("tensor(").removesuffix(")")
        return np.dtype({"float": "float32", "double": "float64"}.get(name, name))
    return np.dtype(dtype)


def _check_count(inputs: tuple, names: list[str]) -> None:
    if len(inputs) != len(names):
        raise ValueError(f"the model takes {len(names)} input(s) ({', '.join(names)}), got {len(inputs)}")


class OnnxRunner:
    """onnxruntime session on CPU with ``threads`` intra-op threads (sequential execution).
    ``spinning=False`` stops idle intra-op threads from busy-waiting (benchmarks that interleave
    runtimes on few cores)."""

    def __init__(self, path: str | Path, threads: int = 1, spinning: bool = True):
        import onnxruntime as ort

        self.path = Path(path)
        options = ort.SessionOptions()
        if not spinning:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        graph_inputs = self.session.get_inputs()
        self.input_names = [i.name for i in graph_inputs]
        self._input_dtypes = [_numpy_dtype(i.type) for i in graph_inputs]
        self._output_names = [self.session.get_outputs()[0].name]
        batch = graph_inputs[0].shape[0] if graph_inputs[0].shape else None
        # A named (symbolic) or missing batch dim is dynamic; a fixed int means loop over rows.
        self._fixed_batch = batch if isinstance(batch, int) and batch > 0 else None

    def input_details(self) -> list[dict]:
        return [{"name": i.name, "dtype": _numpy_dtype(i.type), "shape": tuple(i.shape)} for i in self.session.get_inputs()]

    def output_details(self) -> list[dict]:
        return [{"name": o.name, "dtype": _numpy_dtype(o.type), "shape": tuple(o.shape)} for o in self.session.get_outputs()]

    def _feed(self, arrays: tuple[np.ndarray, ...], rows=slice(None)) -> dict[str, np.ndarray]:
        return {name: a[rows] for name, a in zip(self.input_names, arrays)}

    def run(self, *inputs: np.ndarray) -> np.ndarray:
        """Outputs ``(N, C)`` for inputs in the model's order (see the module doc)."""
        _check_count(inputs, self.input_names)
        arrays = tuple(np.ascontiguousarray(a, dtype=d) for a, d in zip(inputs, self._input_dtypes))
        n = batch_size(arrays)
        if self._fixed_batch is None or n == self._fixed_batch:
            return self.session.run(self._output_names, self._feed(arrays))[0]
        step = self._fixed_batch
        if n % step:
            raise ValueError(f"batch {n} is not a multiple of the model's fixed batch {step}")
        parts = [self.session.run(self._output_names, self._feed(arrays, slice(i, i + step)))[0] for i in range(0, n, step)]
        return np.concatenate(parts, axis=0)


class LiteRTRunner:
    """ai-edge-litert ``Interpreter`` (XNNPACK on CPU) with ``threads`` threads.

    The files from :mod:`finlite.export.tflite_export` have a fixed batch of 1: ``run`` loops over
    rows. Inputs are matched to the subgraph inputs in order (litert-torch keeps the model's
    argument order) and cast to their dtypes (float arrays for a quantized int8/uint8 input are
    quantized with its scale and zero point); int8/uint8 outputs are dequantized to float32 with the
    output's scale and zero point.
    """

    def __init__(self, path: str | Path, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        self.interpreter = Interpreter(model_path=str(self.path), num_threads=threads)
        self.interpreter.allocate_tensors()
        details = self.interpreter.get_input_details()
        out = self.interpreter.get_output_details()[0]
        self.input_names = [_signature_name(d["name"]) for d in details]
        self._inputs = [(d["index"], np.dtype(d["dtype"]), tuple(int(x) for x in d["shape"])) for d in details]
        # Quantized (int8/uint8 with a scale) inputs: float arrays are quantized with scale and zero point.
        self._quant_in = [
            (float(d["quantization"][0]), int(d["quantization"][1]))
            if np.dtype(d["dtype"]).kind in "iu" and d.get("quantization", (0.0, 0))[0]
            else None
            for d in details
        ]
        self._batch = self._inputs[0][2][0]
        self._out_index = out["index"]
        self._out_shape = tuple(int(d) for d in out["shape"])
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

    def _invoke(self, arrays: tuple[np.ndarray, ...], rows: slice) -> np.ndarray:
        for (index, _, _), a in zip(self._inputs, arrays):
            self.interpreter.set_tensor(index, a[rows])
        self.interpreter.invoke()
        out = self.interpreter.get_tensor(self._out_index)
        if self._dequant is not None:
            scale, zero_point = self._dequant
            return (out.astype(np.float32) - zero_point) * scale
        return out.copy()

    def run(self, *inputs: np.ndarray) -> np.ndarray:
        """Outputs ``(N, C)`` for inputs in the model's order (see the module doc)."""
        _check_count(inputs, self.input_names)
        arrays = []
        for name, (_, dtype, shape), quant, a in zip(self.input_names, self._inputs, self._quant_in, inputs):
            a = np.asarray(a)
            if quant is not None and a.dtype.kind == "f":
                info = np.iinfo(dtype)
                a = np.clip(np.round(a / quant[0]) + quant[1], info.min, info.max)
            a = np.ascontiguousarray(a, dtype=dtype)
            if a.shape[1:] != shape[1:]:
                raise ValueError(f"input {name!r}: shape {a.shape[1:]} does not match the model's {shape[1:]}")
            arrays.append(a)
        n = batch_size(arrays)
        step = self._batch
        if n % step:
            raise ValueError(f"batch {n} is not a multiple of the model's fixed batch {step}")
        if n == 0:
            return np.zeros((0, *self._out_shape[1:]), dtype=np.float32)
        return np.concatenate([self._invoke(tuple(arrays), slice(i, i + step)) for i in range(0, n, step)], axis=0)


# ExecuTorch ScalarType codes → numpy dtypes (the ones a finlite model can take or return).
_ET_DTYPES = {0: np.uint8, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.int64, 6: np.float32, 7: np.float64, 11: np.bool_}


@contextlib.contextmanager
def _native_stderr_silenced():
    """Silence file descriptor 2 (ExecuTorch's C++ runtime logs every thread-pool reset there)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def set_executorch_threads(threads: int) -> None:
    """Size ExecuTorch's (process-wide) XNNPACK thread pool, when it differs."""
    from executorch.extension.pybindings import portable_lib

    if portable_lib._threadpool_get_thread_count() != threads:
        with _native_stderr_silenced():
            portable_lib._unsafe_reset_threadpool(threads)


class ExecuTorchRunner:
    """ExecuTorch ``.pte`` program (method ``forward``) with ``threads`` threads in XNNPACK's pool.

    The thread pool is process-wide: :meth:`run` resizes it to this runner's ``threads`` when another
    runner changed it. The files from :mod:`finlite.export.executorch_export` have a fixed batch of 1:
    ``run`` loops over rows, like :class:`LiteRTRunner`.
    """

    def __init__(self, path: str | Path, threads: int = 1):
        import torch
        from executorch.runtime import Runtime

        self.path = Path(path)
        self.threads = threads
        self._torch = torch
        set_executorch_threads(threads)
        with _native_stderr_silenced():
            self.program = Runtime.get().load_program(str(self.path))
            self.method = self.program.load_method("forward")
        meta = self.method.metadata
        self._in = [meta.input_tensor_meta(i) for i in range(meta.num_inputs())]
        self._out = [meta.output_tensor_meta(i) for i in range(meta.num_outputs())]
        self.input_names = [f"input_{i}" for i in range(len(self._in))]  # a .pte keeps no input names
        self._inputs = [(np.dtype(_ET_DTYPES[m.dtype()]), tuple(int(x) for x in m.sizes())) for m in self._in]
        self._batch = self._inputs[0][1][0]

    def _describe(self, metas: list, prefix: str) -> list[dict]:
        return [{"name": f"{prefix}_{i}", "dtype": np.dtype(_ET_DTYPES[m.dtype()]), "shape": tuple(int(x) for x in m.sizes())} for i, m in enumerate(metas)]

    def input_details(self) -> list[dict]:
        return self._describe(self._in, "input")

    def output_details(self) -> list[dict]:
        return self._describe(self._out, "output")

    def call(self, *tensors) -> np.ndarray:
        """One ``forward`` on torch tensors of the program's shapes (no checks: for timing loops)."""
        return self.method.execute(list(tensors))[0].numpy()

    def run(self, *inputs: np.ndarray) -> np.ndarray:
        """Outputs ``(N, C)`` for inputs in the model's order (see the module doc)."""
        _check_count(inputs, self.input_names)
        set_executorch_threads(self.threads)
        arrays = [np.ascontiguousarray(a, dtype=dtype) for (dtype, _), a in zip(self._inputs, inputs)]
        for name, (_, shape), a in zip(self.input_names, self._inputs, arrays):
            if a.shape[1:] != shape[1:]:
                raise ValueError(f"input {name!r}: shape {a.shape[1:]} does not match the program's {shape[1:]}")
        n, step = batch_size(arrays), self._batch
        if n % step:
            raise ValueError(f"batch {n} is not a multiple of the program's fixed batch {step}")
        tensors = [self._torch.from_numpy(a) for a in arrays]
        if n == 0:
            return np.zeros((0, *self._out[0].sizes()[1:]), dtype=np.float32)
        return np.concatenate([self.call(*(t[i : i + step] for t in tensors)) for i in range(0, n, step)], axis=0)


def _signature_name(tensor_name: str) -> str:
    """``serving_default_cat:0`` → ``cat`` (litert-torch names inputs after the traced kwargs)."""
    name = tensor_name.split(":")[0]
    return name.removeprefix("serving_default_")


def runner_for(path: str | Path, threads: int = 1) -> OnnxRunner | LiteRTRunner | ExecuTorchRunner:
    """A runner chosen by file extension: ``.onnx`` → :class:`OnnxRunner`, ``.tflite`` →
    :class:`LiteRTRunner`, ``.pte`` → :class:`ExecuTorchRunner`."""
    suffix = Path(path).suffix.lower()
    if suffix == ".onnx":
        return OnnxRunner(path, threads=threads)
    if suffix == ".tflite":
        return LiteRTRunner(path, threads=threads)
    if suffix == ".pte":
        return ExecuTorchRunner(path, threads=threads)
    raise ValueError(f"no runner for {suffix or 'files without extension'!r} (expected .onnx, .tflite or .pte)")
