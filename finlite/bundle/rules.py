"""The bundle rule set (docs/bundle.md, "The rule set"; docs/manifest.schema.json): what makes a manifest
and the folder it describes trustworthy. finlite-core's ``BundleVerifier`` and FinliteKit's
``BundleVerifier`` apply the same rules in the same order and report the same error codes; the
cases of ``tests/bundles/invalid/`` pin them in all three languages.

Order of the checks (the first violation is reported): the manifest is read (``manifest_missing``,
``manifest_json``), is an object (``manifest_type``) of format ``finlite.bundle/1``
(``format_unsupported``); the required fields exist (``field_missing``) with their JSON types
(``field_type``) and values (``field_value``); every path is a plain relative bundle path
(``path_invalid``); every file the manifest refers to is listed in ``files`` (``file_unlisted``);
every listed file exists (``file_missing``) as a regular file, not a symlink (``file_not_regular``),
with the listed size (``file_size``) and sha256 (``file_sha256``).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import FinliteError
from .artifacts import FORMATS, PRECISIONS

MANIFEST = "manifest.json"
TASKS = ["intent", "profile"]  # the apps' tasks; finlite.tasks.register_task adds a Python-only one (a test's toy task)
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# A bundle path: '/'-separated segments of these characters, none of them '.' or '..'.
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")

# Required top-level fields and their JSON types, in the order they are checked.
REQUIRED_FIELDS: tuple[tuple[str, str], ...] = (
    ("task", "string"),
    ("labels_file", "string"),
    ("preprocess_file", "string"),
    ("golden_file", "string"),
    ("input_names", "array"),
    ("postprocess", "object"),
    ("artifacts", "array"),
    ("files", "object"),
)
ARTIFACT_FIELDS: tuple[tuple[str, str], ...] = (
    ("file", "string"),
    ("format", "string"),
    ("precision", "string"),
    ("inputs", "array"),
    ("outputs", "array"),
)
FILE_ENTRY_FIELDS: tuple[tuple[str, str], ...] = (("sha256", "string"), ("bytes", "integer"))


class BundleError(FinliteError):
    """A bundle that is missing, incomplete, of another format, or tampered with. ``code`` is the rule
    that failed (one of the codes above), the same in Python, Kotlin and Swift."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value ('integer' for whole numbers that are not booleans)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


def _need(obj: dict, fields: tuple[tuple[str, str], ...], where: str, prefix: str = "") -> None:
    for name, kind in fields:
        if name not in obj:
            raise BundleError(f"{where}, field {prefix + name!r}: missing", "field_missing")
        if json_type(obj[name]) != kind:
            raise BundleError(f"{where}, field {prefix + name!r}: expected a JSON {kind}, found {json_type(obj[name])}", "field_type")


def is_bundle_path(name: str) -> bool:
    """A relative, normalised path inside the bundle: segments of letters, digits, '.', '_', '-'
    (not starting with '.' or '-'), joined by single '/'; never the manifest itself."""
    return name != MANIFEST and all(_SEGMENT.fullmatch(part) for part in name.split("/"))


def referenced_files(manifest: dict) -> list[tuple[str, str]]:
    """``(field, path)`` of every file the manifest refers to: each top-level ``*_file`` field, then
    each artifact's ``file``."""
    refs = [(key, value) for key, value in manifest.items() if key.endswith("_file")]
    refs += [(f"artifacts[{i}].file", art["file"]) for i, art in enumerate(manifest["artifacts"])]
    return refs


def check_manifest(manifest: Any, where: str) -> dict:
    """``manifest`` if it satisfies every rule that needs no file but the manifest; else BundleError."""
    if not isinstance(manifest, dict):
        raise BundleError(f"{where}: expected a JSON object, found {json_type(manifest)}", "manifest_type")
    from . import formats

    if manifest.get("format") != formats.BUNDLE:
        raise BundleError(f"{where}, field 'format': {manifest.get('format')!r}, this finlite reads {formats.BUNDLE!r}", "format_unsupported")
    _need(manifest, REQUIRED_FIELDS, where)
    for key, value in manifest.items():
        if key.endswith("_file") and not isinstance(value, str):
            raise BundleError(f"{where}, field {key!r}: expected a JSON string, found {json_type(value)}", "field_type")
    if manifest["task"] not in TASKS:
        raise BundleError(f"{where}, field 'task': unknown task {manifest['task']!r} (known: {', '.join(sorted(TASKS))})", "field_value")
    for i, name in enumerate(manifest["input_names"]):
        if not isinstance(name, str):
            raise BundleError(f"{where}, field 'input_names[{i}]': expected a JSON string, found {json_type(name)}", "field_type")
    for i, art in enumerate(manifest["artifacts"]):
        if not isinstance(art, dict):
            raise BundleError(f"{where}, field 'artifacts[{i}]': expected a JSON object, found {json_type(art)}", "field_type")
        _need(art, ARTIFACT_FIELDS, where, f"artifacts[{i}].")
        for key, known in (("format", FORMATS), ("precision", PRECISIONS)):
            if art[key] not in known:
                raise BundleError(f"{where}, field 'artifacts[{i}].{key}': unknown {key} {art[key]!r} (known: {', '.join(known)})", "field_value")
    for name, entry in manifest["files"].items():
        field = f"files[{name!r}]"
        if not isinstance(entry, dict):
            raise BundleError(f"{where}, field {field}: expected a JSON object, found {json_type(entry)}", "field_type")
        _need(entry, FILE_ENTRY_FIELDS, where, f"{field}.")
        if not SHA256_HEX.fullmatch(entry["sha256"]):
            raise BundleError(f"{where}, field {field + '.sha256'!r}: not 64 lower-case hex digits", "field_value")
        if entry["bytes"] < 0:
            raise BundleError(f"{where}, field {field + '.bytes'!r}: negative", "field_value")
    for name in manifest["files"]:
        if not is_bundle_path(name):
            raise BundleError(f"{where}, field 'files': {name!r} is not a plain relative path inside the bundle", "path_invalid")
    refs = referenced_files(manifest)
    for field, path in refs:
        if not is_bundle_path(path):
            raise BundleError(f"{where}, field {field!r}: {path!r} is not a plain relative path inside the bundle", "path_invalid")
    for field, path in refs:
        if path not in manifest["files"]:
            raise BundleError(f"{where}, field {field!r}: {path!r} is not listed in the manifest's files (no hash to check it against)", "file_unlisted")
    return manifest
