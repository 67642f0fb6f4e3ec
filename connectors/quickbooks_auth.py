"""QuickBooks Online OAuth 2.0: access tokens refreshed on demand, refresh tokens rotated.

intuit-oauth's `AuthClient` fetches Intuit's discovery document over the network when it is
built, so this speaks the token endpoint directly (RFC 6749 §6, as Intuit documents it):
`POST /oauth2/v1/tokens/bearer`, HTTP Basic client auth, `grant_type=refresh_token`.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

import httpx

from connectors.errors import TransientVendorError, VendorAuthError, by_status
from connectors.token_store import OAuthTokens, TokenStore
from models.errors import ConfigurationError

VENDOR = "quickbooks"
INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
EARLY = timedelta(minutes=5)  # refresh this long before Intuit's stated expiry
GRANT_SECONDS = 30  # the whole token call, while holding the store's key


class QuickBooksAuth:
    """Gives a valid access token; refreshes (and persists the rotated pair) when needed."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        initial_refresh_token: str | None,
        store: TokenStore,
    ) -> None:
        self.http = http
        self.token_url = token_url
        self.client = (client_id, client_secret)
        self.initial_refresh_token = initial_refresh_token
        self.store = store
        self.tokens: OAuthTokens | None = None
        self.refused: str | None = None  # the access token the API last answered 401 to
        self.lock = asyncio.Lock()

    async def access_token(self) -> str:
        async with self.lock:
            tokens = self.tokens
            if tokens is None or not self._usable(tokens):
                async with self.store.exclusive():  # other workers wait here, then read ours
                    tokens = await self._stored_or_initial()
                    if not self._usable(tokens):
                        tokens = await self._refresh(tokens)
            self.tokens = tokens
            assert tokens.access_token
            return tokens.access_token

    async def rejected(self, token: str) -> None:
        """The API said 401 to `token`: never use it again, so the next call refreshes."""
        async with self.lock:
            self.refused = token

    def _usable(self, tokens: OAuthTokens) -> bool:
        return _fresh(tokens) and tokens.access_token != self.refused

    async def _stored_or_initial(self) -> OAuthTokens:
        """The stored (rotated) tokens, unless QBO_REFRESH_TOKEN was set anew since they were
        granted: reconnecting the company is how a person recovers from revoked tokens, or
        from tokens sealed under an older key (`QBO_CLIENT_SECRET` was rotated)."""
        try:
            stored = await self.store.load()
        except ConfigurationError:
            if not self.initial_refresh_token:
                raise
            stored = None  # unreadable now: start a new chain from the configured token
        configured = (
            _fingerprint(self.initial_refresh_token) if self.initial_refresh_token else None
        )
        if stored and (
            configured is None
            or stored.granted_from in (None, configured)
            or _fingerprint(stored.refresh_token) == configured  # the chain's own current token
        ):
            return stored
        if not self.initial_refresh_token:
            raise VendorAuthError(VENDOR, "no_refresh_token", "set QBO_REFRESH_TOKEN")
        return OAuthTokens(refresh_token=self.initial_refresh_token, granted_from=configured)

    async def _refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        """Called holding the store's key, so the refresh token read is the newest, unless
        a worker that does not take the key (an older version, mid-upgrade) rotated it."""
        try:
            fresh = await self._grant(tokens.refresh_token)
        except VendorAuthError:
            stored = await self.store.load()
            if not stored or stored.refresh_token == tokens.refresh_token:
                raise
            if self._usable(stored):
                return stored
            fresh = await self._grant(stored.refresh_token)
        fresh = fresh.model_copy(update={"granted_from": tokens.granted_from})
        await self.store.save(fresh)  # before first use: the old refresh token may be dead now
        return fresh

    async def _grant(self, refresh_token: str) -> OAuthTokens:
        try:
            async with asyncio.timeout(GRANT_SECONDS):  # other workers wait on the key meanwhile
                response = await self.http.post(
                    self.token_url,
                    auth=self.client,
                    data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                    headers={"Accept": "application/json"},
                )
        except httpx.TransportError as error:
            raise TransientVendorError(VENDOR, "token_endpoint", repr(error)) from error
        except TimeoutError as error:
            detail = f"no answer from the token endpoint in {GRANT_SECONDS} s"
            raise TransientVendorError(VENDOR, "token_endpoint", detail) from error
        body = _json(response)
        if response.status_code != 200:
            code = str(body.get("error") or f"http_{response.status_code}")
            message = str(body.get("error_description") or "token refresh refused")
            if response.status_code in (400, 401):  # invalid_grant, invalid_client
                raise VendorAuthError(VENDOR, code, message)
            raise by_status(VENDOR, response.status_code, code, message)
        expires = datetime.now(UTC) + timedelta(seconds=int(body.get("expires_in", 3600)))
        return OAuthTokens(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or refresh_token,
            access_expires_at=expires,
        )


def _fingerprint(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16]


def _fresh(tokens: OAuthTokens) -> bool:
    if not tokens.access_token or tokens.access_expires_at is None:
        return False
    return tokens.access_expires_at - EARLY > datetime.now(UTC)


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
