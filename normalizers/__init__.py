"""Vendor JSON → Accord's canonical records, one module per vendor.

    items = split_page(Source.STRIPE, "charges", load_json(body, where=origin), where=origin)
    records = normalize(Source.STRIPE, item.object_type, item.payload, where=origin)

`split_page` fails only for a page it cannot read as a whole (not the envelope it expected);
a bad record inside a good page becomes a `RawItem` all the same and `normalize` reports it.
Every failure is an `InputError` whose `where` names the file, the record and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.errors import InputError
from models.records import CanonicalRecord, Source
from normalizers import plaid, quickbooks, shopify, stripe
from normalizers.pages import RawItem, load_json
from normalizers.quickbooks import HOME_CURRENCY

__all__ = [
    "HOME_CURRENCY",
    "PAGE_TYPES",
    "RawItem",
    "load_json",
    "normalize",
    "split_page",
]

# Page type (the file stem without its page number) → the vendor object type of its records.
PAGE_TYPES: Mapping[Source, Mapping[str, str]] = {
    Source.PLAID: plaid.PAGE_TYPES,
    Source.STRIPE: stripe.PAGE_TYPES,
    Source.SHOPIFY: shopify.PAGE_TYPES,
    Source.QUICKBOOKS: quickbooks.PAGE_TYPES,
}

_SPLITTERS = {
    Source.PLAID: plaid.split_page,
    Source.STRIPE: stripe.split_page,
    Source.SHOPIFY: shopify.split_page,
    Source.QUICKBOOKS: quickbooks.split_page,
}


def split_page(source: Source, page_type: str, body: Any, *, where: str) -> list[RawItem]:
    """One parsed response body → its records as `RawItem`s (Plaid `removed` → `op="remove"`)."""
    source = Source(source)
    if page_type not in PAGE_TYPES[source]:
        known = ", ".join(PAGE_TYPES[source])
        raise InputError(
            f"unknown {source.value} page type {page_type!r} (expected {known})", where=where
        )
    return _SPLITTERS[source](page_type, body, where=where)


def normalize(
    source: Source,
    object_type: str,
    payload: Any,
    *,
    where: str,
    home_currency: str = HOME_CURRENCY,
) -> list[CanonicalRecord]:
    """One vendor record → its canonical records (a Shopify order also gives its customer).

    `home_currency` is the QuickBooks company's currency, used where `CurrencyRef` is absent.
    """
    source = Source(source)
    if source is Source.PLAID:
        return plaid.normalize(object_type, payload, where=where)
    if source is Source.STRIPE:
        return stripe.normalize(object_type, payload, where=where)
    if source is Source.SHOPIFY:
        return shopify.normalize(object_type, payload, where=where)
    return quickbooks.normalize(object_type, payload, where=where, home_currency=home_currency)
