"""Shopify orders ↔ QuickBooks invoices (`order_invoice`).

First by reference: an order number found in the invoice's DocNumber, PrivateNote, CustomerMemo
or a configured custom field, by the configured patterns (earlier patterns are stronger; a
`corroborate` pattern also needs the same amount or the same customer). Then, for what is left,
by the same customer, the same total (within `order_invoice_amount_tolerance`) and dates within
`order_invoice_days`, nearest date first.
"""

from __future__ import annotations

import re

import pandas as pd

from engine.config import EngineConfig
from engine.customers import Resolution
from engine.frames import Frames, major
from engine.pairing import one_to_one
from models.records import SourceRef
from models.results import Match, MatchKind


def _custom_text(frames: Frames, config: EngineConfig) -> pd.Series:
    wanted = {name.lower() for name in config.order_custom_fields}
    texts = []
    for key in frames.invoices["key"]:
        fields = frames.records[key].custom_fields
        texts.append(" ".join(v for k, v in sorted(fields.items()) if k.lower() in wanted))
    return pd.Series(texts, index=frames.invoices.index)


def invoice_references(frames: Frames, config: EngineConfig) -> pd.DataFrame:
    """Every (invoice, order number) an invoice's text points at, with the pattern's rank."""
    inv = frames.invoices
    columns = {
        "doc_number": inv["doc_number"],
        "private_note": inv["private_note"],
        "customer_memo": inv["customer_memo"],
        "custom": _custom_text(frames, config),
    }
    found = []
    for rank, spec in enumerate(config.order_patterns):
        regex = re.compile(spec.pattern)
        for field in spec.fields:
            hits = columns[field].str.extractall(regex)
            if hits.empty:
                continue
            rows = inv.loc[hits.index.get_level_values(0), ["key"]].reset_index(drop=True)
            rows["number"] = hits[0].to_numpy()
            rows["rank"] = rank
            rows["field"] = field
            rows["corroborate"] = spec.corroborate
            found.append(rows)
    if not found:
        return pd.DataFrame(columns=["key", "number", "rank", "field", "corroborate"])
    refs = pd.concat(found, ignore_index=True)
    refs["number"] = refs["number"].str.lstrip("0")
    return refs.sort_values(["key", "rank"]).drop_duplicates(["key", "number"])


def _customers(frame: pd.DataFrame, people: Resolution, email: bool) -> list[str]:
    emails = frame["email"] if email else [""] * len(frame)
    return [people.of(k, e) for k, e in zip(frame["customer_key"], emails, strict=True)]


def _by_reference(frames: Frames, config: EngineConfig, people: Resolution) -> pd.DataFrame:
    refs = invoice_references(frames, config)
    orders = frames.orders.assign(number=frames.orders["number"].str.lstrip("0"))
    orders["cust"] = _customers(frames.orders, people, email=True)
    invoices = frames.invoices.assign(cust=_customers(frames.invoices, people, email=False))
    pairs = refs.merge(orders[["key", "number", "amount", "currency", "day", "cust"]], on="number")
    pairs = pairs.rename(columns={"key_x": "right", "key_y": "left"})
    pairs = pairs.merge(
        invoices[["key", "amount", "currency", "day", "cust"]].rename(columns={"key": "right"}),
        on="right",
        suffixes=("_o", "_i"),
    )
    same_amount = (pairs["amount_o"] == pairs["amount_i"]) & (
        pairs["currency_o"] == pairs["currency_i"]
    )
    same_customer = (pairs["cust_o"] == pairs["cust_i"]) & (pairs["cust_o"] != "")
    pairs = pairs[~pairs["corroborate"] | same_amount | same_customer].copy()
    pairs["amount_differs"] = ~same_amount.loc[pairs.index]
    pairs["gap"] = (pairs["day_o"] - pairs["day_i"]).abs()
    return one_to_one(pairs, ["rank", "amount_differs", "gap"])


def _by_customer_total_date(
    frames: Frames, config: EngineConfig, people: Resolution, taken: pd.DataFrame
) -> pd.DataFrame:
    orders = frames.orders[~frames.orders["key"].isin(taken["left"])]
    invoices = frames.invoices[~frames.invoices["key"].isin(taken["right"])]
    if orders.empty or invoices.empty:
        return pd.DataFrame(columns=["left", "right"])
    o = orders[["key", "amount", "currency", "exp", "day"]].assign(
        cust=_customers(orders, people, True)
    )
    i = invoices[["key", "amount", "currency", "day"]].assign(
        cust=_customers(invoices, people, False)
    )
    pairs = o[o["cust"] != ""].merge(i, on=["cust", "currency"], suffixes=("_o", "_i"))
    tolerance = pairs["exp"].map(
        lambda e: int(config.order_invoice_amount_tolerance.scaleb(int(e)))
    )
    pairs["diff"] = (pairs["amount_o"] - pairs["amount_i"]).abs()
    pairs["gap"] = (pairs["day_o"] - pairs["day_i"]).abs()
    pairs = pairs[(pairs["diff"] <= tolerance) & (pairs["gap"] <= config.order_invoice_days)]
    pairs = pairs.rename(columns={"key_o": "left", "key_i": "right"})
    return one_to_one(pairs, ["diff", "gap"])


def _ref(key: str) -> SourceRef:
    return SourceRef.parse(key)


def match_orders_to_invoices(
    frames: Frames, config: EngineConfig, people: Resolution
) -> list[Match]:
    if frames.orders.empty or frames.invoices.empty:
        return []
    by_ref = _by_reference(frames, config, people)
    matches = [
        Match(
            kind=MatchKind.ORDER_INVOICE,
            records=[_ref(row.left), _ref(row.right)],
            confidence=0.9 if row.corroborate else 1.0,
            rule=f"order_number_in_{row.field}",
            explanation=(
                f"order number {row.number} found in the invoice's {row.field} "
                f"(pattern {config.order_patterns[row.rank].pattern!r}"
                + (", corroborated by amount or customer)" if row.corroborate else ")")
            ),
        )
        for row in by_ref.itertuples(index=False)
    ]
    fallback = _by_customer_total_date(frames, config, people, by_ref)
    matches += [
        Match(
            kind=MatchKind.ORDER_INVOICE,
            records=[_ref(row.left), _ref(row.right)],
            confidence=0.8,
            rule="customer_total_date",
            explanation=(
                f"no order number on the invoice; same customer {row.cust}, total "
                f"{major(row.amount_o, row.exp)} vs {major(row.amount_i, row.exp)} {row.currency} "
                f"(tolerance {config.order_invoice_amount_tolerance}), dates {row.gap} day(s) apart "
                f"(tolerance {config.order_invoice_days})"
            ),
        )
        for row in fallback.itertuples(index=False)
    ]
    return matches
