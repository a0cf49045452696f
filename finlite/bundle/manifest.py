"""Read and check a bundle folder: the manifest against the rule set (:mod:`.rules`), every listed
file's sha256 and size, the preprocessing spec's format; select an artifact by ``(format, precision)``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import formats
from .artifacts import FORMATS, PRECISIONS
from .files import MANIFEST, sha256_file
from .rules import BundleError, check_manifest

__all__ = ["BundleError", "check_manifest", "verify_files", "read_preprocess", "find_artifact", "read_json"]


def read_json(path: Path, what: str, code: str = "file_missing") -> Any:
    """The JSON document at ``path``; BundleError naming the file when it is missing or not JSON
    (duplicate keys are refused: other readers would keep another of the values)."""
    if not path.is_file():
        raise BundleError(f"{path}: no {what}", code)
    try:
        return json.loads(path.read_bytes().decode("utf-8"), object_pairs_hook=_unique_keys)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as err:
        raise BundleError(f"{path}: not valid UTF-8 JSON ({err})", "manifest_json" if path.name == MANIFEST else "invalid") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def check_files(bundle_dir: Path, manifest: dict) -> None:
    """Every listed file exists as a regular file (not a symlink) with its listed size and sha256,
    in name order."""
    for name in sorted(manifest["files"]):
        entry, file = manifest["files"][name], bundle_dir / name
        if not file.exists() and not file.is_symlink():
            raise BundleError(f"{file}: listed in the manifest but missing", "file_missing")
        if file.is_symlink() or not file.is_file() or any(p.is_symlink() for p in file.relative_to(bundle_dir).parents if p != Path(".")):
            raise BundleError(f"{file}: not a regular file (a symlink or a folder); refusing to load", "file_not_regular")
        if file.stat().st_size != entry["bytes"]:
            raise BundleError(f"{file}: {file.stat().st_size} bytes, the manifest says {entry['bytes']} — the file was modified; refusing to load", "file_size")
        if sha256_file(file) != entry["sha256"]:
            raise BundleError(f"{file}: sha256 does not match the manifest — the file was modified; refusing to load", "file_sha256")


def verify_files(bundle_dir: Path) -> dict:
    """Read and check the manifest against the rule set (:mod:`finlite.bundle.rules`), then every
    listed file's size and sha256; return the manifest."""
    bundle_dir = Path(bundle_dir)
    path = bundle_dir / MANIFEST
    if not path.is_file():
        raise BundleError(f"{bundle_dir}: no {MANIFEST} — not a finlite bundle", "manifest_missing")
    manifest = check_manifest(read_json(path, MANIFEST), str(path))
    check_files(bundle_dir, manifest)
    return manifest


def read_preprocess(bundle_dir: Path, manifest: dict) -> dict:
    """The bundle's preprocessing spec, refused unless its format is ``finlite.preprocess/1``."""
    path = Path(bundle_dir) / manifest["preprocess_file"]
    spec = read_json(path, "preprocessing spec")
    if not isinstance(spec, dict) or spec.get("format") != formats.PREPROCESS:
        found = spec.get("format") if isinstance(spec, dict) else type(spec).__name__
        raise BundleError(f"{path}: format {found!r}, this finlite reads {formats.PREPROCESS!r}")
    return spec


def find_artifact(manifest: dict, format: str, precision: str) -> dict:
    """The manifest's artifact of ``format`` and ``precision``; BundleError listing what there is."""
    for value, known, what in ((format, FORMATS, "format"), (precision, PRECISIONS, "precision")):
        if value not in known:
            raise BundleError(f"unknown artifact {what} {value!r}; choose from {', '.join(known)}")
    for art in manifest["artifacts"]:
        if art.get("format") == format and art.get("precision") == precision:
            return art
    have = ", ".join(f"{a.get('format')}/{a.get('precision')}" for a in manifest["artifacts"]) or "none"
    raise BundleError(f"no {format} {precision} artifact in the bundle (has: {have})")
