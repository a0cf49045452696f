"""File hashing for bundle manifests: every file but the manifest is listed with its sha256 and size."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entries(folder: Path) -> dict[str, dict]:
    """``{name: {"sha256", "bytes"}}`` of every file in ``folder`` except the manifest, sorted by name."""
    return {p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in sorted(Path(folder).iterdir()) if p.name != MANIFEST}


def write_json(path: Path, data: Any) -> None:
    """Write pretty, UTF-8, key-stable JSON; a value that is not a finite number (a metric with one class,
    such as buy-vs-no-buy AUROC when everybody buys) is written as null, never as the non-JSON ``NaN``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_standard(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def _standard(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _standard(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_standard(v) for v in data]
    return data

