"""QuickBooks Online Accounting REST: query pages as raw bytes, paged by last-updated time.

python-quickbooks parses every response itself (`requests.json()`), so the bytes Intuit sent
are out of reach; this calls the documented REST query endpoint with httpx instead:
`GET /v3/company/<realm>/query?query=SELECT … STARTPOSITION n MAXRESULTS m&minorversion=…`.
A query is filtered on `MetaData.LastUpdatedTime` and ordered by it (then `Id`); each page
starts from the last row's time, as a position alone would skip rows edited meanwhile.

A query never returns a deleted entity, so deletions come from change data capture:
`GET /v3/company/<realm>/cdc?entities=<Entity>&changedSince=<date-time>`. Intuit keeps 30 days
of changes and answers at most 1,000 objects per response (across the entities asked for),
so each entity is asked for on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from connectors.errors import TransientVendorError, VendorAuthError, by_status, retry_after_seconds
from connectors.pages import Page, load_page
from connectors.quickbooks_auth import INTUIT_TOKEN_URL, QuickBooksAuth
from connectors.token_store import EncryptedTokenStore, KeyValueStore, fernet_from_secret
from models.errors import ConfigurationError
from normalizers.quickbooks import ENTITIES  # what Accord reads of the books, in fetch order
from runtime.settings import Settings

VENDOR = "quickbooks"
INTUIT_API = "https://quickbooks.api.intuit.com"
MINOR_VERSION = "75"
PAGE_SIZE = 1000  # QBO's maximum MAXRESULTS
# Transactions can be deleted; name lists cannot (they are made inactive, which queries see).
DELETABLE = ("Invoice", "Payment", "Bill", "BillPayment")
CDC_HORIZON = timedelta(days=30)  # how far back Intuit keeps changes
CDC_LIMIT = 1000  # objects in one CDC response
TOKEN_KEY = "oauth_tokens"


@dataclass(frozen=True)
class QuickBooksConfig:
    api_base: str
    token_url: str
    realm_id: str
    client_id: str
    client_secret: str
    refresh_token: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> QuickBooksConfig:
        missing = [
            name
            for name, value in (
                ("QBO_REALM_ID", settings.qbo_realm_id),
                ("QBO_CLIENT_ID", settings.qbo_client_id),
                ("QBO_CLIENT_SECRET", settings.qbo_client_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(f"QuickBooks is not configured: set {', '.join(missing)}")
        base = (settings.qbo_base_url or INTUIT_API).rstrip("/")
        return cls(
            api_base=base,
            token_url=token_url_for(base),
            realm_id=settings.qbo_realm_id or "",
            client_id=settings.qbo_client_id or "",
            client_secret=settings.qbo_client_secret.get_secret_value()
            if settings.qbo_client_secret
            else "",
            refresh_token=settings.qbo_refresh_token.get_secret_value()
            if settings.qbo_refresh_token
            else None,
        )


def token_url_for(api_base: str) -> str:
    """Intuit's token endpoint for Intuit's API hosts; the same host for a sandbox."""
    host = urlsplit(api_base).hostname or ""
    if host == "intuit.com" or host.endswith(".intuit.com"):
        return INTUIT_TOKEN_URL
    return f"{api_base}/oauth2/v1/tokens/bearer"


# QBO hides inactive ones unless the query names `Active`
NAME_LISTS = {"Customer", "Vendor", "Item"}
# What a query selects: every field, and those `SELECT *` may leave out (an item's SKU,
# python-quickbooks #373): named, they come whatever Intuit's reading of `*`.
SELECTED = {"Item": "*, Sku"}


def query_text(
    entity: str, start: datetime | None, end: datetime, position: int, page_size: int = PAGE_SIZE
) -> str:
    """`start` None: everything last updated before `end` (a name list's first sync)."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown QuickBooks entity {entity!r}")
    conditions = [f"MetaData.LastUpdatedTime < '{_qbo_time(end)}'"]
    if start is not None:
        conditions.insert(0, f"MetaData.LastUpdatedTime >= '{_qbo_time(start)}'")
    if entity in NAME_LISTS:
        conditions.append("Active IN (true, false)")
    return (
        f"SELECT {SELECTED.get(entity, '*')} FROM {entity} WHERE {' AND '.join(conditions)} "
        f"ORDERBY MetaData.LastUpdatedTime, Id STARTPOSITION {position} MAXRESULTS {page_size}"
    )


def _last_updated(row: Any) -> datetime | None:
    """A row's `MetaData.LastUpdatedTime` (any offset), or None when it has none readable."""
    meta = row.get("MetaData") if isinstance(row, dict) else None
    stamp = meta.get("LastUpdatedTime") if isinstance(meta, dict) else None
    try:
        parsed = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def next_cursor_after(
    rows: list[Any], since: datetime | None, position: int, page_size: int
) -> str | None:
    """Where the page after a full one starts, as `time|position` (None after the last).

    Intuit keeps no snapshot between pages: a row edited meanwhile leaves the ordering (its
    time is now later), and positions after it shift, so paging by position alone would skip
    the row at the next page's edge. Pages therefore go forward by time: the next one asks
    from the last row's time at position 1 (rows of that very second come again, and the
    ledger keeps each version once); only a page wholly inside one second goes on by position.
    """
    if len(rows) < page_size:
        return None
    last = _last_updated(rows[-1])
    if last is not None and (since is None or last > since):
        return f"{_qbo_time(last)}|1"
    return f"{_qbo_time(since) if since else ''}|{position + len(rows)}"


def parse_cursor(cursor: str | None, start: datetime | None) -> tuple[datetime | None, int]:
    """(from time, position) of a query cursor; a bare position (a heartbeat from before
    pages went by time) counts from `start`."""
    if cursor is None:
        return start, 1
    if "|" not in cursor:
        return start, int(cursor)
    stamp, position = cursor.split("|", 1)
    return (datetime.fromisoformat(stamp) if stamp else start), int(position)


def _qbo_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class QuickBooksConnector:
    def __init__(
        self,
        config: QuickBooksConfig,
        http: httpx.AsyncClient,
        auth: QuickBooksAuth,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.config = config
        self.http = http
        self.auth = auth
        self.page_size = page_size

    @classmethod
    def from_settings(
        cls, settings: Settings, tokens: KeyValueStore, page_size: int = PAGE_SIZE
    ) -> QuickBooksConnector:
        """`tokens` keeps the encrypted OAuth pair (the ledger, in production)."""
        config = QuickBooksConfig.from_settings(settings)
        http = httpx.AsyncClient(timeout=httpx.Timeout(60.0))
        fernet = fernet_from_secret(config.client_secret, purpose="accord qbo oauth tokens")
        auth = QuickBooksAuth(
            http,
            token_url=config.token_url,
            client_id=config.client_id,
            client_secret=config.client_secret,
            initial_refresh_token=config.refresh_token,
            store=EncryptedTokenStore(tokens, fernet, TOKEN_KEY),
        )
        return cls(config, http, auth, page_size)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def query_after(
        self, entity: str, start: datetime | None, end: datetime, cursor: str | None
    ) -> Page:
        """The page at `cursor` (`next_cursor_after`; the first page when it is None)."""
        since, position = parse_cursor(cursor, start)
        return await self.query_page(entity, since, end, position)

    async def query_page(
        self, entity: str, start: datetime | None, end: datetime, position: int = 1
    ) -> Page:
        """Rows `position …` of `entity` last updated in `[start, end)`, oldest change
        first; `next_cursor` says where the next page starts while pages come back full."""
        query = query_text(entity, start, end, position, self.page_size)
        path = f"/v3/company/{self.config.realm_id}/query"
        params = {"query": query, "minorversion": MINOR_VERSION}
        origin = f"GET {path}?{urlencode(params)}"
        response = await self._get(path, params, origin)
        data = load_page(VENDOR, response.content, origin, "QueryResponse", dict)
        rows = data["QueryResponse"].get(entity) or []
        next_cursor = next_cursor_after(rows, start, position, self.page_size)
        return Page(body=response.content, origin=origin, data=data, next_cursor=next_cursor)

    async def preferences(self) -> Page:
        """The company's preferences (`GET …/preferences`): its home currency is there."""
        path = f"/v3/company/{self.config.realm_id}/preferences"
        params = {"minorversion": MINOR_VERSION}
        origin = f"GET {path}?{urlencode(params)}"
        response = await self._get(path, params, origin)
        data = load_page(VENDOR, response.content, origin, "Preferences", dict)
        return Page(body=response.content, origin=origin, data=data, next_cursor=None)

    async def changes(self, entity: str, since: datetime) -> Page:
        """`entity`s changed (deleted ones too) since `since`, in one CDC response.

        `since` must lie within Intuit's 30 days (the caller clamps it). CDC has no paging:
        an answer at Intuit's limit of 1,000 objects names its latest change as `next_cursor`,
        to ask again from there (None when it is not full, or holds no later moment).
        """
        if entity not in ENTITIES:
            raise ValueError(f"unknown QuickBooks entity {entity!r}")
        path = f"/v3/company/{self.config.realm_id}/cdc"
        params = {
            "entities": entity,
            "changedSince": _qbo_time(since),
            "minorversion": MINOR_VERSION,
        }
        origin = f"GET {path}?{urlencode(params)}"
        response = await self._get(path, params, origin)
        data = load_page(VENDOR, response.content, origin, "CDCResponse", list)
        latest = _latest_change(data) if changed_count(data) >= CDC_LIMIT else None
        next_cursor = latest.isoformat() if latest is not None and latest > since else None
        return Page(body=response.content, origin=origin, data=data, next_cursor=next_cursor)

    async def _get(self, path: str, params: dict[str, str], origin: str) -> httpx.Response:
        for attempt in range(2):  # a 401 gets one fresh token, then it is the credentials
            token = await self.auth.access_token()
            try:
                response = await self.http.get(
                    f"{self.config.api_base}{path}",
                    params=params,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                )
            except httpx.TransportError as error:
                raise TransientVendorError(VENDOR, "connection", f"{origin}: {error!r}") from error
            if response.status_code == 401 and attempt == 0:
                await self.auth.rejected(token)
                continue
            if response.status_code != 200:
                raise qbo_error(response)
            return response
        raise AssertionError("unreachable")


def _changed(data: dict) -> list[Any]:
    """The objects of a parsed CDC response, all entities together."""
    return [
        row
        for part in data.get("CDCResponse") or []
        for response in (part.get("QueryResponse") or [] if isinstance(part, dict) else [])
        if isinstance(response, dict)
        for key, rows in response.items()
        if key in ENTITIES and isinstance(rows, list)
        for row in rows
    ]


def changed_count(data: dict) -> int:
    return len(_changed(data))


def _latest_change(data: dict) -> datetime | None:
    """The latest `MetaData.LastUpdatedTime` in a CDC response, in UTC."""
    stamps = []
    for row in _changed(data):
        try:
            stamp = datetime.fromisoformat(str(row["MetaData"]["LastUpdatedTime"]))
        except (KeyError, TypeError, ValueError):
            continue
        if stamp.tzinfo is not None:
            stamps.append(stamp.astimezone(UTC))
    return max(stamps, default=None)


# Intuit's fault codes that mean "later", whatever the HTTP status: ThrottleExceeded comes
# as 429 and, in older answers, as 403 (`statusCode=403`); 10000 is a SystemFault.
THROTTLED = {"3001", "003001"}
SYSTEM_FAULT = "SystemFault"


def qbo_error(response: httpx.Response) -> Exception:
    """Intuit's `Fault` (or lower-case `fault`) envelope → our kinds, naming Intuit's code.

    The fault's code and type are read before the HTTP status: a throttle answered with a
    403 is not bad credentials, and a SystemFault is worth another try.
    """
    code, kind, message = _fault(response)
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if code in THROTTLED or kind == SYSTEM_FAULT:
        return TransientVendorError(VENDOR, code, message, retry_after)
    if response.status_code == 401:
        return VendorAuthError(VENDOR, code, message)
    return by_status(VENDOR, response.status_code, code, message, retry_after)


def _fault(response: httpx.Response) -> tuple[str, str, str]:
    """(code, fault type, message) of Intuit's fault envelope."""
    try:
        data = response.json()
    except ValueError:
        return f"http_{response.status_code}", "", response.text[:200]
    fault = (data.get("Fault") or data.get("fault") or {}) if isinstance(data, dict) else {}
    errors = fault.get("Error") or fault.get("error") or [{}]
    first = errors[0] if isinstance(errors, list) and errors else {}
    code = str(first.get("code") or f"http_{response.status_code}")
    message = " ".join(
        str(part)
        for part in (first.get("Message") or first.get("message"), first.get("Detail"))
        if part
    )
    return code, str(fault.get("type") or ""), message or response.text[:200]
