"""Write a generated month as a recorded-source directory (docs/contracts.md): one file per page.

Each file is the body the vendor's list endpoint returns for that page. JSON numbers are written
from `Decimal` exactly (simplejson, `use_decimal=True`): no float ever touches an amount.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import simplejson

from normalizers.quickbooks import ENTITIES as FETCHED
from sandbox.generator.quickbooks import QBO_ZONE
from sandbox.generator.render import VendorData


def dump(body: Any) -> bytes:
    return simplejson.dumps(body, use_decimal=True, ensure_ascii=False, indent=1).encode() + b"\n"


def pages(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def write_pages(folder: Path, stem: str, bodies: list[Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, body in enumerate(bodies, start=1):
        (folder / f"{stem}_{number:04d}.json").write_bytes(dump(body))


def stripe_bodies(items: list[dict[str, Any]], url: str, size: int) -> list[dict[str, Any]]:
    chunks = pages(items, size)
    return [
        {"object": "list", "data": chunk, "has_more": n < len(chunks) - 1, "url": url}
        for n, chunk in enumerate(chunks)
    ]


def _token(seed: int, label: str) -> str:
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return base64.b64encode(digest * 2).decode()


def plaid_bodies(data: VendorData, size: int) -> list[dict[str, Any]]:
    chunks = pages(data.plaid_transactions, size)
    return [
        {
            "accounts": data.plaid_accounts,
            "added": chunk,
            "modified": data.plaid_modified if n == 0 else [],
            "removed": data.plaid_removed if n == 0 else [],
            "next_cursor": _token(data.seed, f"cursor-{n + 1}"),
            "has_more": n < len(chunks) - 1,
            "request_id": _token(data.seed, f"request-{n}")[:15],
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
        }
        for n, chunk in enumerate(chunks)
    ]


def qbo_time(data: VendorData) -> str:
    """QuickBooks stamps each response with the server time, milliseconds and offset (Pacific)."""
    pacific = data.window.as_of.astimezone(QBO_ZONE)
    return pacific.isoformat(timespec="milliseconds")


def qbo_bodies(
    entity: str, items: list[dict[str, Any]], size: int, time: str
) -> list[dict[str, Any]]:
    bodies = []
    for n, chunk in enumerate(pages(items, size)):
        response: dict[str, Any] = {"startPosition": n * size + 1, "maxResults": len(chunk)}
        if chunk:
            response = {entity: chunk, **response}
        bodies.append({"QueryResponse": response, "time": time})
    return bodies


VENDOR_DIRS = ("plaid", "stripe", "shopify", "quickbooks")
PAGE_FILE = re.compile(r"^.+_\d+\.json$")


def clear_pages(out_dir: Path) -> None:
    """Remove page files an earlier write left (a run reads every page in the folder, so a stale
    page from a bigger month or another page size would be read as data). Nothing else is touched."""
    for vendor in VENDOR_DIRS:
        folder = out_dir / vendor
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file() and PAGE_FILE.match(path.name):
                    path.unlink()


def write_recorded(data: VendorData, out_dir: Path, page_size: int = 100) -> None:
    """The recorded-source directory for `data`, plus `expected.json` (the planted truth).

    Writing again into the same directory replaces the earlier month's pages.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    out_dir = Path(out_dir)
    clear_pages(out_dir)
    write_pages(out_dir / "plaid", "transactions_sync", plaid_bodies(data, page_size))
    stripe_dir = out_dir / "stripe"
    for name, items in data.stripe.items():
        write_pages(stripe_dir, name, stripe_bodies(items, f"/v1/{name}", page_size))
    by_id = {bt["id"]: bt for bt in data.stripe["balance_transactions"]}
    for payout_id, members in data.stripe_payout_members.items():
        listed = [by_id[m] for m in members]
        url = "/v1/balance_transactions"
        write_pages(
            stripe_dir,
            f"balance_transactions_payout_{payout_id}",
            stripe_bodies(listed, url, page_size),
        )
    for name, items in data.shopify.items():
        write_pages(out_dir / "shopify", name, [{name: chunk} for chunk in pages(items, page_size)])
    for entity, items in data.quickbooks.items():
        if entity not in FETCHED:  # what a fetch never reads is no page
            continue
        write_pages(
            out_dir / "quickbooks", entity, qbo_bodies(entity, items, page_size, qbo_time(data))
        )
    window = data.window.model_dump(mode="json")
    truth = {"seed": data.seed, "window": window, **data.expected.to_json()}
    (out_dir / "expected.json").write_bytes(dump(truth))
