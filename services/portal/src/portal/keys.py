"""The portal's two keys: the OIDC client key (private_key_jwt towards DigiD) and the Ed25519
key that signs its tokens to the services. In development both are generated into .local/ at
first start (with the public halves beside them for the DigiD mock and the services); outside
development they must be configured files, never generated."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc.jwk import ECKey, KeySet

from mijnoverheid.auth import load_private_key


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def public_jwks_path(client_key: Path) -> Path:
    return client_key.with_name(client_key.name.replace(".jwk.json", "") + ".jwks.json")


def public_pem_path(signing_key: Path) -> Path:
    return signing_key.with_suffix(".pub")


def oidc_client_key(path: Path, generate: bool) -> ECKey:
    if not path.exists():
        if not generate:
            raise FileNotFoundError(f"OIDC client key {path} does not exist")
        key = ECKey.generate_key("P-256", auto_kid=True)
        _write_private(path, json.dumps(key.as_dict(private=True)).encode())
    key = ECKey.import_key(json.loads(path.read_text(encoding="utf-8")))
    if not key.is_private:
        raise ValueError(f"{path} holds no private key")
    public = public_jwks_path(path)
    if generate and not public.exists():
        public.write_text(json.dumps(KeySet([key]).as_dict(private=False)), encoding="utf-8")
    return key


def token_signing_key(path: Path, generate: bool) -> Ed25519PrivateKey:
    if not path.exists():
        if not generate:
            raise FileNotFoundError(f"token signing key {path} does not exist")
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(path, pem)
    key = load_private_key(path)
    public = public_pem_path(path)
    if generate and not public.exists():
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return key
