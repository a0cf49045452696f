"""Bundle signatures (OpenSSF model-signing format): keygen → sign → verify, the signed and tampered fixtures
of tests/bundles/signed/ (which finlite-core and FinliteKit verify too), and the CLI."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from finlite.bundle.manifest import BundleError
from finlite.bundle.signing import SIGNATURE, SignatureError, generate_keypair, sign_bundle, verify_signature
from finlite.cli import main

ROOT = Path(__file__).resolve().parent / "bundles"
SIGNED = ROOT / "signed"
CASES = json.loads((SIGNED / "cases.json").read_text(encoding="utf-8"))["cases"]


def test_the_fixtures_are_what_the_generator_writes():
    assert subprocess.run([sys.executable, str(ROOT / "make_signed.py"), "--check"]).returncode == 0


@pytest.mark.parametrize("case", CASES, ids=[f"{c['name']}-{c['key']}" for c in CASES])
def test_signed_and_tampered_bundles(case):
    folder, key = SIGNED / case["name"], SIGNED / "keys" / case["key"]
    if case["code"] == "ok":
        assert "labels.txt" in verify_signature(folder, key)["files"]
        return
    with pytest.raises(BundleError) as err:
        verify_signature(folder, key)
    assert err.value.code == case["code"], str(err.value)
    assert "\n" not in str(err.value)


def test_keygen_sign_verify_round_trip(tmp_path, capsys):
    bundle = tmp_path / "bundle"
    shutil.copytree(ROOT / "valid", bundle)
    assert main(["keygen", "--out", str(tmp_path / "k")]) == 0
    private, public = tmp_path / "k.private.pem", tmp_path / "k.public.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert main(["keygen", "--out", str(tmp_path / "k")]) == 2  # never overwrites a key
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["sign", str(bundle), "--key", str(private)]) == 0
    assert verify_signature(bundle, public)
    document = json.loads((bundle / SIGNATURE).read_text(encoding="utf-8"))
    assert document["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    (bundle / "labels.txt").write_bytes(b"x\n")
    with pytest.raises(BundleError):
        verify_signature(bundle, public)


def test_sign_refuses_files_the_manifest_does_not_list(tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(ROOT / "valid", bundle)
    (bundle / "notes.txt").write_text("unlisted\n")
    with pytest.raises(SignatureError, match="notes.txt not listed"):
        sign_bundle(bundle, SIGNED / "keys" / "test_private.pem")
    assert not (bundle / SIGNATURE).exists()


def test_a_non_p256_key_is_refused(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "p384.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with pytest.raises(SignatureError, match="not an ECDSA P-256 key"):
        sign_bundle(ROOT / "valid", tmp_path / "p384.pem")


def test_model_signing_accepts_finlite_signatures():
    """Runs only where the model-signing package is installed (it cannot share finlite's venv: it needs
    typing-extensions >= 4.14, executorch's xdsl < 4.13); docs/bundle.md shows the same check by hand."""
    model_signing = pytest.importorskip("model_signing")
    config = model_signing.verifying.Config().use_elliptic_key_verifier(public_key=SIGNED / "keys" / "test_public.pem")
    config.verify(SIGNED / "ok", SIGNED / "ok" / SIGNATURE)
