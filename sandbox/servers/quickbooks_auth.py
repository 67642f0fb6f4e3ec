"""Intuit OAuth 2.0 as QuickBooks Online uses it: short-lived Bearer access tokens and rotating
refresh tokens.

`POST /oauth2/v1/tokens/bearer` (HTTP Basic with client id and secret, form
`grant_type=refresh_token&refresh_token=...`) returns a new access token AND a new refresh token;
the old refresh token stops working. The discovery document that intuit-oauth's `AuthClient`
fetches (pass its URL as `environment`) points at this token endpoint.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field


@dataclass
class OAuthState:
    client_id: str
    client_secret: str
    refresh_token: str
    access_ttl: float = 3600.0
    refresh_ttl: int = 8_726_400
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client_ok(self, authorization: str) -> bool:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        return (user, password) == (self.client_id, self.client_secret)

    def refresh(self, refresh_token: str) -> dict[str, object] | None:
        """New access and refresh tokens for a current refresh token; None for any other."""
        with self.lock:
            if not secrets.compare_digest(refresh_token, self.refresh_token):
                return None
            self.refresh_token = "RT1-" + secrets.token_urlsafe(24)
            access = "eyJsandbox." + secrets.token_urlsafe(32)
            self.access_tokens[access] = time.monotonic() + self.access_ttl
            return {
                "token_type": "bearer",
                "access_token": access,
                "expires_in": int(self.access_ttl),
                "refresh_token": self.refresh_token,
                "x_refresh_token_expires_in": self.refresh_ttl,
            }

    def access_problem(self, authorization: str) -> str | None:
        """Why a request's Bearer token is refused, or None if it is good."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "Authorization header missing or not Bearer"
        with self.lock:
            expiry = self.access_tokens.get(token.strip())
        if expiry is None:
            return f"Token invalid: {token[:12]}..."
        if time.monotonic() >= expiry:
            return f"Token expired: {token[:12]}..."
        return None

    def expire_all(self) -> None:
        """Make every access token issued so far expired (a test of the client's refresh path)."""
        with self.lock:
            self.access_tokens = dict.fromkeys(self.access_tokens, 0.0)


def discovery_document(base_url: str) -> dict[str, object]:
    return {
        "issuer": "https://oauth.platform.intuit.com/op/v1",
        "authorization_endpoint": f"{base_url}/connect/oauth2",
        "token_endpoint": f"{base_url}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base_url}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base_url}/oauth2/v1/tokens/revoke",
        "jwks_uri": f"{base_url}/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def authentication_fault(detail: str) -> dict[str, object]:
    """The 401 body QBO sends (note the lower-case `fault`, unlike its other errors)."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": int(time.time() * 1000),
        "status": None,
        "cdcresponse": [],
    }
