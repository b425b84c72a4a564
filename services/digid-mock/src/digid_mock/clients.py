"""Relying parties the mock knows, each with its redirect URIs and its public JWKS, for
`private_key_jwt` client authentication as the NL GOV OIDC profile requires (no secrets)."""

from __future__ import annotations

import json
from pathlib import Path

from joserfc.jwk import KeySet
from pydantic import BaseModel, ConfigDict, Field

from mijnoverheid.settings import REPOSITORY_ROOT, load_yaml


class Client(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(min_length=1, max_length=200)
    redirect_uris: tuple[str, ...] = Field(min_length=1)
    post_logout_redirect_uris: tuple[str, ...] = ()
    jwks_file: Path

    def public_keys(self) -> KeySet:
        """Read at every use: the client may create its key after the mock started."""
        path = self.jwks_file if self.jwks_file.is_absolute() else REPOSITORY_ROOT / self.jwks_file
        loaded = KeySet.import_key_set(json.loads(path.read_text(encoding="utf-8")))
        if any(key.is_private for key in loaded):
            raise ValueError(f"{path}: a client's JWKS must hold public keys only")
        return loaded


class Clients(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    clients: tuple[Client, ...]

    def get(self, client_id: str) -> Client | None:
        return next((client for client in self.clients if client.client_id == client_id), None)

    @classmethod
    def load(cls, path: Path) -> Clients:
        return load_yaml(cls, path)
