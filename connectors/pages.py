"""One page as a vendor sent it: the bytes we store, where it came from, and how to go on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from connectors.errors import MalformedPage


@dataclass(frozen=True)
class Page:
    """`body` is stored byte for byte; `data` is the same body parsed (for paging only, never
    for money); `next_cursor` is what the next request needs, None on the last page; `notices`
    are what the vendor said about the request beside its answer (by topic), for the run to
    report (Shopify serving another API version than the one pinned, say)."""

    body: bytes
    origin: str
    data: Any
    next_cursor: str | None
    notices: tuple[tuple[str, str], ...] = ()


def load_page(
    vendor: str,
    body: bytes,
    origin: str,
    key: str,
    kind: type,
    code: str = "malformed_body",
) -> dict[str, Any]:
    """A body parsed for paging (never for money: the normalizers parse that exactly),
    holding a `kind` at `key`; otherwise `MalformedPage`, naming the request."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise MalformedPage(vendor, code, origin, f"not JSON ({error})", body) from error
    if not isinstance(data, dict) or not isinstance(data.get(key), kind):
        raise MalformedPage(vendor, code, origin, f"no {key} ({kind.__name__})", body)
    return data
