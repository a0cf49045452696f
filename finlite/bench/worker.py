"""Benchmark worker process, speaking JSON lines on stdin / stdout: models that cannot be timed in
the main process.

* tflite-runtime 2.14 needs numpy<2: ``finlite bench`` starts this file with the small
  tflite-runtime venv's interpreter (:mod:`finlite.bench.tflite_venv`);
* ExecuTorch's XNNPACK thread pool is process-wide and cannot be resized once programs are loaded
  (resizing it between chunks deadlocks ``Method.execute``): one worker per thread count, started
  with this Python and ``--executorch-threads N``.

It imports nothing from finlite. :func:`interpreter_call` and :func:`rss_mb` are also used
in-process by the LiteRT runtime, so both TFLite interpreters are timed with the same loop.

Protocol: one JSON object per line in, one per line out (``{"ok": false, "error": …}`` on failure).

* ``{"op": "hello"}`` → ``{"ok": true, "versions": {...}}``
* ``{"op": "load", "id": K, "path": P (.tflite or .pte), "threads": T (TFLite), "inputs": [{"data", "dtype", "shape"}], "warmup": W}``
  → ``{"ok": true, "init_ms", "first_ms", "mem_mb"}``
* ``{"op": "time", "id": K, "n": N}`` → ``{"ok": true, "times_ms": [...]}``
* ``{"op": "run", "id": K}`` → ``{"ok": true, "output": [...]}``
* ``{"op": "quit"}``
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from typing import Callable, Sequence

import numpy as np


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux ``/proc/self/statm``; else the peak RSS)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, AttributeError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def interpreter_call(interpreter, arrays: Sequence[np.ndarray]) -> Callable[[], np.ndarray]:
    """One batch-1 inference: set every input (cast to its dtype), invoke, read output 0."""
    inputs = interpreter.get_input_details()
    if len(inputs) != len(arrays):
        raise ValueError(f"the model takes {len(inputs)} input(s), got {len(arrays)}")
    feeds = [(d["index"], np.ascontiguousarray(np.asarray(a).reshape(d["shape"]), dtype=d["dtype"])) for d, a in zip(inputs, arrays)]
    out_index = interpreter.get_output_details()[0]["index"]
    set_tensor, invoke, get_tensor = interpreter.set_tensor, interpreter.invoke, interpreter.get_tensor

    def call() -> np.ndarray:
        for index, value in feeds:
            set_tensor(index, value)
        invoke()
        return get_tensor(out_index)

    return call


def executorch_call(path: str, arrays: Sequence[np.ndarray]) -> tuple[Callable[[], object], object]:
    """One batch-1 ``forward`` of an ExecuTorch program (and the method, to keep alive)."""
    import torch
    from executorch.runtime import Runtime

    method = Runtime.get().load_program(path).load_method("forward")
    tensors = [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]
    execute = method.execute
    return (lambda: execute(tensors)), method


def _interpreter_class():
    try:
        from tflite_runtime.interpreter import Interpreter
    except ImportError:
        from ai_edge_litert.interpreter import Interpreter
    return Interpreter


def _versions() -> dict:
    try:
        import tflite_runtime

        runtime = {"tflite-runtime": tflite_runtime.__version__}
    except ImportError:
        runtime = {"tflite-runtime": None}
    return {**runtime, "numpy": np.__version__, "python": platform.python_version()}


class _Worker:
    def __init__(self) -> None:
        self.calls: dict[int, Callable[[], np.ndarray]] = {}
        self.keep: dict[int, object] = {}

    def hello(self, _msg: dict) -> dict:
        return {"versions": _versions()}

    def load(self, msg: dict) -> dict:
        arrays = [np.asarray(i["data"], dtype=i["dtype"]).reshape(i["shape"]) for i in msg["inputs"]]
        before = rss_mb()
        start = time.perf_counter()
        if msg["path"].endswith(".pte"):
            call, keep = executorch_call(msg["path"], arrays)
        else:
            keep = _interpreter_class()(model_path=msg["path"], num_threads=int(msg["threads"]))
            keep.allocate_tensors()
            call = interpreter_call(keep, arrays)
        init_ms = (time.perf_counter() - start) * 1e3
        start = time.perf_counter()
        call()
        first_ms = (time.perf_counter() - start) * 1e3
        peak = rss_mb()
        for _ in range(int(msg.get("warmup", 0))):
            call()
        peak = max(peak, rss_mb())
        self.calls[msg["id"]], self.keep[msg["id"]] = call, keep
        return {"init_ms": init_ms, "first_ms": first_ms, "mem_mb": peak - before}

    def time(self, msg: dict) -> dict:
        call, clock = self.calls[msg["id"]], time.perf_counter
        times = []
        for _ in range(int(msg["n"])):
            start = clock()
            call()
            times.append((clock() - start) * 1e3)
        return {"times_ms": times}

    def run(self, msg: dict) -> dict:
        return {"output": np.asarray(self.calls[msg["id"]]()).astype(float).tolist()}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--executorch-threads"]:
        from executorch.extension.pybindings import portable_lib

        portable_lib._unsafe_reset_threadpool(int(argv[1]))  # before any program is loaded
    worker = _Worker()
    out = sys.stdout
    sys.stdout = sys.stderr  # library chatter must not corrupt the protocol
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("op") == "quit":
            break
        try:
            reply = {"ok": True, **getattr(worker, msg["op"])(msg)}
        except Exception as err:  # reported to the parent, which shows it in the table
            reply = {"ok": False, "error": f"{type(err).__name__}: {err}".splitlines()[0][:300]}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
