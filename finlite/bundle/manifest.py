"""Read and check a bundle folder: the manifest's format and fields, every listed file's sha256 and
size, the preprocessing spec's format; select an artifact by ``(format, precision)``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import FinliteError
from . import formats
from .artifacts import FORMATS, PRECISIONS
from .files import MANIFEST, sha256_file

# Fields every manifest has, with the JSON type a reader relies on.
REQUIRED_FIELDS: dict[str, type] = {
    "task": str,
    "labels_file": str,
    "preprocess_file": str,
    "golden_file": str,
    "input_names": list,
    "postprocess": dict,
    "artifacts": list,
    "files": dict,
}


class BundleError(FinliteError):
    """A bundle that is missing, incomplete, of another format, or tampered with."""


def read_json(path: Path, what: str) -> Any:
    """The JSON document at ``path``; BundleError naming the file when it is missing or not JSON."""
    if not path.is_file():
        raise BundleError(f"{path}: no {what}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BundleError(f"{path}: not valid JSON ({err})") from None


def check_manifest(manifest: Any, path: Path) -> dict:
    """``manifest`` if it is an object of format ``finlite.bundle/1`` with every required field."""
    if not isinstance(manifest, dict):
        raise BundleError(f"{path}: expected a JSON object, found {type(manifest).__name__}")
    if manifest.get("format") != formats.BUNDLE:
        raise BundleError(f"{path}: format {manifest.get('format')!r}, this finlite reads {formats.BUNDLE!r}")
    for name, kind in REQUIRED_FIELDS.items():
        if name not in manifest:
            raise BundleError(f"{path}, field {name!r}: missing")
        if not isinstance(manifest[name], kind):
            raise BundleError(f"{path}, field {name!r}: expected a JSON {'object' if kind is dict else kind.__name__}")
    return manifest


def verify_files(bundle_dir: Path) -> dict:
    """Read and check the manifest, then every listed file's size and sha256; return the manifest."""
    bundle_dir = Path(bundle_dir)
    path = bundle_dir / MANIFEST
    if not path.is_file():
        raise BundleError(f"{bundle_dir}: no {MANIFEST} — not a finlite bundle")
    manifest = check_manifest(read_json(path, MANIFEST), path)
    for name, entry in manifest["files"].items():
        file = bundle_dir / name
        if not file.is_file():
            raise BundleError(f"{file}: listed in the manifest but missing")
        if file.stat().st_size != entry["bytes"] or sha256_file(file) != entry["sha256"]:
            raise BundleError(f"{file}: sha256 does not match the manifest — the file was modified; refusing to load")
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
