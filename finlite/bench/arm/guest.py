"""Guest side of ``finlite bench --arm``: runs INSIDE the emulated aarch64 Python.

Only the standard library, numpy and one runtime (onnxruntime or ai-edge-litert) are available
there — never import finlite or torch here. The host starts one process per artifact and CPU profile:

    python3.11 guest.py --bundle DIR --artifact model.int8.tflite --out result.json

Steps: load the artifact (1 thread), run every golden.json example (batch 1) and compare with the
example's expected outputs (the bundle's per-artifact ``logits_atol`` and the same arg-max over the
task's decision columns, as :func:`finlite.runtime.bundle.check_golden` does on the host), one
untimed warm-up pass, then ``--passes`` passes over the examples, each between two markers.

Marker: ``syscall(MARKER_NR, MAGIC, op, section)`` with op 1 = begin, 2 = end. Linux/aarch64 has no
syscall ``MARKER_NR``: qemu-user answers -ENOSYS, and the insn_count plugin (plugin/insn_count.c)
sees the call and records the instruction counter. Sections 0..2 are empty (begin, then end) and
measure the markers' own cost, which the host subtracts.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import platform
import sys
from pathlib import Path

import numpy as np

MARKER_NR = 0xF1A7
MAGIC = 0x46494E4C4954  # "FINLIT"
OVERHEAD_SECTIONS = 3
FIRST_PASS_SECTION = 100

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_NR = ctypes.c_long(MARKER_NR)
_MAGIC = ctypes.c_ulong(MAGIC)
_BEGIN = ctypes.c_long(1)
_END = ctypes.c_long(2)


def begin(section: int) -> None:
    """Open instruction-count section ``section``."""
    _syscall(_NR, _MAGIC, _BEGIN, ctypes.c_long(section))


def end(section: int) -> None:
    """Close instruction-count section ``section``."""
    _syscall(_NR, _MAGIC, _END, ctypes.c_long(section))


def golden_inputs(golden: dict) -> list[tuple[np.ndarray, ...]]:
    """Per example, the model inputs pinned in golden.json (``inputs: {name: …}`` or intent's ``ids``)."""
    specs = golden["inputs"] if "inputs" in golden else [golden["input"]]
    out = []
    for example in golden["examples"]:
        source = example["inputs"] if "inputs" in example else example
        out.append(tuple(np.asarray(source[s["name"]], dtype=np.dtype(s["dtype"]))[None, ...] for s in specs))
    return out


def parity(golden: dict, artifact: str, logits: np.ndarray) -> dict:
    """``logits`` (one row per golden example) against the golden's expected outputs for ``artifact``: the
    bundle's ``logits_atol`` and the same arg-max over the task's decision columns."""
    expected = np.array([e["expected"][artifact]["logits"] for e in golden["examples"]], dtype=np.float32)
    columns = (golden.get("top1") or {}).get("columns")
    lo, hi = columns if columns else (0, expected.shape[1])
    tol = float(golden["tolerances"][artifact]["logits_atol"])
    same_shape = logits.shape == expected.shape
    diff = float(np.abs(logits - expected).max()) if same_shape else float("inf")
    top1 = same_shape and bool(np.array_equal(logits[:, lo:hi].argmax(1), expected[:, lo:hi].argmax(1)))
    worst = int(np.abs(logits - expected).max(axis=1).argmax()) if same_shape else None
    return {"n": len(expected), "max_abs_diff": diff, "tolerance": tol, "top1_equal_golden": top1, "worst_example": worst, "passed": diff <= tol and top1}


class LiteRT:
    """ai-edge-litert Interpreter, batch 1, one thread (XNNPACK applied by default)."""

    def __init__(self, path: str) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=path, num_threads=1)
        self.interpreter.allocate_tensors()
        details = self.interpreter.get_input_details()
        self.inputs = [(d["index"], np.dtype(d["dtype"]), d.get("quantization", (0.0, 0))) for d in details]
        out = self.interpreter.get_output_details()[0]
        self.out_index = out["index"]
        scale, zero_point = out.get("quantization", (0.0, 0))
        self.dequant = (float(scale), int(zero_point)) if np.dtype(out["dtype"]).kind in "iu" and scale else None

    def prepare(self, arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """Cast (and quantize float inputs of quantized tensors) once, outside the timed section."""
        prepared = []
        for (_, dtype, (scale, zero_point)), a in zip(self.inputs, arrays):
            if dtype.kind in "iu" and scale and a.dtype.kind == "f":
                info = np.iinfo(dtype)
                a = np.clip(np.round(a / scale) + zero_point, info.min, info.max)
            prepared.append(np.ascontiguousarray(a, dtype=dtype))
        return tuple(prepared)

    def run(self, arrays: tuple[np.ndarray, ...]) -> np.ndarray:
        for (index, _, _), a in zip(self.inputs, arrays):
            self.interpreter.set_tensor(index, a)
        self.interpreter.invoke()
        out = self.interpreter.get_tensor(self.out_index)
        if self.dequant is not None:
            return (out.astype(np.float32) - self.dequant[1]) * self.dequant[0]
        return out.copy()

    def evidence(self) -> dict:
        """Which nodes the runtime runs: DELEGATE nodes are XNNPACK partitions."""
        ops = self.interpreter._get_ops_details()
        return {
            "nodes": len(ops),
            "delegate_nodes": sum(1 for o in ops if o.get("op_name") == "DELEGATE"),
        }


class Onnx:
    """onnxruntime CPU execution provider, one intra-op thread, sequential execution."""

    def __init__(self, path: str) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]
        types = {"tensor(float)": np.float32, "tensor(int32)": np.int32, "tensor(int64)": np.int64}
        self.dtypes = [np.dtype(types.get(i.type, np.float32)) for i in self.session.get_inputs()]
        self.output = [self.session.get_outputs()[0].name]

    def prepare(self, arrays: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
        return {n: np.ascontiguousarray(a, dtype=d) for n, d, a in zip(self.names, self.dtypes, arrays)}

    def run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(self.output, feed)[0]

    def evidence(self) -> dict:
        return {"providers": self.session.get_providers()}


def runtime_versions(kind: str) -> dict:
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    if kind == "onnx":
        import onnxruntime

        versions["onnxruntime"] = onnxruntime.__version__
    else:
        from importlib.metadata import version

        versions["ai-edge-litert"] = version("ai-edge-litert")
    return versions


def cpu_info(path: Path = Path("/proc/cpuinfo"), machine: str | None = None) -> dict:
    """The emulated root's /proc/cpuinfo (what the runtimes' CPU detection reads); the host passes the root's
    file and the guest's machine for the C harness."""
    text = path.read_text()
    fields = {}
    for line in text.splitlines():
        if ":" in line:
            key, value = (s.strip() for s in line.split(":", 1))
            fields.setdefault(key, value)
    return {"machine": machine or platform.machine(), "part": fields.get("CPU part"), "features": fields.get("Features", "").split()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--artifact", required=True, help="file name listed in the bundle's manifest")
    parser.add_argument("--out", required=True)
    parser.add_argument("--passes", type=int, default=2, help="timed passes over the golden examples")
    parser.add_argument("--warmup", type=int, default=1, help="untimed passes before the timed ones")
    args = parser.parse_args(argv)

    bundle = Path(args.bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    golden = json.loads((bundle / manifest.get("golden_file", "golden.json")).read_text())
    art = next(a for a in manifest["artifacts"] if a["file"] == args.artifact)
    result: dict = {"file": art["file"], "format": art["format"], "precision": art["precision"], "cpu": cpu_info()}
    result["versions"] = runtime_versions(art["format"])

    runner = Onnx(str(bundle / art["file"])) if art["format"] == "onnx" else LiteRT(str(bundle / art["file"]))
    result["evidence"] = runner.evidence()
    examples = [runner.prepare(x) for x in golden_inputs(golden)]

    # Parity on every golden example, batch 1.
    logits = np.concatenate([np.asarray(runner.run(x), dtype=np.float32).reshape(1, -1) for x in examples])
    result["parity"] = parity(golden, art["file"], logits)

    for _ in range(args.warmup):
        for x in examples:
            runner.run(x)
    for section in range(OVERHEAD_SECTIONS):
        begin(section)
        end(section)
    run = runner.run
    for p in range(args.passes):
        section = FIRST_PASS_SECTION + p
        begin(section)
        for x in examples:
            run(x)
        end(section)
    result["sections"] = {
        "overhead": list(range(OVERHEAD_SECTIONS)),
        "passes": [FIRST_PASS_SECTION + p for p in range(args.passes)],
        "inferences_per_pass": len(examples),
    }
    Path(args.out).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
