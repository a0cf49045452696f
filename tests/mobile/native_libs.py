"""The LiteRT and ONNX Runtime C libraries for the mobile demos' native-runtime tests (``make test-android``).

    python tests/mobile/native_libs.py   → prints the folder holding libLiteRt.so and libonnxruntime.so

The libraries come from the ``ai-edge-litert`` and ``onnxruntime`` wheels installed in this venv (the same
versions the Python runtime uses, so Kotlin and Swift run exactly the runtime Python's goldens came from). They are
copied once into ``${FINLITE_CACHE:-~/.cache/finlite}/native/<arch>/litert-<v>_ort-<v>/``; later runs only print it.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from importlib import metadata
from pathlib import Path


def _package_file(dist: str, suffix: str) -> Path:
    """The installed file of distribution ``dist`` whose path ends with ``suffix`` (one-line error when missing)."""
    try:
        files = metadata.files(dist) or []
    except metadata.PackageNotFoundError:
        raise SystemExit(f"native_libs: the {dist} wheel is not installed (run `make install`)") from None
    for f in files:
        if str(f).endswith(suffix):
            return Path(f.locate())
    raise SystemExit(f"native_libs: the {dist} wheel has no file ending in {suffix}")


def native_dir() -> Path:
    """The cache folder with libLiteRt.so and libonnxruntime.so, filled on first use."""
    litert, ort = metadata.version("ai-edge-litert"), metadata.version("onnxruntime")
    cache = Path(os.environ.get("FINLITE_CACHE", Path.home() / ".cache" / "finlite"))
    target = cache / "native" / platform.machine() / f"litert-{litert}_ort-{ort}"
    wanted = {"libLiteRt.so": ("ai-edge-litert", "ai_edge_litert/libLiteRt.so"),
              "libonnxruntime.so": ("onnxruntime", f"onnxruntime/capi/libonnxruntime.so.{ort}")}
    if not all((target / name).is_file() for name in wanted):
        target.mkdir(parents=True, exist_ok=True)
        for name, (dist, suffix) in wanted.items():
            tmp = target / f".{name}.tmp"
            shutil.copyfile(_package_file(dist, suffix), tmp)
            tmp.replace(target / name)
        (target / "VERSIONS").write_text(f"ai-edge-litert {litert}\nonnxruntime {ort}\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        raise SystemExit(2)
    print(native_dir())
