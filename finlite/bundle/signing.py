"""Bundle signatures in the OpenSSF model-signing format (v1.0, "key" method), written with ``cryptography``.

``model.sig`` is a Sigstore bundle (``application/vnd.dev.sigstore.bundle.v0.3+json``) holding a DSSE
envelope around an in-toto statement (predicate ``https://model_signing/signature/v1.0``) that lists the
sha256 of every file of the bundle folder, manifest.json included; the envelope is signed with ECDSA
P-256 / SHA-256 over the DSSE pre-authentication encoding. ``model_signing verify key BUNDLE --signature
BUNDLE/model.sig --public_key public.pem`` accepts what :func:`sign_bundle` writes, and
:func:`verify_signature` accepts what ``model_signing sign key`` writes (docs/bundle.md, "Signatures").

Verification is the rule the apps apply (finlite-core ``SignatureVerifier``, FinliteKit
``SignatureVerifier``): the envelope's signature is valid for the pinned key; the statement's resources are
exactly ``manifest.json`` and the manifest's ``files``, with manifest.json's digest equal to the file's;
the manifest then checks every other file. Error codes: ``signature_missing``, ``signature_format``,
``signature_mismatch`` (not signed by this key, or changed after signing), ``signature_files`` (the
statement and the manifest name different files), ``signature_digest`` (a signed digest differs).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .files import MANIFEST, sha256_file
from .rules import BundleError

SIGNATURE = "model.sig"
BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model_signing/signature/v1.0"
IGNORE_PATHS = [SIGNATURE, ".git", ".gitattributes", ".github", ".gitignore"]  # model-signing's defaults


class SignatureError(BundleError):
    """A bundle whose signature is missing, malformed, or not valid for the pinned key."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what the signature covers."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _crypto():
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
    except ImportError:
        raise SignatureError("signing needs the 'cryptography' package: pip install 'finlite[sign]'", "signature_format") from None
    return ec, hashes, serialization, InvalidSignature


def generate_keypair(private_path: Path, public_path: Path) -> None:
    """A new ECDSA P-256 key: PKCS#8 PEM private key (mode 0600) and SubjectPublicKeyInfo PEM public key.
    Refuses to overwrite either file."""
    ec, _, serialization, _ = _crypto()
    for path in (private_path, public_path):
        if Path(path).exists():
            raise SignatureError(f"{path} already exists; refusing to overwrite a key", "signature_format")
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    Path(public_path).write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def _load_key(path: Path, private: bool):
    ec, _, serialization, _ = _crypto()
    if not Path(path).is_file():
        raise SignatureError(f"{path}: no such key file", "signature_format")
    try:
        data = Path(path).read_bytes()
        key = serialization.load_pem_private_key(data, None) if private else serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as err:
        raise SignatureError(f"{path}: not a PEM {'private' if private else 'public'} key ({err})", "signature_format") from None
    public = key.public_key() if private else key
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
        raise SignatureError(f"{path}: not an ECDSA P-256 key", "signature_format")
    return key


def _key_hint(public_key) -> str:
    _, _, serialization, _ = _crypto()
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(pem).hexdigest()


def statement(name: str, digests: dict[str, str]) -> dict:
    """The in-toto statement of model-signing's "files" serialization for ``{path: sha256 hex}``."""
    resources = [{"name": n, "digest": digests[n], "algorithm": "sha256"} for n in sorted(digests)]
    root = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in resources)).hexdigest()
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": root}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "serialization": {"hash_type": "sha256", "method": "files", "ignore_paths": IGNORE_PATHS, "allow_symlinks": False},
            "resources": resources,
        },
    }


def envelope(payload: dict, private_key_path: Path) -> dict:
    """The Sigstore bundle (DSSE envelope, ECDSA P-256 / SHA-256, deterministic RFC 6979 nonces) of ``payload``."""
    ec, hashes, _, _ = _crypto()
    key = _load_key(private_key_path, private=True)
    raw = json.dumps(payload, indent=2).encode()
    signature = key.sign(pae(PAYLOAD_TYPE, raw), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": _key_hint(key.public_key())}, "tlogEntries": []},
        "dsseEnvelope": {
            "payload": base64.b64encode(raw).decode(),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{"sig": base64.b64encode(signature).decode(), "keyid": ""}],
        },
    }


def sign_bundle(bundle_dir: Path, private_key_path: Path) -> Path:
    """Verify the bundle, then write ``BUNDLE/model.sig`` over every file of it (atomically: a reader sees
    the old signature or the new one). Refuses files the manifest does not list."""
    from .manifest import verify_files

    bundle_dir = Path(bundle_dir)
    manifest = verify_files(bundle_dir)
    on_disk = {str(p.relative_to(bundle_dir)) for p in bundle_dir.rglob("*") if p.is_file() or p.is_symlink()}
    unlisted = sorted(on_disk - set(manifest["files"]) - {MANIFEST, SIGNATURE})
    if unlisted:
        raise SignatureError(f"{bundle_dir}: {', '.join(unlisted)} not listed in the manifest; refusing to sign", "signature_files")
    digests = {name: manifest["files"][name]["sha256"] for name in manifest["files"]}
    digests[MANIFEST] = sha256_file(bundle_dir / MANIFEST)
    document = envelope(statement(bundle_dir.resolve().name, digests), private_key_path)
    tmp = bundle_dir / f".{SIGNATURE}.tmp"
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, bundle_dir / SIGNATURE)
    return bundle_dir / SIGNATURE


def _get(obj: Any, *keys: str | int) -> Any:
    for key in keys:
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            raise SignatureError(f"field {'.'.join(map(str, keys))!r}: missing or of the wrong type", "signature_format") from None
    return obj


def verify_signature(bundle_dir: Path, public_key_path: Path) -> dict:
    """Check ``BUNDLE/model.sig`` against the pinned public key and the bundle (see the module doc), then
    the bundle itself (:func:`~finlite.bundle.manifest.verify_files`); return the manifest."""
    from .manifest import verify_files

    ec, hashes, _, invalid = _crypto()
    bundle_dir = Path(bundle_dir)
    path = bundle_dir / SIGNATURE
    key = _load_key(public_key_path, private=False)
    if not path.is_file():
        raise SignatureError(f"{path}: missing — the bundle is not signed; refusing to load", "signature_missing")
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
        if _get(document, "mediaType") != BUNDLE_MEDIA_TYPE or _get(document, "dsseEnvelope", "payloadType") != PAYLOAD_TYPE:
            raise SignatureError("not a model-signing v1.0 Sigstore bundle with an in-toto DSSE payload", "signature_format")
        payload = base64.b64decode(_get(document, "dsseEnvelope", "payload"), validate=True)
        signature = base64.b64decode(_get(document, "dsseEnvelope", "signatures", 0, "sig"), validate=True)
    except SignatureError as err:
        raise SignatureError(f"{path}: {err}", err.code) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise SignatureError(f"{path}: not a signature document ({err})", "signature_format") from None
    try:
        key.verify(signature, pae(PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    except invalid:
        raise SignatureError(f"{path}: the signature is not valid for {public_key_path} (signed by another key, or changed after signing); refusing to load", "signature_mismatch") from None
    try:
        signed = json.loads(payload)
        ok = _get(signed, "_type") == STATEMENT_TYPE and _get(signed, "predicateType") == PREDICATE_TYPE
        if not ok or _get(signed, "predicate", "serialization", "method") != "files":
            raise SignatureError("not an in-toto statement of model-signing v1.0 'files' serialization", "signature_format")
        resources = {_get(r, "name"): _get(r, "digest") for r in _get(signed, "predicate", "resources") if _get(r, "algorithm") == "sha256"}
        root = hashlib.sha256(b"".join(bytes.fromhex(_get(r, "digest")) for r in _get(signed, "predicate", "resources"))).hexdigest()
        if root != _get(signed, "subject", 0, "digest", "sha256"):
            raise SignatureError("the subject digest does not cover the listed resources", "signature_format")
    except SignatureError as err:
        raise SignatureError(f"{path}: {err}", err.code) from None
    except ValueError as err:
        raise SignatureError(f"{path}: the signed statement is not valid ({err})", "signature_format") from None
    manifest_path = bundle_dir / MANIFEST
    if not manifest_path.is_file() or resources.get(MANIFEST) != sha256_file(manifest_path):
        raise SignatureError(f"{bundle_dir / MANIFEST}: differs from the signed one; refusing to load", "signature_digest")
    manifest = verify_files(bundle_dir)
    listed = set(manifest["files"]) | {MANIFEST}
    if set(resources) != listed:
        extra, missing = sorted(set(resources) - listed), sorted(listed - set(resources))
        raise SignatureError(f"{path}: the signature and the manifest name different files (signed only: {extra or 'none'}; unsigned: {missing or 'none'})", "signature_files")
    for name, entry in sorted(manifest["files"].items()):
        if resources[name] != entry["sha256"]:
            raise SignatureError(f"{bundle_dir / name}: differs from the signed digest; refusing to load", "signature_digest")
    return manifest
