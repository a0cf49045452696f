"""tflite-runtime 2.14 in its own small venv (it needs numpy<2), driven as a JSON-lines subprocess.

The venv is created on first use under ``${FINLITE_CACHE:-~/.cache/finlite}/tflite-runtime-venv``
(``pip install tflite-runtime==2.14.0 'numpy<2'``, ~30 s) and reused afterwards. tflite-runtime 2.14
has wheels for CPython 3.8–3.11 only: with a newer Python, a ``python3.11`` … ``python3.9`` found on
PATH is used as the venv's base. The worker is :mod:`finlite.bench.worker`, run as a script
(:class:`WorkerProcess`; the ExecuTorch rows use the same worker with this Python).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

from ..errors import FinliteError

REQUIREMENTS = ("tflite-runtime==2.14.0", "numpy<2")
READY = ".finlite-ready"
WORKER = Path(__file__).with_name("worker.py")


class TfliteRuntimeUnavailable(FinliteError):
    """The tflite-runtime venv cannot be created or started here."""


def cache_dir() -> Path:
    return Path(os.environ.get("FINLITE_CACHE") or Path.home() / ".cache" / "finlite")


def venv_dir() -> Path:
    return cache_dir() / "tflite-runtime-venv"


def _venv_python(root: Path) -> Path:
    return root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _base_python() -> str:
    """An interpreter tflite-runtime 2.14 has wheels for (this one, or python3.11 … 3.9 on PATH)."""
    if sys.version_info < (3, 12):
        return sys.executable
    for name in ("python3.11", "python3.10", "python3.9"):
        found = shutil.which(name)
        if found:
            return found
    raise TfliteRuntimeUnavailable(f"tflite-runtime 2.14 has no wheels for Python {sys.version_info.major}.{sys.version_info.minor}; install python3.11 to benchmark it")


def ensure_venv(log: Callable[[str], None] = print) -> Path:
    """The venv's python, creating the venv first when it is missing or incomplete."""
    root = venv_dir()
    python = _venv_python(root)
    marker = root / READY
    if python.is_file() and marker.is_file() and marker.read_text(encoding="utf-8").strip() == " ".join(REQUIREMENTS):
        return python
    log(f"creating the tflite-runtime venv at {root} (once; {' '.join(REQUIREMENTS)})")
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    steps = ([_base_python(), "-m", "venv", str(root)], [str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise TfliteRuntimeUnavailable(f"could not create the tflite-runtime venv ({' '.join(step[:3])} …): {last}")
    marker.write_text(" ".join(REQUIREMENTS), encoding="utf-8")
    return python


class WorkerProcess:
    """A running :mod:`~finlite.bench.worker` (``args``: its command-line options)."""

    def __init__(self, python: Path | str, args: tuple[str, ...] = ()):
        self._stderr = tempfile.TemporaryFile(mode="w+")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.process = subprocess.Popen(
            [str(python), str(WORKER), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, bufsize=1, env=env
        )
        self.versions = self.request({"op": "hello"})["versions"]

    def request(self, message: dict) -> dict:
        """Send one message; the reply, or FinliteError with the worker's error."""
        if self.process.poll() is not None:
            raise TfliteRuntimeUnavailable(f"the benchmark worker exited ({self._tail()})")
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise TfliteRuntimeUnavailable(f"the benchmark worker stopped answering ({self._tail()})")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise FinliteError(reply.get("error", "unknown benchmark worker error"))
        return reply

    def _tail(self) -> str:
        self._stderr.seek(0)
        lines = [line for line in self._stderr.read().splitlines() if line.strip()]
        return lines[-1] if lines else "no message"

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
        self._stderr.close()
