"""Payload encryption for Temporal: AES-256-GCM, several keys for rotation.

Every payload (workflow inputs, results, activity arguments, failure messages) leaves the
process encrypted, so the Temporal cluster and its database never see an amount or an email.
Each encrypted payload carries the id of the key that sealed it in its metadata
(`encryption-key-id`): encrypt with the active (newest) key, decrypt with whichever key the
payload names. Rotating means adding a new key, making it active, and keeping the old ones
until no history that needs them is retained.

Keys come from Settings: `CODEC_KEYS` is a JSON object of key id → base64 of 32 random bytes
(`python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"`),
`CODEC_ACTIVE_KEY` names the one used to encrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload
from temporalio.converter import DefaultFailureConverter, PayloadCodec

from models.errors import ConfigurationError
from runtime.settings import Settings

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
_NONCE_BYTES = 12


class EncryptionCodec(PayloadCodec):
    """Encrypts with `active_key_id`; decrypts with the key each payload names."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        if active_key_id not in keys:
            raise ConfigurationError(
                f"CODEC_ACTIVE_KEY {active_key_id!r} is not one of CODEC_KEYS ({', '.join(sorted(keys))})"
            )
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._active = active_key_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(p) for p in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self._active].encrypt(
            nonce, payload.SerializeToString(), self._active.encode()
        )
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: self._active.encode()},
            data=nonce + sealed,
        )

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before encryption was turned on
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise ConfigurationError(
                f"a payload was encrypted with key {key_id!r}, which is not in CODEC_KEYS; "
                "keep retired keys configured until their histories are gone"
            )
        nonce, sealed = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
        return Payload.FromString(cipher.decrypt(nonce, sealed, key_id.encode()))


class EncodedAttributesFailureConverter(DefaultFailureConverter):
    """Failure messages and stack traces go into the (encrypted) encoded attributes."""

    def __init__(self) -> None:
        super().__init__(encode_common_attributes=True)


def decode_key(key_id: str, value: SecretStr | str) -> bytes:
    """A base64 AES key of 16, 24 or 32 bytes; says which key is wrong otherwise."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"CODEC_KEYS[{key_id!r}] is not valid base64") from None
    if len(raw) not in (16, 24, 32):
        raise ConfigurationError(
            f"CODEC_KEYS[{key_id!r}] decodes to {len(raw)} bytes; AES needs 16, 24 or 32"
        )
    return raw


def codec_from_settings(settings: Settings) -> EncryptionCodec | None:
    """The codec the settings ask for, or None when no keys are configured."""
    configured: Mapping[str, SecretStr | str] = getattr(settings, "codec_keys", None) or {}
    if not configured:
        return None
    keys = {key_id: decode_key(key_id, value) for key_id, value in configured.items()}
    active = getattr(settings, "codec_active_key", None) or max(keys)
    return EncryptionCodec(keys, active)
