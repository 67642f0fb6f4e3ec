"""One page as a vendor sent it: the bytes we store, where it came from, and how to go on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    """`body` is stored byte for byte; `data` is the same body parsed (for paging only, never
    for money); `next_cursor` is what the next request needs, None on the last page."""

    body: bytes
    origin: str
    data: Any
    next_cursor: str | None
