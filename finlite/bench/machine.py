"""What a benchmark ran on: CPU, cores, OS, Python and the versions of the runtimes."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from importlib import metadata
from pathlib import Path

RUNTIME_PACKAGES = ("torch", "onnxruntime", "ai-edge-litert", "executorch", "numpy", "scikit-learn")


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else :func:`platform.processor`)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "processor\t: arm")):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def package_versions(names: tuple[str, ...] = RUNTIME_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``names`` (None: not installed)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def describe_machine(extra: dict | None = None) -> dict:
    """CPU model, cores (logical / usable), OS, Python and runtime versions (``extra`` merged into the
    versions, e.g. the tflite-runtime venv's)."""
    versions = package_versions()
    if extra:
        versions.update(extra)
    return {
        "cpu": cpu_model(),
        "arch": platform.machine(),
        "logical_cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def command_line(args: list[str] | None = None, program: str = "finlite") -> str:
    """``program`` followed by ``args`` (default: this process's arguments), shell-quoted."""
    return shlex.join([program, *(sys.argv[1:] if args is None else args)])


def machine_line(machine: dict) -> str:
    """One line for tables: ``AMD EPYC, 2 of 2 cores, Linux-…, Python 3.11.7``."""
    return (
        f"{machine['cpu']} ({machine['arch']}), {machine['usable_cores']} of {machine['logical_cores']} cores usable, "
        f"{machine['os']}, Python {machine['python']}"
    )
