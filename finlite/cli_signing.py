"""``finlite keygen`` / ``finlite sign`` and ``finlite verify --public-key``: bundle signatures in the OpenSSF
model-signing format (:mod:`finlite.bundle.signing`, docs/bundle.md "Signatures"). Kept apart from
:mod:`finlite.cli` so the signing commands stay in one place; nothing heavy is imported at parse time."""

from __future__ import annotations

import argparse
from pathlib import Path

EPILOG_KEYGEN = """examples:
  finlite keygen --out keys/release          # keys/release.private.pem (mode 0600) + keys/release.public.pem
"""
EPILOG_SIGN = """examples:
  finlite sign bundles/b77 --key keys/release.private.pem
  finlite verify bundles/b77 --public-key keys/release.public.pem
"""


def _cmd_keygen(args: argparse.Namespace) -> int:
    from .bundle.signing import generate_keypair

    stem = Path(args.out)
    stem.parent.mkdir(parents=True, exist_ok=True)
    private, public = Path(f"{stem}.private.pem"), Path(f"{stem}.public.pem")
    generate_keypair(private, public)
    print(f"wrote {private} (keep it secret; mode 0600) and {public} (ship it in the app to pin it)")
    return 0


def _cmd_sign(args: argparse.Namespace) -> int:
    from .bundle.signing import sign_bundle

    path = sign_bundle(Path(args.bundle_dir), Path(args.key))
    print(f"wrote {path}; check it with: finlite verify {args.bundle_dir} --public-key PUBLIC.pem")
    return 0


def check_signature(args: argparse.Namespace) -> str | None:
    """``verify --public-key``: the signature is checked before anything else of the bundle is read."""
    if not getattr(args, "public_key", None):
        return None
    from .bundle.signing import verify_signature

    verify_signature(Path(args.bundle_dir), Path(args.public_key))
    return f"signature ok (model.sig, ECDSA P-256, key {args.public_key})"


def add_signing_commands(sub, fmt) -> None:
    keygen = sub.add_parser("keygen", help="create an ECDSA P-256 key pair for signing bundles", epilog=EPILOG_KEYGEN, formatter_class=fmt)
    keygen.add_argument("--out", default="finlite-signing", help="path stem of the two PEM files (default finlite-signing)")
    keygen.set_defaults(func=_cmd_keygen)
    sign = sub.add_parser("sign", help="sign a bundle (writes BUNDLE/model.sig, OpenSSF model-signing format)", epilog=EPILOG_SIGN, formatter_class=fmt)
    sign.add_argument("bundle_dir")
    sign.add_argument("--key", required=True, help="PEM private key from 'finlite keygen'")
    sign.set_defaults(func=_cmd_sign)


def add_public_key_argument(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("--public-key", help="PEM public key: refuse the bundle unless model.sig is a valid signature by it")
