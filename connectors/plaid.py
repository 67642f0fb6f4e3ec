"""Plaid through plaid-python: `/transactions/sync` pages as raw bytes.

The client is plaid-python's own `PlaidApi`; we ask it for the undecoded response
(`_preload_content=False`) so the page is stored exactly as Plaid sent it. urllib3's own retries
are off: the fetch activity decides when to retry, honouring Retry-After.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
from dataclasses import dataclass

import plaid
import urllib3
from plaid.api.plaid_api import PlaidApi
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.transactions_sync_request_options import TransactionsSyncRequestOptions

from connectors.errors import (
    MalformedPage,
    TransientVendorError,
    VendorAuthError,
    VendorRequestError,
    by_status,
    retry_after_seconds,
)
from connectors.pages import Page, load_page
from models.errors import ConfigurationError
from runtime.settings import Settings

VENDOR = "plaid"
SYNC_PAGE_SIZE = 500  # Plaid's maximum `count`
MUTATION = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
INVALID_ACCOUNT = "INVALID_ACCOUNT_ID"  # an `options.account_id` the Item does not have
# `transactions_update_status`: nothing pulled yet, or only the last 30 days or so so far
NOT_READY, INITIAL_ONLY = "NOT_READY", "INITIAL_UPDATE_COMPLETE"
AUTH_CODES = {
    "INVALID_API_KEYS",
    "INVALID_ACCESS_TOKEN",
    "ITEM_LOGIN_REQUIRED",
    "UNAUTHORIZED_ENVIRONMENT",
    "INVALID_SECRET",
    "INVALID_CLIENT_ID",
    "ACCESS_NOT_GRANTED",
    "ITEM_NOT_FOUND",
    # the Item needs its user in Link's update mode again
    "ITEM_LOCKED",
    "INVALID_CREDENTIALS",
    "INSUFFICIENT_CREDENTIALS",
    "USER_SETUP_REQUIRED",
    "INVALID_MFA",
}
NOT_READY_CODES = {
    "PRODUCT_NOT_READY",
    "INSTITUTION_DOWN",
    "INSTITUTION_NOT_RESPONDING",
    "INSTITUTION_NOT_AVAILABLE",
}


class SyncMutationDuringPagination(TransientVendorError):
    """Plaid's data changed between pages: restart the update from its first cursor."""

    retry_in_place = False


@dataclass(frozen=True)
class PlaidConfig:
    host: str
    client_id: str
    secret: str
    access_token: str
    account_ids: tuple[str, ...] = ()  # only these accounts' transactions; () every account

    @classmethod
    def from_settings(cls, settings: Settings) -> PlaidConfig:
        missing = [
            name
            for name, value in (
                ("PLAID_CLIENT_ID", settings.plaid_client_id),
                ("PLAID_SECRET", settings.plaid_secret),
                ("PLAID_ACCESS_TOKEN", settings.plaid_access_token),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(f"Plaid is not configured: set {', '.join(missing)}")
        return cls(
            host=(settings.plaid_base_url or plaid.Environment.Production).rstrip("/"),
            client_id=settings.plaid_client_id or "",
            secret=settings.plaid_secret.get_secret_value() if settings.plaid_secret else "",
            access_token=settings.plaid_access_token.get_secret_value()
            if settings.plaid_access_token
            else "",
            account_ids=tuple(dict.fromkeys(settings.plaid_account_ids)),
        )

    @property
    def item_key(self) -> str:
        """The key the item's sync cursor is kept under: a digest, never the token itself."""
        digest = hashlib.sha256(self.access_token.encode()).hexdigest()[:16]
        return f"transactions_sync:{digest}"

    @property
    def streams(self) -> tuple[str | None, ...]:
        """The sync streams to follow: one per configured account (Plaid's `account_id`
        option: its own updates, its own cursor), or the Item's one stream of every account."""
        return self.account_ids or (None,)

    def cursor_key(self, account_id: str | None) -> str:
        """The key a stream's cursor is kept under (the Item's, or one account's of it)."""
        return self.item_key if account_id is None else f"{self.item_key}:{account_id}"


def build_client(config: PlaidConfig) -> PlaidApi:
    configuration = plaid.Configuration(
        host=config.host, api_key={"clientId": config.client_id, "secret": config.secret}
    )
    configuration.retries = urllib3.Retry(total=0, redirect=0, raise_on_status=False)
    return PlaidApi(plaid.ApiClient(configuration))


class PlaidConnector:
    def __init__(self, config: PlaidConfig, api: PlaidApi | None = None) -> None:
        self.config = config
        self.api = api or build_client(config)

    @classmethod
    def from_settings(cls, settings: Settings) -> PlaidConnector:
        return cls(PlaidConfig.from_settings(settings))

    async def sync_page(self, cursor: str | None, account_id: str | None = None) -> Page:
        """One `/transactions/sync` page of the Item (or of one of its accounts);
        `next_cursor` is None when `has_more` is false."""
        return await asyncio.to_thread(self._sync_page, cursor, account_id)

    def _sync_page(self, cursor: str | None, account_id: str | None = None) -> Page:
        # the bank's own text, where invoice numbers are (else Plaid sends it as null)
        options = TransactionsSyncRequestOptions(include_original_description=True)
        if account_id is not None:
            options.account_id = account_id
        request = TransactionsSyncRequest(
            access_token=self.config.access_token, count=SYNC_PAGE_SIZE, options=options
        )
        if cursor:
            request.cursor = cursor
        account = f" account_id={account_id}" if account_id is not None else ""
        origin = f"POST /transactions/sync{account} cursor={cursor or ''}"
        try:
            response = self.api.transactions_sync(request, _preload_content=False)
            body = response.data  # read here: a dropped connection surfaces while reading
        except plaid.ApiException as error:
            if not error.status or error.body is None:
                raise TransientVendorError(VENDOR, "CONNECTION", str(error.reason)) from error
            headers = dict(error.headers or {})
            retry_after = headers.get("Retry-After") or headers.get("retry-after")
            raise plaid_error(error.status, error.body, retry_after) from error
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as error:
            raise TransientVendorError(VENDOR, "CONNECTION", repr(error)) from error
        if response.status != 200:
            raise plaid_error(response.status, body, response.headers.get("Retry-After"))
        data = load_page(VENDOR, body, origin, "next_cursor", str, code="MALFORMED_BODY")
        for key in ("added", "modified", "removed"):  # else its records would be skipped
            if not isinstance(data.get(key), list):
                raise MalformedPage(VENDOR, "MALFORMED_BODY", origin, f"no {key} (list)", body)
        if data.get("transactions_update_status") == NOT_READY:
            raise TransientVendorError(
                VENDOR,
                NOT_READY,
                "Plaid has not pulled this Item's transactions yet "
                "(transactions_update_status NOT_READY); its empty answer is not the bank's",
            )
        next_cursor = data.get("next_cursor") if data.get("has_more") else None
        return Page(body=body, origin=origin, data=data, next_cursor=next_cursor)


def plaid_error(status: int, body: bytes, retry_after: str | None) -> Exception:
    """Plaid's error envelope (`error_type`, `error_code`, `error_message`) → our error kinds."""
    try:
        envelope = json.loads(body)
    except ValueError:
        envelope = {}
    if not isinstance(envelope, dict):
        envelope = {}
    code = str(envelope.get("error_code") or f"HTTP_{status}")
    message = str(envelope.get("error_message") or body[:200])
    if envelope.get("request_id"):  # what Plaid's support asks for
        message += f" (request_id {envelope['request_id']})"
    if code == MUTATION:
        return SyncMutationDuringPagination(VENDOR, code, message)
    if code in AUTH_CODES:
        return VendorAuthError(VENDOR, code, message)
    if code in NOT_READY_CODES or envelope.get("error_type") == "RATE_LIMIT_EXCEEDED":
        return TransientVendorError(VENDOR, code, message, retry_after_seconds(retry_after))
    if status == 400:
        return VendorRequestError(VENDOR, code, message)
    return by_status(VENDOR, status, code, message, retry_after_seconds(retry_after))
