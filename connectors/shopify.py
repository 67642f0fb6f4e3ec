"""Shopify Admin REST through ShopifyAPI: list pages as raw bytes, cursor by `page_info`.

Requests go through ShopifyAPI's own `ShopifyConnection` (its auth header, its error classes)
built per request from this connector's site, so no global `ShopifyResource` session is shared
between threads. The API version is pinned by `SHOPIFY_API_VERSION`. `SHOPIFY_SHOP_URL` is a shop
name or `*.myshopify.com` domain (https, as ShopifyAPI's `Session` builds it) or a full
`http(s)://host:port` base (a loopback sandbox).

Requests are paced by Shopify's leaky bucket: every answer says how full it is
(`X-Shopify-Shop-Api-Call-Limit: 38/40`); the bucket leaks 2 calls a second per 40 of size
(standard 40 and 2/s, Plus 80 and 4/s), and the next request waits once the bucket is nearly
full instead of earning a 429. A 429 that comes anyway is retried after its `Retry-After`.
The bucket is the shop's, not a connector's: every fetch and write-back of one shop in this
process reserves its place in one `CallBucket`, so each call counts the others' too.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import pyactiveresource.connection as arc
import shopify
from shopify.base import ShopifyConnection

from connectors.errors import (
    TransientVendorError,
    by_status,
    retry_after_seconds,
)
from connectors.pages import Page, load_page
from models.errors import ConfigurationError
from runtime.settings import Settings

VENDOR = "shopify"
PAGE_SIZE = 250  # Shopify's maximum `limit`
TIMEOUT_SECONDS = 60
LINK = re.compile(r'<(?P<url>[^>]+)>;\s*rel="(?P<rel>[^"]+)"')
CALL_LIMIT = re.compile(r"^\s*(?P<used>\d+)\s*/\s*(?P<size>\d+)\s*$")
HEADROOM = 2  # calls kept free in the bucket, for a request of ours already in flight


@dataclass(frozen=True)
class ShopifyConfig:
    site: str  # https://shop.myshopify.com/admin/api/2024-10
    access_token: str
    api_version: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ShopifyConfig:
        if not settings.shopify_shop_url or not settings.shopify_access_token:
            raise ConfigurationError(
                "Shopify is not configured: set SHOPIFY_SHOP_URL and SHOPIFY_ACCESS_TOKEN"
            )
        token = settings.shopify_access_token.get_secret_value()
        version = settings.shopify_api_version
        return cls(site_for(settings.shopify_shop_url, version), token, version)


def site_for(shop_url: str, version: str) -> str:
    if re.match(r"^https?://", shop_url):
        return f"{shop_url.rstrip('/')}/admin/api/{version}"
    session = shopify.Session(shop_url, version, "unused")
    return session.site


def pause_for(call_limit: str | None) -> float:
    """Seconds to wait before the next call so it leaves `HEADROOM` calls free in the bucket,
    from an answer's `X-Shopify-Shop-Api-Call-Limit` (0 without one)."""
    limit = _limit(call_limit)
    return _pause(*limit) if limit else 0.0


def _limit(call_limit: str | None) -> tuple[int, int] | None:
    """(used, size) of an `X-Shopify-Shop-Api-Call-Limit` value, if it reads as one."""
    found = CALL_LIMIT.match(call_limit or "")
    return (int(found["used"]), int(found["size"])) if found else None


def _pause(used: float, size: int) -> float:
    if size <= HEADROOM:
        return 0.0
    leak_per_second = size / 20
    return max(0.0, used + 1 - (size - HEADROOM)) / leak_per_second


Answer = TypeVar("Answer")


class CallBucket:
    """One shop's leaky bucket as this process sees it, for every fetch and write-back of
    the shop. It keeps the fill the last answer's call limit showed, leaking by the clock,
    plus each call given its place since. A call first `reserve`s its place and waits as long
    as it is told; its answer (or a 429's `Retry-After`) then corrects the bucket. Only this
    bookkeeping is locked: calls wait and run outside the lock, so none holds up another."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0  # unknown until an answer says
        self._used = 0.0
        self._at = time.monotonic()
        self._closed_until = 0.0  # a 429 asked everyone to wait until then

    def reserve(self) -> float:
        """Count in one more call; seconds it must wait before it goes."""
        with self._lock:
            now = self._leak()
            wait = max(self._closed_until - now, _pause(self._used, self._size))
            self._used += 1
            return max(0.0, wait)

    def send(self, request: Callable[[], tuple[Answer, str | None]]) -> Answer:
        """`request()` → (answer, its `X-Shopify-Shop-Api-Call-Limit`); the bucket learns
        from the answer, or from the `Retry-After` of a refusal."""
        try:
            answer, call_limit = request()
        except TransientVendorError as error:
            if error.retry_after:
                with self._lock:
                    self._closed_until = max(
                        self._closed_until, time.monotonic() + error.retry_after
                    )
            raise
        limit = _limit(call_limit)
        if limit:
            with self._lock:
                self._leak()
                self._used, self._size = max(self._used, float(limit[0])), limit[1]
        return answer

    def call(self, request: Callable[[], tuple[Answer, str | None]]) -> Answer:
        """`send` in its place, waiting in this thread (for callers already in one)."""
        wait = self.reserve()
        if wait > 0:
            time.sleep(wait)
        return self.send(request)

    def _leak(self) -> float:
        now = time.monotonic()
        if self._size:
            self._used = max(0.0, self._used - (now - self._at) * self._size / 20)
        self._at = now
        return now


_BUCKETS: dict[tuple[str, str], CallBucket] = {}
_BUCKETS_MADE = threading.Lock()


def bucket_for(config: ShopifyConfig) -> CallBucket:
    """The bucket of the shop and app (Shopify's is per app and store): by the site's
    scheme and host (API versions share it) and a digest of the access token."""
    parts = urlsplit(config.site)
    shop = f"{parts.scheme}://{parts.netloc}".lower()
    app = hashlib.sha256(config.access_token.encode()).hexdigest()[:16]
    with _BUCKETS_MADE:
        return _BUCKETS.setdefault((shop, app), CallBucket())


class ShopifyConnector:
    def __init__(self, config: ShopifyConfig) -> None:
        self.config = config
        self.bucket = bucket_for(config)
        self._turn = asyncio.Lock()  # one call at a time: each sees the answer the last got

    @classmethod
    def from_settings(cls, settings: Settings) -> ShopifyConnector:
        return cls(ShopifyConfig.from_settings(settings))

    def first_page_url(self, resource: str, params: dict[str, Any]) -> str:
        """`orders` + filters → the site-relative URL of the first page."""
        query = urlencode({**params, "limit": PAGE_SIZE})
        return f"{urlsplit(self.config.site).path}/{resource}.json?{query}"

    async def page_after(self, first_url: str, resource: str, cursor: str | None) -> Page:
        """The page at `cursor` (a `rel="next"` link), or the first page when it is None."""
        return await self.page(cursor or first_url, resource)

    async def page(self, url: str, resource: str) -> Page:
        """One page of `resource` at `url`; `next_cursor` is the `rel="next"` link's URL."""
        async with self._turn:
            wait = self.bucket.reserve()
            if wait > 0:
                await asyncio.sleep(wait)
            return await asyncio.to_thread(self.bucket.send, lambda: self._page(url, resource))

    def _page(self, url: str, resource: str) -> tuple[Page, str | None]:
        connection = ShopifyConnection(self.config.site, timeout=TIMEOUT_SECONDS)
        origin = f"GET {_path(url)}"
        try:
            response = connection.get(url, {"X-Shopify-Access-Token": self.config.access_token})
        except arc.Error as error:
            raise shopify_error(error) from error
        except (OSError, http.client.HTTPException) as error:
            raise TransientVendorError(VENDOR, "connection", f"{origin}: {error!r}") from error
        data = load_page(VENDOR, response.body, origin, resource, list)
        links = next_link(_header(response.headers, "Link"))
        notices = version_notices(response.headers, self.config.api_version, origin)
        page = Page(response.body, origin, data, next_cursor=links, notices=notices)
        return page, call_limit(response.headers)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def version_notices(
    headers: dict[str, str], pinned: str, origin: str
) -> tuple[tuple[str, str], ...]:
    """What Shopify says of the API version beside an answer. It serves the pinned version
    while that is supported, and otherwise falls forward to the oldest supported one, naming
    it in `X-Shopify-API-Version`: the answer is then read as another version's. A request
    using something deprecated gets `X-Shopify-API-Deprecated-Reason`."""
    notices = []
    served = _header(headers, "X-Shopify-API-Version")
    if served and served != pinned:
        notices.append(
            (
                "shopify_api_version",
                f"Shopify served API version {served}, not {pinned} (SHOPIFY_API_VERSION): "
                f"{pinned} is no longer supported; check Shopify's changes up to {served}, "
                "then pin a supported version",
            )
        )
    deprecated = _header(headers, "X-Shopify-API-Deprecated-Reason")
    if deprecated:
        notices.append(
            (
                "shopify_api_deprecated",
                f"Shopify says {origin} uses a deprecated part of API version {pinned}: "
                f"{deprecated}",
            )
        )
    return tuple(notices)


def call_limit(headers: dict[str, str]) -> str | None:
    """An answer's `X-Shopify-Shop-Api-Call-Limit` (`38/40`), if it has one."""
    return _header(headers, "X-Shopify-Shop-Api-Call-Limit")


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def next_link(link_header: str | None) -> str | None:
    """The `rel="next"` URL of a Shopify `Link` header, if any."""
    for match in LINK.finditer(link_header or ""):
        if match["rel"] == "next":
            return match["url"]
    return None


def shopify_error(error: arc.Error) -> Exception:
    """pyactiveresource's errors → our kinds, with Shopify's `errors` text as the message."""
    response = getattr(error, "response", None)
    status = error.code or (response.code if response is not None else None) or 0
    headers = response.headers if response is not None else {}
    retry_after = retry_after_seconds(_header(headers, "Retry-After"))
    if isinstance(error, arc.ServerError) or not status:
        code = f"http_{status or 'connection'}"
        return TransientVendorError(VENDOR, code, str(error), retry_after)
    body = response.body if response is not None else b""
    message = _errors_text(body) or str(error)
    return by_status(VENDOR, int(status), f"http_{status}", message, retry_after)


def _errors_text(body: bytes | str) -> str:
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return ""
    errors = data.get("errors") if isinstance(data, dict) else None
    return errors if isinstance(errors, str) else json.dumps(errors) if errors else ""
