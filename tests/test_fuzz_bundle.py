"""Property-based fuzzing (Hypothesis) of the manifest checks, the manifest reader and the text encoder: no
exception other than finlite's own errors, and deterministic outputs. A quick run in make test; the full
10,000 examples each with ``pytest -m fuzz_full``."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finlite.bundle.manifest import BundleError, verify_files
from finlite.bundle.rules import check_manifest
from finlite.data.text import TextEncoder, TextSpec

QUICK, FULL = 200, 10_000
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
# manifests near the valid one: each required field replaced by a random value or a path-like string
paths = st.sampled_from(["labels.txt", "../labels.txt", "/etc/x", "a//b", "./a", "a\\b", "manifest.json", ""]) | st.text(max_size=12)
text_inputs = st.text(alphabet=st.characters(codec=None, categories=None), max_size=300) | st.text(min_size=2_000, max_size=10_000)


def _base() -> dict:
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parent / "bundles" / "valid" / "manifest.json").read_text(encoding="utf-8"))


def _check_manifest_property(field, value):
    manifest = _base()
    manifest[field] = value
    try:
        check_manifest(manifest, "manifest.json")
    except BundleError as err:
        assert err.code and "\n" not in str(err)


FIELDS = st.sampled_from(["format", "task", "labels_file", "preprocess_file", "golden_file", "input_names", "postprocess", "artifacts", "files", "vocab_file"])


@settings(max_examples=QUICK, deadline=None)
@given(FIELDS, json_values | paths)
def test_manifest_checks_fuzz(field, value):
    _check_manifest_property(field, value)


@pytest.mark.slow
@pytest.mark.fuzz_full
@settings(max_examples=FULL, deadline=None)
@given(FIELDS, json_values | paths)
def test_manifest_checks_fuzz_full(field, value):
    _check_manifest_property(field, value)


def _reader_property(tmp_path, raw: bytes):
    folder = tmp_path / "b"
    folder.mkdir(exist_ok=True)
    (folder / "manifest.json").write_bytes(raw)
    with pytest.raises(BundleError):
        verify_files(folder)


@settings(max_examples=QUICK, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_manifest_reader_fuzz(tmp_path, raw):
    _reader_property(tmp_path, raw)


@pytest.mark.slow
@pytest.mark.fuzz_full
@settings(max_examples=FULL, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()))
def test_manifest_reader_fuzz_full(tmp_path, raw):
    _reader_property(tmp_path, raw)


ENCODER = TextEncoder(TextSpec())


def _encoder_property(text: str):
    ids = ENCODER.encode(text)
    assert ids.shape == (ENCODER.spec.max_units, ENCODER.spec.max_feats) and ids.min() >= 0 and ids.max() < ENCODER.spec.buckets
    assert (ENCODER.encode(text) == ids).all()  # deterministic


@settings(max_examples=QUICK, deadline=None)
@given(text_inputs)
def test_text_encoder_fuzz(text):
    _encoder_property(text)


@pytest.mark.slow
@pytest.mark.fuzz_full
@settings(max_examples=FULL, deadline=None)
@given(text_inputs)
def test_text_encoder_fuzz_full(text):
    _encoder_property(text)
