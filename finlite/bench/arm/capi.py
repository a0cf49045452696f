"""Host side of the C-API binding of ``finlite bench --arm`` (``--arm-binding c``): the harness
``capi/finlite_capi.c`` runs an artifact through LiteRT's or ONNX Runtime's C API as the apps' runners do,
with no Python in the guest, so a count is the runtime's own work plus what an app's call costs.

The host writes the golden inputs to a binary file the harness reads (layout in the C file's header
comment), the harness writes every example's outputs, and the host checks parity with the guest's rule
(:func:`finlite.bench.arm.guest.parity`). The harness is cross-compiled for aarch64 by the set-up
(Debian's gcc-aarch64-linux-gnu) and, for the tests, compiled for the host.
"""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np

from . import guest
from .setup import HARNESS_SOURCE

CROSS_COMPILER = "aarch64-linux-gnu-gcc"
ONNX_ELEMENT_TYPES = {"float32": 1, "int32": 6}
RUNTIME_OF_FORMAT = {"tflite": "litert", "onnx": "onnxruntime"}


class CapiInputError(ValueError):
    """A bundle's golden inputs do not fit the artifact's declared inputs (names the artifact and input)."""


def compile_harness(output: Path, compiler: str, log: Path | None = None) -> None:
    """``compiler -O2`` the harness into ``output`` (links libc only: the runtimes are dlopen'ed)."""
    cmd = [compiler, "-O2", "-std=c11", "-Wall", "-Wextra", "-o", str(output), str(HARNESS_SOURCE), "-ldl"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if log is not None:
        with log.open("a") as fh:
            fh.write(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)


def runtime_libraries(site: Path) -> dict[str, Path]:
    """The C libraries inside the (guest's or host's) site-packages: runtime name → path."""
    ort = sorted((site / "onnxruntime" / "capi").glob("libonnxruntime.so.*"))
    return {"litert": site / "ai_edge_litert" / "libLiteRt.so", "onnxruntime": ort[0] if ort else site / "onnxruntime" / "capi" / "libonnxruntime.so"}


def read_artifact(bundle: Path, artifact: str) -> tuple[dict, dict]:
    """The manifest's entry of ``artifact`` and the bundle's golden document (read once per run)."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    golden = json.loads((bundle / manifest.get("golden_file", "golden.json")).read_text())
    return next(a for a in manifest["artifacts"] if a["file"] == artifact), golden


def write_inputs(art: dict, golden: dict, path: Path) -> None:
    """The golden examples of the artifact ``art`` as the harness's inputs file."""
    artifact = art["file"]
    examples = guest.golden_inputs(golden)
    specs = art["inputs"]
    out = art["outputs"][0]
    header = [b"FLCI", struct.pack("<IIII", 1, len(examples), len(specs), int(np.prod(out["shape"][1:])))]
    header.append(_name(out["name"]))
    for spec in specs:
        if spec["dtype"] not in ONNX_ELEMENT_TYPES:
            raise CapiInputError(f"{artifact}: input {spec['name']} has dtype {spec['dtype']}, the harness takes {sorted(ONNX_ELEMENT_TYPES)}")
        dims = [1, *spec["shape"][1:]]
        header += [_name(spec["name"]), struct.pack("<II", ONNX_ELEMENT_TYPES[spec["dtype"]], len(dims)), struct.pack(f"<{len(dims)}q", *dims)]
    body = []
    for i, arrays in enumerate(examples):
        if len(arrays) != len(specs):
            raise CapiInputError(f"{artifact}: golden example {i} has {len(arrays)} inputs, the artifact takes {len(specs)}")
        for spec, a in zip(specs, arrays):
            if a.size != int(np.prod(spec["shape"][1:])):
                raise CapiInputError(f"{artifact}: golden example {i} input {spec['name']} has {a.size} values, the artifact takes shape {spec['shape']}")
            body.append(np.ascontiguousarray(a, dtype=np.dtype(spec["dtype"]).newbyteorder("<")).tobytes())
    path.write_bytes(b"".join(header + body))


def _name(name: str) -> bytes:
    raw = name.encode()
    return struct.pack("<I", len(raw)) + raw


def read_outputs(path: Path) -> np.ndarray:
    """The harness's outputs file: float32 [examples, output_count]."""
    raw = path.read_bytes()
    if raw[:4] != b"FLCO":
        raise ValueError(f"{path}: not a finlite_capi outputs file")
    n, count = struct.unpack_from("<II", raw, 4)
    return np.frombuffer(raw, dtype="<f4", offset=12, count=n * count).reshape(n, count)


def harness_command(harness: str, runtime: str, libraries: dict[str, Path], model: Path, inputs: Path, outputs: Path, passes: int,
                    warmup: int = 1) -> list[str]:  # fmt: skip
    """The harness's argument list for one model file run by ``runtime`` (``litert`` or ``onnxruntime``)."""
    return [harness, runtime, str(libraries[runtime]), str(model), str(inputs), str(outputs), str(passes), str(warmup)]


def result(art: dict, golden: dict, outputs: Path, passes: int, cpu: dict | None, versions: dict) -> dict:
    """The same result document the Python guest writes, for the C binding (parity checked here)."""
    return {
        "file": art["file"],
        "format": art["format"],
        "precision": art["precision"],
        "cpu": cpu,
        "versions": versions,
        "evidence": {},
        "parity": guest.parity(golden, art["file"], read_outputs(outputs).astype(np.float32)),
        "sections": {
            "overhead": list(range(guest.OVERHEAD_SECTIONS)),
            "passes": [guest.FIRST_PASS_SECTION + p for p in range(passes)],
            "inferences_per_pass": len(golden["examples"]),
        },
    }
