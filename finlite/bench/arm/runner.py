"""Run one artifact × CPU profile × binding under qemu-aarch64 with the instruction-count plugin and
turn its output into a result row. Binding ``python``: the guest script (``guest.py``) in the guest's
Python; binding ``c``: the C harness (``capi/finlite_capi.c``) calling the runtime's C API directly.

The run is made reproducible (docs/arm.md, "Determinism"): a fixed environment (``env -i``:
PYTHONHASHSEED=0, no user site, no bytecode writes, onnxruntime telemetry off), address-space
randomisation off (``setarch -R``) and guest mappings in one reservation (``-R``), a guest clock that
counts calls (``libfakeclock.so`` preloaded into qemu only), one thread in each runtime, an untimed
warm-up pass before the counted ones.
"""

from __future__ import annotations

import json
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import capi, guest
from .setup import CPUS, ArmEnv, ArmSetupError, guest_packages

GUEST_SCRIPT = Path(__file__).with_name("guest.py")
XNNPACK_LOG_LINE = "Created TensorFlow Lite XNNPACK delegate for CPU"
GUEST_TIMEOUT_S = 900
RESERVED_VA = "0x400000000"  # 16 GiB of guest address space


@dataclass(frozen=True)
class Job:
    bundle: Path
    artifact: str
    cpu: str
    passes: int = 2
    binding: str = "python"  # "python" (guest.py) or "c" (the C-API harness)


def parse_counts(text: str) -> dict:
    """The plugin's output: ``{"sections": {id: (insns, other_thread_syscalls)}, "total", "vcpus", "errors"}``."""
    sections: dict[int, tuple[int, int]] = {}
    errors: list[str] = []
    total = vcpus = None
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "section" and len(parts) == 4:
            sections[int(parts[1])] = (int(parts[2]), int(parts[3]))
        elif parts[0] == "total" and len(parts) == 4:
            total, vcpus = int(parts[1]), int(parts[3])
        elif parts[0] == "error":
            errors.append(line)
    return {"sections": sections, "total": total, "vcpus": vcpus, "errors": errors}


def guest_command(env: ArmEnv, job: Job, counts: Path, out: Path, runtime: str = "") -> list[str]:
    """The full host command line of one guest run (``out``: the Python guest's result JSON, or for the C
    harness the folder of its inputs and outputs files; ``runtime``: the harness's ``litert`` or ``onnxruntime``)."""
    cpu = CPUS[job.cpu]
    croot = env.cpu_root(job.cpu)
    fixed_env = [
        "env", "-i",
        f"LD_PRELOAD={env.fakeclock}",  # host side only (-U below): the guest's clock counts calls
        "PATH=/usr/bin:/bin",
        "LANG=C.UTF-8",
        "HOME=/root",  # exists in the root; a missing HOME made onnxruntime start extra threads
        "PYTHONHASHSEED=0",
        "PYTHONNOUSERSITE=1",
        "PYTHONDONTWRITEBYTECODE=1",
        f"PYTHONPATH={env.site}",
        "OMP_NUM_THREADS=1",
        "OPENBLAS_NUM_THREADS=1",
        "ORT_DISABLE_TELEMETRY=1",  # onnxruntime >= 1.29 telemetry: an uploader thread, a device id file
        "ORT_TELEMETRY_DISABLED=1",
    ]  # fmt: skip
    return [
        "setarch", platform.machine(), "-R",  # no address-space randomisation
        *fixed_env,
        env.qemu,
        "-U", "LD_PRELOAD",
        "-R", RESERVED_VA,  # guest mappings placed by qemu inside one reservation: same addresses each run
        "-L", str(croot),
        "-cpu", cpu.qemu_cpu,
        "-plugin", f"{env.plugin},out={counts}",
        *(_capi_args(env, job, out, runtime) if job.binding == "c" else _python_args(env, job, croot, out)),
    ]  # fmt: skip


def _python_args(env: ArmEnv, job: Job, croot: Path, out: Path) -> list[str]:
    return [str(croot) + env.python, "-B", "-s", str(GUEST_SCRIPT), "--bundle", str(job.bundle), "--artifact", job.artifact,
            "--out", str(out), "--passes", str(job.passes)]  # fmt: skip


def _capi_args(env: ArmEnv, job: Job, folder: Path, runtime: str) -> list[str]:
    return capi.harness_command(str(env.capi), runtime, capi.runtime_libraries(env.site), job.bundle / job.artifact,
                                folder / "inputs.bin", folder / "outputs.bin", job.passes)  # fmt: skip


def run_job(env: ArmEnv, job: Job, log_dir: Path) -> dict:
    """One guest run → a row: counts per inference, parity, runtime evidence; ``error`` when it failed."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{job.bundle.name}.{job.artifact}.{job.cpu}.{job.binding}"
    log = log_dir / f"{stem}.log"
    row: dict = {"bundle": job.bundle.name, "artifact": job.artifact, "cpu": job.cpu, "binding": job.binding,
                 "qemu_cpu": CPUS[job.cpu].qemu_cpu, "log": str(log)}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="finlite-arm-") as tmp:
        counts = Path(tmp) / "counts.txt"
        out = Path(tmp) if job.binding == "c" else Path(tmp) / "result.json"
        runtime = ""
        if job.binding == "c":
            art, golden = capi.read_artifact(job.bundle, job.artifact)
            capi.write_inputs(art, golden, out / "inputs.bin")
            runtime = capi.RUNTIME_OF_FORMAT[art["format"]]
        cmd = guest_command(env, job, counts, out, runtime)
        started = time.monotonic()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=GUEST_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log.write_text(f"$ {' '.join(cmd)}\ntimed out after {GUEST_TIMEOUT_S} s\n")
            return {**row, "error": f"guest run timed out after {GUEST_TIMEOUT_S} s; see {log}"}
        row["wall_s"] = round(time.monotonic() - started, 1)
        counts_text = counts.read_text() if counts.is_file() else ""
        log.write_text(f"$ {' '.join(cmd)}\n--- exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}\n--- plugin\n{counts_text}")
        produced = out / "outputs.bin" if job.binding == "c" else out
        if proc.returncode != 0 or not produced.is_file():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {**row, "error": f"guest run failed (exit {proc.returncode}: {last}); see {log}"}
        if job.binding == "c":
            cpu = guest.cpu_info(env.cpu_root(job.cpu) / "proc" / "cpuinfo", "aarch64")
            result = capi.result(art, golden, produced, job.passes, cpu, capi_versions())
        else:
            result = json.loads(out.read_text())
    return {**row, **summarize(result, parse_counts(counts_text), proc.stderr)}


def capi_versions() -> dict:
    """Runtime versions the C harness loads: the guest's wheels (the host's versions)."""
    return {k: v for k, v in guest_packages().items() if k != "numpy"}


def summarize(result: dict, counts: dict, stderr: str) -> dict:
    """Per-inference instruction counts (marker cost subtracted) and parity of one guest result."""
    sections = counts["sections"]
    spec = result["sections"]
    missing = [s for s in spec["overhead"] + spec["passes"] if s not in sections]
    if missing or counts["errors"]:
        return {"error": f"plugin output incomplete (missing sections {missing}, errors {counts['errors']})"}
    overhead = min(sections[s][0] for s in spec["overhead"])
    per_pass = [sections[s][0] - overhead for s in spec["passes"]]
    n = spec["inferences_per_pass"]
    other = sum(sections[s][1] for s in spec["passes"])
    evidence = dict(result.get("evidence", {}))
    if result["format"] == "tflite":
        evidence["xnnpack_log"] = XNNPACK_LOG_LINE in stderr
        # the Python guest also lists the interpreter's DELEGATE nodes; the C API's CompiledModel shows only the log line
        evidence["xnnpack"] = bool(evidence["xnnpack_log"] and evidence.get("delegate_nodes", 1) > 0)
    return {
        "runtime": capi.RUNTIME_OF_FORMAT.get(result["format"], result["format"]),
        "format": result["format"],
        "precision": result["precision"],
        "insns_per_inference": round(per_pass[0] / n),
        "insns_per_pass": per_pass,
        "inferences_per_pass": n,
        "marker_overhead_insns": overhead,
        "other_thread_syscalls": other,
        "guest_threads": counts["vcpus"],
        "parity": result["parity"],
        "evidence": evidence,
        "guest_cpu": result.get("cpu"),
        "versions": result.get("versions"),
    }


def bundle_artifacts(bundle: Path) -> list[str]:
    """The artifact files a bundle's manifest lists (ONNX and TFLite only), after checking the listed files'
    sizes and sha256 (hand-made bundles without a ``files`` list, as in the tests, are taken as they are)."""
    manifest = bundle / "manifest.json"
    if not manifest.is_file():
        raise ArmSetupError(f"{bundle}: no manifest.json — not a finlite bundle")
    data = json.loads(manifest.read_text())
    if "files" in data:  # a finlite bundle: every file checked before the runtimes read it (LiteRT crashes on a bit-flipped model)
        from ...bundle.manifest import check_files

        check_files(bundle, data)
    if "golden_file" not in data or not (bundle / data["golden_file"]).is_file():
        raise ArmSetupError(f"{bundle}: the bundle has no golden file; parity needs it")
    return [a["file"] for a in data.get("artifacts", []) if a.get("format") in capi.RUNTIME_OF_FORMAT]
