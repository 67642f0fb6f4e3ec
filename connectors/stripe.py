"""Stripe through the `stripe` SDK: list pages as raw bytes, cursor by `starting_after`.

`StripeClient.raw_request` is the SDK's own requestor (auth, API version, error mapping) and
hands back the body exactly as received, which we store; the SDK's parsed object would round
floats and lose the bytes. The SDK's network retries are off: the fetch activity retries pages
itself and resumes from the last `starting_after` after a crash.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import stripe

from connectors.errors import (
    MalformedPage,
    TransientVendorError,
    VendorAuthError,
    VendorRequestError,
    by_status,
    retry_after_seconds,
)
from connectors.pages import Page
from models.errors import ConfigurationError
from runtime.settings import Settings

VENDOR = "stripe"
PAGE_SIZE = 100  # Stripe's maximum `limit`
# The API version the normalizers read (and the sandbox is checked against, in
# ../shared/vendor/stripe/spec3.yaml); without it the SDK sends its own, newer one.
API_VERSION = "2023-08-16"


@dataclass(frozen=True)
class StripeConfig:
    api_key: str
    api_base: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeConfig:
        if not settings.stripe_api_key:
            raise ConfigurationError("Stripe is not configured: set STRIPE_API_KEY")
        return cls(settings.stripe_api_key.get_secret_value(), settings.stripe_api_base)


def build_client(config: StripeConfig) -> stripe.StripeClient:
    bases: Any = {"api": config.api_base.rstrip("/")} if config.api_base else None
    return stripe.StripeClient(
        config.api_key,
        stripe_version=API_VERSION,
        base_addresses=bases,
        max_network_retries=0,
    )


class StripeConnector:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeConnector:
        return cls(build_client(StripeConfig.from_settings(settings)))

    async def list_page(
        self, path: str, params: dict[str, Any], starting_after: str | None
    ) -> Page:
        """One page of `GET <path>` (e.g. `/v1/charges`), newest first as Stripe lists."""
        query = {**params, "limit": PAGE_SIZE}
        if starting_after:
            query["starting_after"] = starting_after
        return await asyncio.to_thread(self._list_page, path, query)

    def _list_page(self, path: str, query: dict[str, Any]) -> Page:
        origin = f"GET {path}?{urlencode(flatten(query), safe='[]')}"
        try:
            response = self.client.raw_request("get", path, **query)
        except stripe.StripeError as error:
            raise stripe_error(error) from error
        body = response.body.encode("utf-8")
        data = response.data
        if not isinstance(data, dict) or data.get("object") != "list":
            raise MalformedPage(VENDOR, "malformed_body", origin, "not a list object", body)
        items = data.get("data")
        if not isinstance(items, list):
            raise MalformedPage(VENDOR, "malformed_body", origin, "no data list", body)
        next_cursor = None
        if data.get("has_more") and items:
            last = items[-1]
            if not isinstance(last, dict) or not isinstance(last.get("id"), str):
                detail = f"data[{len(items) - 1}] has no id to page after"
                raise MalformedPage(VENDOR, "malformed_body", origin, detail, body)
            next_cursor = last["id"]
        return Page(body=body, origin=origin, data=data, next_cursor=next_cursor)


def flatten(params: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Stripe's form encoding of nested params: `created[gte]=…`."""
    pairs: list[tuple[str, Any]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            pairs.extend(flatten(value, name))
        else:
            pairs.append((name, value))
    return pairs


def stripe_error(error: stripe.StripeError) -> Exception:
    """Stripe's exception classes → our kinds, naming Stripe's code (or error type)."""
    body: dict[str, Any] = error.json_body if isinstance(error.json_body, dict) else {}
    detail: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
    code = error.code or detail.get("type") or type(error).__name__
    message = detail.get("message") or error.user_message or str(error)
    headers = error.headers or {}
    retry_after = retry_after_seconds(headers.get("retry-after") or headers.get("Retry-After"))
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return VendorAuthError(VENDOR, code, message)
    if isinstance(error, stripe.RateLimitError | stripe.APIConnectionError | stripe.APIError):
        return TransientVendorError(VENDOR, code, message, retry_after)
    if isinstance(error, stripe.InvalidRequestError):
        return VendorRequestError(VENDOR, code, message)
    if error.http_status is None:
        return TransientVendorError(VENDOR, code, message, retry_after)
    return by_status(VENDOR, error.http_status, code, message, retry_after)
