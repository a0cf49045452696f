"""One loaded model on one runtime at one thread count, ready for timed batch-1 calls.

A :class:`Session` is created by a *loader* (what runs at ``init``): the load / allocate time, the
first call, the warm-up and the memory they added are recorded; :meth:`Session.time` then times a
chunk of calls. In-process runtimes — PyTorch eager, onnxruntime, ai-edge-litert (LiteRT) — share
:class:`InProcessSession`; tflite-runtime (its own venv) and ExecuTorch (one process per thread
count: its thread pool is process-wide) run in worker processes (:class:`WorkerSession`).

The timed call is the runtime's own minimal loop on inputs prepared once (no per-call numpy casts):
``session.run`` (onnxruntime), ``set_tensor``/``invoke``/``get_tensor`` (both TFLite interpreters,
the same function :func:`~finlite.bench.worker.interpreter_call`), ``Method.execute``
(ExecuTorch), ``model(*tensors)`` under ``torch.inference_mode`` (PyTorch).

Idle threads must not busy-wait while another runtime's chunk runs (they would steal its cores):
onnxruntime sessions are made with spinning off, and :func:`quiet_thread_pools` (called before
torch is imported) sets ``OMP_WAIT_POLICY=PASSIVE`` for PyTorch's OpenMP pool. XNNPACK's pools
(LiteRT, tflite-runtime, ExecuTorch) spin only briefly before sleeping.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from .latency import time_calls
from .worker import interpreter_call, rss_mb

Call = Callable[[], Any]


def quiet_thread_pools() -> None:
    """Passive OpenMP waiting (must run before torch is imported to take effect)."""
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class Session(Protocol):
    init_ms: float
    first_ms: float
    mem_mb: float

    def time(self, n: int) -> np.ndarray: ...

    def close(self) -> None: ...


@dataclass
class InProcessSession:
    """A call made by ``load()`` in this process; ``before_chunk`` (e.g. set the thread count) runs
    before every timed chunk, untimed."""

    call: Call
    before_chunk: Callable[[], None] | None
    init_ms: float
    first_ms: float
    mem_mb: float
    keep: Any = None  # objects the call needs alive

    @classmethod
    def start(cls, load: Callable[[], tuple[Call, Callable[[], None] | None, Any]], warmup: int) -> "InProcessSession":
        before = rss_mb()
        start = time.perf_counter()
        call, before_chunk, keep = load()
        init_ms = (time.perf_counter() - start) * 1e3
        if before_chunk is not None:
            before_chunk()
        start = time.perf_counter()
        call()
        first_ms = (time.perf_counter() - start) * 1e3
        peak = rss_mb()
        for _ in range(warmup):
            call()
        peak = max(peak, rss_mb())
        return cls(call, before_chunk, init_ms, first_ms, max(0.0, peak - before), keep)

    def time(self, n: int) -> np.ndarray:
        if self.before_chunk is not None:
            self.before_chunk()
        return time_calls(self.call, n)

    def close(self) -> None:
        self.keep = self.call = None


def onnxruntime_loader(path: Path, inputs: Sequence[np.ndarray], threads: int):
    """Loader for an onnxruntime session (CPU, ``threads`` intra-op threads)."""

    def load():
        from ..bundle.runners import OnnxRunner

        runner = OnnxRunner(path, threads=threads, spinning=False)
        details = runner.input_details()
        feed = {d["name"]: np.ascontiguousarray(a, dtype=d["dtype"]) for d, a in zip(details, inputs)}
        outputs = [runner.session.get_outputs()[0].name]
        session = runner.session
        return (lambda: session.run(outputs, feed)), None, runner

    return load


def litert_loader(path: Path, inputs: Sequence[np.ndarray], threads: int):
    """Loader for an ai-edge-litert ``Interpreter`` (XNNPACK)."""

    def load():
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=str(path), num_threads=threads)
        interpreter.allocate_tensors()
        return interpreter_call(interpreter, inputs), None, interpreter

    return load


def pytorch_loader(build: Callable[[], Any], inputs: Sequence[np.ndarray], threads: int):
    """Loader for a PyTorch eager model from ``build()`` (eval mode, ``torch.inference_mode``)."""

    def load():
        import torch

        from ..bundle.runners import model_arrays

        model = build().eval()
        tensors = [torch.from_numpy(a) for a in model_arrays(tuple(inputs))]

        def call():
            with torch.inference_mode():
                return model(*tensors)

        return call, (lambda: torch.set_num_threads(threads)), model

    return load


class WorkerSession:
    """A model loaded in a :mod:`~finlite.bench.worker` process (timed inside the worker; TFLite
    files with the same loop as LiteRT)."""

    _next_id = 0

    def __init__(self, worker, path: Path, inputs: Sequence[np.ndarray], threads: int, warmup: int):
        WorkerSession._next_id += 1
        self.worker, self.id = worker, WorkerSession._next_id
        payload = [{"data": np.asarray(a).ravel().tolist(), "dtype": str(np.asarray(a).dtype), "shape": list(np.shape(a))} for a in inputs]
        reply = worker.request({"op": "load", "id": self.id, "path": str(Path(path).resolve()), "threads": threads, "inputs": payload, "warmup": warmup})
        self.init_ms, self.first_ms, self.mem_mb = reply["init_ms"], reply["first_ms"], max(0.0, reply["mem_mb"])

    def time(self, n: int) -> np.ndarray:
        return np.asarray(self.worker.request({"op": "time", "id": self.id, "n": n})["times_ms"])

    def close(self) -> None:
        pass
