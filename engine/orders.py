"""Shopify orders ↔ QuickBooks invoices (`order_invoice`).

First by reference: an order number found in the invoice's DocNumber, PrivateNote, CustomerMemo
or a configured custom field, by the configured patterns (earlier patterns are stronger; a
`corroborate` pattern also needs the same amount or the same customer). Then, for what is left,
by the same customer, the same total (within `order_invoice_amount_tolerance`) and dates within
`order_invoice_days`, nearest date first.
"""

from __future__ import annotations

import re
from itertools import chain

import numpy as np
import pandas as pd

from engine.config import EngineConfig
from engine.customers import Resolution
from engine.frames import Frames, major
from engine.pairing import keyed, one_to_one
from engine.passes import column_at
from models.records import SourceRef
from models.results import Match, MatchKind


def _custom_text(frames: Frames, config: EngineConfig) -> list[str]:
    wanted = {name.lower() for name in config.order_custom_fields}
    return [
        " ".join(v for k, v in fields if k.lower() in wanted) if fields else ""
        for fields in frames.invoices["custom"].tolist()
    ]


def _field_patterns(config: EngineConfig) -> dict[str, list[tuple[int, re.Pattern[str], bool]]]:
    by_field: dict[str, list[tuple[int, re.Pattern[str], bool]]] = {}
    for rank, spec in enumerate(config.order_patterns):
        for field in spec.fields:
            by_field.setdefault(field, []).append(
                (rank, re.compile(spec.pattern), spec.corroborate)
            )
    return by_field


def _as_ints(digits: list[str]) -> np.ndarray:
    """Digit strings as int64 keys; a number too long for int64 is no order number (-1)."""
    if digits and max(map(len, digits)) >= 18:
        digits = [d if len(d) < 18 else "-1" for d in digits]
    return np.fromiter(map(int, digits), dtype=np.int64, count=len(digits))


_INLINE_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")


def _first_per_row(texts: list[str], regex: re.Pattern[str]) -> list[str] | None:
    """The first number the pattern finds in each text, "" where none, in one regex scan.

    The texts are joined by newlines and the pattern wrapped to match once at every line start
    (optionally empty), so `findall` returns exactly one entry per text. A pattern that would
    reach across a newline breaks that count; then None is returned and the caller falls back
    to one call per text.
    """
    joined = "\n".join(texts)
    if regex.groups != 1 or joined.count("\n") != len(texts) - 1:
        return None
    body = _INLINE_FLAGS.sub("", regex.pattern)
    wrapped = re.compile(r"^(?:[^\n]*?(?:" + body + "))?", regex.flags | re.MULTILINE)
    found = wrapped.findall(joined)
    return found if len(found) == len(texts) else None


def _all_per_row(texts: list[str], regex: re.Pattern[str]) -> tuple[np.ndarray, list[str]]:
    found = list(map(regex.findall, texts))
    counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    return counts, list(chain.from_iterable(found))


def _extract(texts: np.ndarray, patterns: list[tuple[int, re.Pattern[str], bool]]) -> pd.DataFrame:
    """(row, number, rank, corroborate) from the strongest pattern that finds a number in a
    text (its first number; every number when the fast scan cannot be used)."""
    rows = np.flatnonzero(texts != "")
    remaining = texts[rows]
    parts = []
    for rank, regex, corroborate in patterns:
        if not len(remaining):
            break
        first = _first_per_row(remaining.tolist(), regex)
        if first is not None:
            counts = np.fromiter(map(bool, first), dtype=bool, count=len(first)).astype(np.int64)
            numbers = _as_ints(list(filter(None, first)))
        else:
            counts, digits = _all_per_row(remaining.tolist(), regex)
            numbers = _as_ints(digits)
        if len(numbers):
            parts.append(
                pd.DataFrame(
                    {
                        "row": np.repeat(rows, counts),
                        "number": numbers,
                        "rank": rank,
                        "corroborate": corroborate,
                    }
                )
            )
        rows, remaining = rows[counts == 0], remaining[counts == 0]
    if not parts:
        return pd.DataFrame({"row": [], "number": [], "rank": [], "corroborate": []})
    return pd.concat(parts, ignore_index=True)


def invoice_references(frames: Frames, config: EngineConfig) -> pd.DataFrame:
    """(right = invoice row, number, rank, field, corroborate) for every order number an
    invoice's text points at; the strongest pattern wins when two find the same number."""
    inv = frames.invoices
    columns = {
        "doc_number": inv["doc_number"].to_numpy(dtype=object),
        "private_note": inv["private_note"].to_numpy(dtype=object),
        "customer_memo": inv["customer_memo"].to_numpy(dtype=object),
        "custom": np.array(_custom_text(frames, config), dtype=object),
    }
    parts = []
    for field, patterns in _field_patterns(config).items():
        found = _extract(columns[field], patterns)
        if len(found):
            rows = found.pop("row").to_numpy(dtype=np.int64)
            parts.append(found.assign(right=inv.index.to_numpy()[rows], field=field))
    if not parts:
        return pd.DataFrame(
            {"right": [], "number": [], "rank": [], "corroborate": [], "field": []}
        ).astype({"right": np.int64, "number": np.int64, "rank": np.int64, "corroborate": bool})
    refs = pd.concat(parts, ignore_index=True)
    if not refs["right"].duplicated().any():
        return refs
    return refs.sort_values(["right", "rank"], kind="stable").drop_duplicates(["right", "number"])


def _customers(frame: pd.DataFrame, people: Resolution, email: bool) -> np.ndarray:
    if not people.of_member and not people.of_email:
        return np.full(len(frame), "", dtype=object)
    emails = frame["email"].tolist() if email else [""] * len(frame)
    keys = frame["customer_key"].tolist()
    return np.array([people.of(k, e) for k, e in zip(keys, emails, strict=True)], dtype=object)


def reference_pairs(frames: Frames, config: EngineConfig, people: Resolution) -> pd.DataFrame:
    """The key pass: (left = order row, right = invoice row) chosen by an order number on the
    invoice, preferring stronger patterns, then equal amounts, then nearer dates."""
    refs = invoice_references(frames, config)
    orders = frames.orders
    numbered = pd.DataFrame(
        {"number": orders["number_int"].to_numpy(), "left": orders.index.to_numpy()}
    )
    pairs = refs.merge(numbered[numbered["number"] >= 0], on="number")
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    o_cust = _customers(orders, people, email=True)[left]
    i_cust = _customers(frames.invoices, people, email=False)[right]
    same_amount = (
        column_at(orders, "amount", left) == column_at(frames.invoices, "amount", right)
    ) & (column_at(orders, "currency", left) == column_at(frames.invoices, "currency", right))
    same_customer = (o_cust == i_cust) & (o_cust != "")
    gap = np.abs(column_at(orders, "day", left) - column_at(frames.invoices, "day", right))
    pairs = pairs.assign(amount_differs=~same_amount, gap=gap)
    pairs = pairs[~pairs["corroborate"].to_numpy(dtype=bool) | same_amount | same_customer]
    return one_to_one(pairs, ["rank", "amount_differs", "gap"])


def _by_customer_total_date(
    frames: Frames, config: EngineConfig, people: Resolution, taken: pd.DataFrame
) -> pd.DataFrame:
    orders = frames.orders[~frames.orders.index.isin(taken["left"])]
    invoices = frames.invoices[~frames.invoices.index.isin(taken["right"])]
    if orders.empty or invoices.empty:
        return pd.DataFrame(columns=["left", "right"])
    o = orders[["amount", "currency", "exp", "day"]].assign(
        cust=_customers(orders, people, True), left=orders.index
    )
    i = invoices[["amount", "currency", "day"]].assign(
        cust=_customers(invoices, people, False), right=invoices.index
    )
    pairs = o[o["cust"] != ""].merge(i, on=["cust", "currency"], suffixes=("_o", "_i"))
    tolerance = pairs["exp"].map(
        lambda e: int(config.order_invoice_amount_tolerance.scaleb(int(e)))
    )
    pairs["diff"] = (pairs["amount_o"] - pairs["amount_i"]).abs()
    pairs["gap"] = (pairs["day_o"] - pairs["day_i"]).abs()
    pairs = pairs[(pairs["diff"] <= tolerance) & (pairs["gap"] <= config.order_invoice_days)]
    return one_to_one(pairs, ["diff", "gap"])


def _ref(key: str) -> SourceRef:
    return SourceRef.parse(key)


def match_orders_to_invoices(
    frames: Frames, config: EngineConfig, people: Resolution
) -> list[Match]:
    if frames.orders.empty or frames.invoices.empty:
        return []
    by_ref = reference_pairs(frames, config, people)
    keyed_ref = keyed(by_ref, frames.orders, frames.invoices)
    matches = [
        Match(
            kind=MatchKind.ORDER_INVOICE,
            records=[_ref(row.left_key), _ref(row.right_key)],
            confidence=0.9 if row.corroborate else 1.0,
            rule=f"order_number_in_{row.field}",
            explanation=(
                f"order number {row.number} found in the invoice's {row.field} "
                f"(pattern {config.order_patterns[row.rank].pattern!r}"
                + (", corroborated by amount or customer)" if row.corroborate else ")")
            ),
        )
        for row in keyed_ref.itertuples(index=False)
    ]
    fallback = _by_customer_total_date(frames, config, people, by_ref)
    fallback = keyed(fallback, frames.orders, frames.invoices)
    matches += [
        Match(
            kind=MatchKind.ORDER_INVOICE,
            records=[_ref(row.left_key), _ref(row.right_key)],
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
