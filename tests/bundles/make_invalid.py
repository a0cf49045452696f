"""Writes tests/bundles/valid/ and tests/bundles/invalid/: one small well-formed bundle and broken copies of it,
each breaking exactly one rule of docs/bundle.md ("The rule set"), with the error code every reader must give.

    python tests/bundles/make_invalid.py [--check]

Python (tests/test_bundle_rules.py), finlite-core (BundleRulesTest.kt) and FinliteKit (BundleRulesTests.swift)
read ``invalid/cases.json`` and must refuse every case with its code and accept ``valid/``. The bundles hold a
placeholder instead of a model: the rules concern the manifest and the files, not what a model computes.
``--check`` exits 1 when the folders on disk differ from what this script writes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
FILES = {
    "labels.txt": b"balance\ncard_lost\nout_of_scope\n",
    "preprocess.json": b'{"format": "finlite.preprocess/1", "task": "intent", "text": {"format": "finlite.text/1"}}\n',
    "golden.json": b'{"format": "finlite.golden/1", "task": "intent", "examples": []}\n',
    "model.onnx": b"placeholder, not a model: a fixture of the bundle rules\n",
}


def entry(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def base_manifest() -> dict:
    return {
        "format": "finlite.bundle/1",
        "task": "intent",
        "name": "rules-fixture",
        "labels_file": "labels.txt",
        "preprocess_file": "preprocess.json",
        "golden_file": "golden.json",
        "input_names": ["ids"],
        "postprocess": {"activation": "softmax", "top_k": 3, "oos_label": "out_of_scope", "oos_threshold": 0.5},
        "artifacts": [
            {
                "file": "model.onnx", "format": "onnx", "precision": "fp32",
                "inputs": [{"name": "ids", "dtype": "int32", "shape": [-1, 64, 32]}],
                "outputs": [{"name": "logits", "dtype": "float32", "shape": [-1, 3]}],
            }
        ],
        "files": {name: entry(data) for name, data in sorted(FILES.items())},
    }


def dumps(manifest) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=True) + "\n").encode()


Edit = Callable[[dict], object]


def _set(path: str, value) -> Edit:
    """An edit setting the ``/``-separated ``path`` (list indices as numbers) of the manifest to ``value``."""

    def edit(m: dict):
        *parents, last = path.split("/")
        node = m
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
        return m

    return edit


def _drop(path: str) -> Edit:
    def edit(m: dict):
        *parents, last = path.split("/")
        node = m
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[last]
        return m

    return edit


def _rename_listed(old: str, new: str) -> Edit:
    def edit(m: dict):
        m["files"] = {(new if k == old else k): v for k, v in m["files"].items()}
        return m

    return edit


# (name, code, what is broken, manifest edit or raw manifest bytes, file changes {name: bytes | None | "symlink:T" | "dir"})
CASES: list[tuple[str, str, str, Edit | bytes | None, dict]] = [
    ("no_manifest", "manifest_missing", "the folder has no manifest.json", None, {}),
    ("manifest_not_json", "manifest_json", "manifest.json is cut off mid-document", b'{"format": "finlite.bundle/1", "task": ', {}),
    ("manifest_not_utf8", "manifest_json", "manifest.json holds a byte that is not UTF-8", b'{"format": "finlite.bundle/1\xff"}\n', {}),
    ("manifest_duplicate_key", "manifest_json", "the key 'labels_file' appears twice (readers would keep different values)",
     b'{"format": "finlite.bundle/1", "labels_file": "labels.txt", "labels_file": "../evil.txt"}\n', {}),
    ("manifest_is_list", "manifest_type", "manifest.json is a JSON list", lambda m: [m], {}),
    ("manifest_is_string", "manifest_type", "manifest.json is a JSON string", lambda m: "finlite.bundle/1", {}),
    ("format_missing", "format_unsupported", "no 'format' field", _drop("format"), {}),
    ("format_v2", "format_unsupported", "an unknown format version", _set("format", "finlite.bundle/2"), {}),
    ("format_number", "format_unsupported", "'format' is a number", _set("format", 1), {}),
    ("missing_postprocess", "field_missing", "no 'postprocess' field", _drop("postprocess"), {}),
    ("missing_files", "field_missing", "no 'files' field", _drop("files"), {}),
    ("missing_labels_file", "field_missing", "no 'labels_file' field", _drop("labels_file"), {}),
    ("files_is_list", "field_type", "'files' is a list of names", _set("files", ["labels.txt"]), {}),
    ("input_names_is_string", "field_type", "'input_names' is a string", _set("input_names", "ids"), {}),
    ("postprocess_is_list", "field_type", "'postprocess' is a list", _set("postprocess", []), {}),
    ("labels_file_is_number", "field_type", "'labels_file' is a number", _set("labels_file", 7), {}),
    ("artifact_is_string", "field_type", "an artifact is a string", _set("artifacts", ["model.onnx"]), {}),
    ("artifact_without_file", "field_missing", "an artifact has no 'file'", _drop("artifacts/0/file"), {}),
    ("file_entry_without_sha256", "field_missing", "a files entry has no 'sha256'", _drop("files/labels.txt/sha256"), {}),
    ("file_entry_bytes_is_string", "field_type", "a files entry's 'bytes' is a string", _set("files/labels.txt/bytes", "31"), {}),
    ("file_entry_bytes_is_bool", "field_type", "a files entry's 'bytes' is true", _set("files/labels.txt/bytes", True), {}),
    ("file_entry_bytes_is_fraction", "field_type", "a files entry's 'bytes' is 31.5", _set("files/labels.txt/bytes", 31.5), {}),
    ("file_entry_sha256_upper_case", "field_value", "a sha256 in upper case", lambda m: _set("files/labels.txt/sha256", m["files"]["labels.txt"]["sha256"].upper())(m), {}),
    ("file_entry_bytes_negative", "field_value", "a negative size", _set("files/labels.txt/bytes", -1), {}),
    ("unknown_task", "field_value", "an unknown task", _set("task", "fraud"), {}),
    ("artifact_unknown_format", "field_value", "an artifact of format 'coreml'", _set("artifacts/0/format", "coreml"), {}),
    ("artifact_unknown_precision", "field_value", "an artifact of precision 'fp16'", _set("artifacts/0/precision", "fp16"), {}),
    ("labels_file_parent", "path_invalid", "labels_file points outside the bundle ('../labels.txt')", _set("labels_file", "../labels.txt"), {}),
    ("labels_file_absolute", "path_invalid", "labels_file is an absolute path", _set("labels_file", "/etc/hostname"), {}),
    ("files_entry_parent", "path_invalid", "a files entry names '../labels.txt'", _rename_listed("labels.txt", "../labels.txt"), {}),
    ("files_entry_backslash", "path_invalid", "a files entry uses a backslash", _rename_listed("labels.txt", "sub\\..\\labels.txt"), {}),
    ("files_entry_dot_segment", "path_invalid", "a files entry names './labels.txt'", _rename_listed("labels.txt", "./labels.txt"), {}),
    ("files_entry_empty_segment", "path_invalid", "a files entry names 'sub//labels.txt'", _rename_listed("labels.txt", "sub//labels.txt"), {}),
    ("files_lists_manifest", "path_invalid", "files lists manifest.json itself", _set("files/manifest.json", entry(b"{}")), {}),
    ("artifact_path_parent", "path_invalid", "an artifact's file is '../model.onnx'", _set("artifacts/0/file", "../model.onnx"), {}),
    ("labels_unlisted", "file_unlisted", "labels.txt was removed from files (and could then be replaced)", _drop("files/labels.txt"), {}),
    ("artifact_unlisted", "file_unlisted", "model.onnx was removed from files and replaced", _drop("files/model.onnx"),
     {"model.onnx": b"an attacker's model\n"}),
    ("golden_unlisted", "file_unlisted", "golden.json is not in files", _drop("files/golden.json"), {}),
    ("extra_spec_file_unlisted", "file_unlisted", "a spec file added later ('vocab_file') is not in files", _set("vocab_file", "vocab.json"),
     {"vocab.json": b"{}\n"}),
    ("listed_file_missing", "file_missing", "a listed file is not in the folder", None, {"golden.json": None}),
    ("listed_file_is_symlink", "file_not_regular", "labels.txt is a symlink leaving the bundle (to identical bytes)", None,
     {"labels.txt": "symlink:../../valid/labels.txt"}),
    ("listed_file_is_folder", "file_not_regular", "golden.json is a folder", None, {"golden.json": "dir"}),
    ("size_mismatch", "file_size", "labels.txt has one more line", None, {"labels.txt": FILES["labels.txt"] + b"attacker\n"}),
    ("sha256_mismatch", "file_sha256", "labels.txt changed with the same size", None, {"labels.txt": FILES["labels.txt"].replace(b"balance", b"BALANCE")}),
]


def write_bundle(folder: Path, manifest_bytes: bytes | None, changes: dict) -> None:
    folder.mkdir(parents=True)
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    if manifest_bytes is not None:
        (folder / "manifest.json").write_bytes(manifest_bytes)
    for name, change in changes.items():
        target = folder / name
        target.unlink(missing_ok=True)
        if isinstance(change, bytes):
            target.write_bytes(change)
        elif change == "dir":
            target.mkdir()
            (target / "README").write_bytes(b"a folder where a file is listed\n")
        elif isinstance(change, str) and change.startswith("symlink:"):
            os.symlink(change.removeprefix("symlink:"), target)


def build(root: Path) -> None:
    write_bundle(root / "valid", dumps(base_manifest()), {})
    index = []
    for name, code, about, edit, changes in CASES:
        if isinstance(edit, bytes):
            manifest_bytes = edit
        elif edit is None and name == "no_manifest":
            manifest_bytes = None
        else:
            manifest_bytes = dumps((edit or (lambda m: m))(copy.deepcopy(base_manifest())))
        write_bundle(root / "invalid" / name, manifest_bytes, changes)
        index.append({"name": name, "code": code, "about": about})
    (root / "invalid" / "cases.json").write_bytes(dumps({"about": "Broken bundles and the error code every reader must give; "
                                                        "written by tests/bundles/make_invalid.py, do not edit by hand.", "cases": index}))


def snapshot(root: Path) -> dict[str, str]:
    """Every entry below ``root``: files by content, symlinks by target, folders by name."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "symlink:" + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        if "--check" in argv:
            ours = {k: v for k, v in snapshot(HERE).items() if k.startswith(("valid", "invalid"))}
            if ours != snapshot(Path(tmp)):
                print("tests/bundles differs from what make_invalid.py writes; run it again", file=sys.stderr)
                return 1
            return 0
        for sub in ("valid", "invalid"):
            shutil.rmtree(HERE / sub, ignore_errors=True)
            shutil.copytree(Path(tmp) / sub, HERE / sub, symlinks=True)
    print(f"wrote {HERE / 'valid'} and {len(CASES)} cases in {HERE / 'invalid'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
