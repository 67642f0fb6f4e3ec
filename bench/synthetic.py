"""Synthetic engine frames for the benchmarks, built with numpy (no pydantic per row).

Columns come from the engine's own empty frames, so a benchmark runs the same code paths as a
run does; only the rows are made up here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.frames import CURRENCY_INDEX, Frames, build_frames

DAY0 = 20_362  # 2025-10-01 in days since the epoch


def frame_like(template: pd.DataFrame, n: int, **columns: Any) -> pd.DataFrame:
    """`n` rows with the template's columns: given values, else a neutral value per column."""
    data = {}
    for name in template.columns:
        if name in columns:
            data[name] = columns[name]
        elif name in ("amount", "balance", "net", "fee", "refunded", "ts", "day", "created_day"):
            data[name] = np.zeros(n, dtype=np.int64)
        elif name == "ccy":
            data[name] = np.full(n, CURRENCY_INDEX["USD"], dtype=np.int64)
        elif name == "number_int":
            data[name] = np.full(n, -1, dtype=np.int64)
        elif name == "exp":
            data[name] = np.full(n, 2, dtype=np.int64)
        elif name in ("pending", "paid"):
            data[name] = np.zeros(n, dtype=bool)
        elif name == "currency":
            data[name] = np.full(n, "USD", dtype=object)
        elif name == "status":
            data[name] = np.full(n, "completed", dtype=object)
        elif name in ("applied", "custom"):
            data[name] = [()] * n
        else:
            data[name] = np.full(n, "", dtype=object)
    return pd.DataFrame(data)


def keys(prefix: str, n: int) -> np.ndarray:
    return np.array([f"{prefix}{i:08d}" for i in range(n)], dtype=object)


def empty_frames() -> Frames:
    return build_frames([])


def bank_and_ledger(n: int, seed: int = 1) -> Frames:
    """`n` bank deposits and `n` ledger lines on both sides of each pass.

    90% of payouts have their deposit (same amount, posted 0-2 days after arrival); 90% of orders
    are named by an invoice's DocNumber ("SH-<number>"); the rest have no counterpart.
    """
    rng = np.random.default_rng(seed)
    frames = empty_frames()
    amounts = rng.integers(1_000, 500_000, n)
    arrival = DAY0 + rng.integers(0, 60, n)
    posted = arrival + rng.integers(0, 3, n)
    unmatched = rng.random(n) < 0.1
    bank_amounts = np.where(unmatched, amounts + 1_000_000, amounts)
    frames.payouts = frame_like(
        frames.payouts, n, key=keys("stripe:payout:po_", n), amount=amounts, day=arrival
    )
    frames.bank = frame_like(
        frames.bank,
        n,
        key=keys("plaid:transaction:t", n),
        amount=bank_amounts,
        day=posted,
        text="STRIPE",
    )
    numbers = np.array([str(100_000 + i) for i in range(n)], dtype=object)
    order_keys = keys("shopify:order:", n)
    docs = np.array(
        [f"SH-{x}" if not u else f"Q{x}" for x, u in zip(numbers, unmatched, strict=True)],
        dtype=object,
    )
    frames.orders = frame_like(
        frames.orders,
        n,
        key=order_keys,
        number=numbers,
        number_key=numbers,
        number_int=np.arange(100_000, 100_000 + n, dtype=np.int64),
        amount=amounts,
        day=arrival,
        ts=arrival * 86_400,
    )
    frames.invoices = frame_like(
        frames.invoices,
        n,
        key=keys("quickbooks:Invoice:", n),
        doc_number=rng.permutation(docs),
        amount=amounts,
        day=arrival,
    )
    return frames


def memos_and_invoices(n: int, seed: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` bank deposits whose memo names an invoice number (90%) and `n` open invoices."""
    rng = np.random.default_rng(seed)
    frames = empty_frames()
    numbers = rng.permutation(np.arange(7_000_000, 7_000_000 + n))
    named = np.where(rng.random(n) < 0.9, numbers, numbers + 10_000_000)
    memos = np.array([f"ACH CREDIT TRADE CO INV {x} PPD" for x in named.tolist()], dtype=object)
    days = DAY0 + rng.integers(0, 60, n)
    bank = frame_like(frames.bank, n, key=keys("plaid:transaction:t", n), text=memos, day=days + 5)
    docs = np.array([str(x) for x in numbers.tolist()], dtype=object)
    invoices = frame_like(
        frames.invoices, n, key=keys("quickbooks:Invoice:", n), doc_number=docs, day=days
    ).assign(number=numbers)
    return bank, invoices
