"""OAuth tokens are stored encrypted and come back intact; a wrong key is refused clearly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.token_store import EncryptedTokenStore, OAuthTokens, fernet_from_secret
from models.errors import ConfigurationError

from .memory_ingestor import MemoryKeyValueStore

TOKENS = OAuthTokens(
    refresh_token="RT1-secret-refresh",
    access_token="eyJ-secret-access",
    access_expires_at=datetime(2026, 11, 22, 9, tzinfo=UTC),
)


async def test_tokens_round_trip_and_are_unreadable_at_rest():
    backend = MemoryKeyValueStore()
    store = EncryptedTokenStore(backend, fernet_from_secret("s3cret", purpose="qbo"), "tokens")
    assert await store.load() is None
    await store.save(TOKENS)
    assert await store.load() == TOKENS
    sealed = backend.values["tokens"]
    assert "RT1-secret-refresh" not in sealed and "eyJ-secret-access" not in sealed


async def test_a_different_key_cannot_read_them():
    backend = MemoryKeyValueStore()
    await EncryptedTokenStore(backend, fernet_from_secret("one", purpose="qbo"), "t").save(TOKENS)
    other = EncryptedTokenStore(backend, fernet_from_secret("two", purpose="qbo"), "t")
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        await other.load()


def test_an_empty_secret_is_refused():
    with pytest.raises(ConfigurationError):
        fernet_from_secret("", purpose="qbo")
