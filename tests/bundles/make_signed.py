"""Writes tests/bundles/signed/: the valid fixture bundle signed with a test key, and tampered variants, each with
the result every verifier must give (``cases.json``: bundle, pinned public key, expected code or "ok").

    python tests/bundles/make_signed.py [--check]

Python (tests/test_bundle_signing.py), finlite-core (SignatureVerifierTest.kt) and FinliteKit
(SignatureTests.swift) verify every case. The key pair in ``keys/`` exists only for these tests. Signatures
use deterministic ECDSA nonces (RFC 6979), so the output is reproducible and ``--check`` can compare it.
``model_signing/`` is different: signed by the ``model-signing`` package itself (``model_signing sign key``,
see docs/bundle.md) and kept as it was written, proving that finlite reads signatures of the reference tool.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from finlite.bundle.signing import SIGNATURE, envelope, sign_bundle, statement  # noqa: E402

KEYS = HERE / "signed" / "keys"
PRIVATE, PUBLIC, OTHER = KEYS / "test_private.pem", KEYS / "test_public.pem", KEYS / "other_public.pem"


def _copy(root: Path, name: str) -> Path:
    target = root / name
    shutil.copytree(HERE / "valid", target)
    return target


def _rehash(folder: Path, name: str, data: bytes) -> None:
    """Replace ``name`` and rewrite its manifest entry, as an attacker who can write the folder would."""
    (folder / name).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def build(root: Path) -> list[dict]:
    cases = [{"name": "model_signing", "key": "test_public.pem", "code": "ok", "about": "signed by the model-signing package (kept as written)"}]
    sign_bundle(_copy(root, "ok"), PRIVATE)
    cases.append({"name": "ok", "key": "test_public.pem", "code": "ok", "about": "signed by finlite sign"})
    cases.append({"name": "ok", "key": "other_public.pem", "code": "signature_mismatch", "about": "an app pinning another key"})
    _copy(root, "unsigned")
    cases.append({"name": "unsigned", "key": "test_public.pem", "code": "signature_missing", "about": "no model.sig"})

    relabelled = _copy(root, "relabelled")
    sign_bundle(relabelled, PRIVATE)
    _rehash(relabelled, "labels.txt", b"balance\ncard_lost\nsend_money_to_attacker\n")
    cases.append({"name": "relabelled", "key": "test_public.pem", "code": "signature_digest",
                  "about": "labels.txt replaced and its hash rewritten in the manifest after signing"})

    replaced = _copy(root, "model_replaced")
    sign_bundle(replaced, PRIVATE)
    (replaced / "model.onnx").write_bytes(b"an attacker's model\n")
    cases.append({"name": "model_replaced", "key": "test_public.pem", "code": "file_size", "about": "model.onnx replaced after signing, manifest untouched"})

    forged = _copy(root, "payload_forged")
    sign_bundle(forged, PRIVATE)
    _rehash(forged, "labels.txt", b"balance\ncard_lost\nsend_money_to_attacker\n")
    document = json.loads((forged / SIGNATURE).read_text(encoding="utf-8"))
    digests = {n: e["sha256"] for n, e in json.loads((forged / "manifest.json").read_text(encoding="utf-8"))["files"].items()}
    digests["manifest.json"] = hashlib.sha256((forged / "manifest.json").read_bytes()).hexdigest()
    document["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement("payload_forged", digests), indent=2).encode()).decode()
    (forged / SIGNATURE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    cases.append({"name": "payload_forged", "key": "test_public.pem", "code": "signature_mismatch",
                  "about": "labels rewritten and a matching statement put into the envelope, the old signature kept"})

    partial = _copy(root, "statement_partial")
    digests = {n: e["sha256"] for n, e in json.loads((partial / "manifest.json").read_text(encoding="utf-8"))["files"].items() if n != "golden.json"}
    digests["manifest.json"] = hashlib.sha256((partial / "manifest.json").read_bytes()).hexdigest()
    (partial / SIGNATURE).write_text(json.dumps(envelope(statement("statement_partial", digests), PRIVATE), indent=2) + "\n", encoding="utf-8")
    cases.append({"name": "statement_partial", "key": "test_public.pem", "code": "signature_files",
                  "about": "a validly signed statement that does not cover golden.json"})

    garbled = _copy(root, "signature_garbled")
    (garbled / SIGNATURE).write_bytes(b"{\"mediaType\": ")
    cases.append({"name": "signature_garbled", "key": "test_public.pem", "code": "signature_format", "about": "model.sig is not JSON"})
    return cases


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases = build(root)
        (root / "cases.json").write_text(json.dumps({"about": "Signed bundles, tampered variants and what every verifier must answer; "
                                                     "written by tests/bundles/make_signed.py, do not edit by hand.", "cases": cases}, indent=2) + "\n")
        names = sorted({c["name"] for c in cases} - {"model_signing"}) + ["cases.json"]
        if "--check" in argv:
            differ = [n for n in names if _tree(root / n) != _tree(HERE / "signed" / n)]
            if differ:
                print(f"tests/bundles/signed differs from what make_signed.py writes: {differ}", file=sys.stderr)
            return 1 if differ else 0
        for name in names:
            target = HERE / "signed" / name
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
            shutil.copytree(root / name, target) if (root / name).is_dir() else shutil.copy(root / name, target)
    print(f"wrote {len(cases)} cases into {HERE / 'signed'}")
    return 0


def _tree(path: Path) -> dict:
    if path.is_file():
        return {"": path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()} if path.is_dir() else {}


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
