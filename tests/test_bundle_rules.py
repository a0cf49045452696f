"""The bundle rule set: every case of tests/bundles/invalid/ is refused with its code (finlite-core and
FinliteKit run the same cases), the valid fixture is accepted, and docs/manifest.schema.json agrees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from finlite.bundle.manifest import BundleError, verify_files
from finlite.cli import main

ROOT = Path(__file__).resolve().parent / "bundles"
CASES = json.loads((ROOT / "invalid" / "cases.json").read_text(encoding="utf-8"))["cases"]
SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "manifest.schema.json").read_text(encoding="utf-8"))
# Rules about the manifest alone: the schema must refuse these too (the others need the folder or a cross-reference).
SCHEMA_CODES = {"manifest_type", "format_unsupported", "field_missing", "field_type", "field_value", "path_invalid"}


def test_the_fixtures_are_what_the_generator_writes():
    assert subprocess.run([sys.executable, str(ROOT / "make_invalid.py"), "--check"]).returncode == 0
    assert len(CASES) >= 25 and len({c["code"] for c in CASES}) >= 12


def test_the_valid_fixture_is_accepted():
    manifest = verify_files(ROOT / "valid")
    assert set(manifest["files"]) == {"labels.txt", "preprocess.json", "golden.json", "model.onnx"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_broken_bundle_is_refused_with_its_code(case, capsys):
    folder = ROOT / "invalid" / case["name"]
    with pytest.raises(BundleError) as err:
        verify_files(folder)
    assert err.value.code == case["code"], str(err.value)
    assert "\n" not in str(err.value) and case["name"] in str(err.value)
    assert main(["verify", str(folder)]) == 2  # the CLI: one line, no traceback
    out = capsys.readouterr()
    assert out.err.startswith("finlite: error: ") and out.err.count("\n") == 1 and "Traceback" not in out.err


def test_the_schema_agrees_with_the_rules():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert validator.is_valid(json.loads((ROOT / "valid" / "manifest.json").read_text(encoding="utf-8")))
    for case in CASES:
        if case["code"] in SCHEMA_CODES:
            manifest = json.loads((ROOT / "invalid" / case["name"] / "manifest.json").read_text(encoding="utf-8"))
            assert not validator.is_valid(manifest), case["name"]
