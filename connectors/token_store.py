"""OAuth tokens kept encrypted at rest, behind a small store protocol.

QuickBooks rotates its refresh token on every refresh and may invalidate the old one, so the new
pair is saved *before* the access token is used. A refresh holds the store's key (`hold`) from
reading the pair to saving the new one: two workers sharing a company's tokens never present
the same refresh token. The store encrypts with Fernet (AES-128-CBC + HMAC-SHA256) under a key
derived from Settings; the bytes land wherever the `KeyValueStore` keeps them (the ledger,
through the ingestor's cursor table, until the lead gives tokens a table).
"""

from __future__ import annotations

import base64
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel

from models.errors import ConfigurationError


class OAuthTokens(BaseModel):
    refresh_token: str
    access_token: str | None = None
    access_expires_at: datetime | None = None
    # Fingerprint of the configured refresh token this chain of rotations started from: when the
    # configured one changes (the company was connected again), the stored chain is stale.
    granted_from: str | None = None


class TokenStore(Protocol):
    async def load(self) -> OAuthTokens | None: ...
    async def save(self, tokens: OAuthTokens) -> None: ...
    def exclusive(self) -> AbstractAsyncContextManager[None]:
        """Held across load → refresh → save: no other holder, in any process, meanwhile."""


class KeyValueStore(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str) -> None: ...
    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        """Exclusive use of `key` until exit, across every process sharing the store."""


def fernet_from_secret(secret: str, *, purpose: str) -> Fernet:
    """A Fernet key derived (HKDF-SHA256) from a configured secret, one key per purpose."""
    if not secret:
        raise ConfigurationError("no secret configured to derive the token encryption key from")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


class EncryptedTokenStore:
    """A `TokenStore` that writes one encrypted JSON document under `key`."""

    def __init__(self, backend: KeyValueStore, fernet: Fernet, key: str) -> None:
        self.backend = backend
        self.fernet = fernet
        self.key = key

    async def load(self) -> OAuthTokens | None:
        sealed = await self.backend.get(self.key)
        if sealed is None:
            return None
        try:
            plain = self.fernet.decrypt(sealed.encode())
        except InvalidToken as error:
            raise ConfigurationError(
                f"stored tokens under {self.key!r} cannot be decrypted with the configured key "
                "(was the secret it is derived from rotated?): connect the company again and "
                "set its new refresh token"
            ) from error
        return OAuthTokens.model_validate_json(plain)

    def exclusive(self) -> AbstractAsyncContextManager[None]:
        return self.backend.hold(self.key)

    async def save(self, tokens: OAuthTokens) -> None:
        sealed = self.fernet.encrypt(tokens.model_dump_json().encode()).decode()
        await self.backend.put(self.key, sealed)
