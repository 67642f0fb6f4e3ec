"""Stripe charges ↔ Shopify orders (`charge_order`).

First by reference: the charge's metadata `order_id` (the Shopify order id), metadata
`order_number`, or "Order #1001" in its description. Then, for what is left, the same amount and
currency, the same customer email (case-insensitive) and creation times within
`charge_order_window`, nearest first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.config import EngineConfig
from engine.frames import Frames, major
from engine.pairing import keyed, one_to_one
from engine.passes import column_at
from models.records import SourceRef
from models.results import Match, MatchKind

DESCRIPTION_ORDER = r"(?i)order\s*(?:no\.?|number)?\s*#?\s*(\d+)"


def _references(charges: pd.DataFrame) -> pd.DataFrame:
    """(left = charge row, value, via, rank) for every order reference a charge carries."""
    rows = charges.assign(left=charges.index)
    by_id = rows.loc[rows["meta_order_id"] != "", ["left", "meta_order_id"]]
    by_id = by_id.rename(columns={"meta_order_id": "value"}).assign(via="id", rank=0)
    by_number = rows.loc[rows["meta_order_number"] != "", ["left", "meta_order_number"]]
    by_number = by_number.rename(columns={"meta_order_number": "value"})
    by_number = by_number.assign(via="number", rank=1)
    described = rows["description"].str.extract(DESCRIPTION_ORDER)[0]
    by_text = rows.loc[described.notna(), ["left"]].assign(
        value=described.dropna(), via="description", rank=2
    )
    return pd.concat([by_id, by_number, by_text], ignore_index=True)


def _by_reference(frames: Frames) -> pd.DataFrame:
    refs = _references(frames.charges)
    orders = frames.orders[["id", "number"]].assign(right=frames.orders.index)
    on_id = refs[refs["via"] == "id"].merge(orders, left_on="value", right_on="id")
    numbered = refs[refs["via"] != "id"].assign(value=lambda f: f["value"].str.lstrip("#0"))
    on_number = numbered.merge(
        orders.assign(number=frames.orders["number_key"]), left_on="value", right_on="number"
    )
    pairs = pd.concat([on_id, on_number], ignore_index=True)
    pairs["gap"] = np.abs(
        column_at(frames.orders, "ts", pairs["right"])
        - column_at(frames.charges, "ts", pairs["left"])
    )
    return one_to_one(pairs, ["rank", "gap"])


def _contact(frame: pd.DataFrame) -> pd.DataFrame:
    emails = [e.strip().lower() for e in frame["email"].tolist()]
    return frame[["amount", "currency", "exp", "ts"]].assign(email=emails)


def _by_amount_email_time(
    frames: Frames, config: EngineConfig, taken: pd.DataFrame
) -> pd.DataFrame:
    charges = frames.charges[~frames.charges.index.isin(taken["left"])]
    orders = frames.orders[~frames.orders.index.isin(taken["right"])]
    c = _contact(charges).assign(left=charges.index)
    o = _contact(orders).assign(right=orders.index)
    pairs = c[c["email"] != ""].merge(
        o, on=["amount", "currency", "exp", "email"], suffixes=("_c", "_o")
    )
    pairs["gap"] = (pairs["ts_c"] - pairs["ts_o"]).abs()
    pairs = pairs[pairs["gap"] <= int(config.charge_order_window.total_seconds())]
    return one_to_one(pairs, ["gap"])


def match_charges_to_orders(frames: Frames, config: EngineConfig) -> list[Match]:
    if frames.charges.empty or frames.orders.empty:
        return []
    by_ref = keyed(_by_reference(frames), frames.charges, frames.orders)
    matches = [
        Match(
            kind=MatchKind.CHARGE_ORDER,
            records=[SourceRef.parse(row.left_key), SourceRef.parse(row.right_key)],
            rule=f"order_reference_in_{'metadata' if row.via != 'description' else 'description'}",
            explanation=(
                f"the charge names order {row.value!s} in its "
                + {
                    "id": "metadata order_id",
                    "number": "metadata order_number",
                    "description": "description",
                }[row.via]
            ),
        )
        for row in by_ref.itertuples(index=False)
    ]
    fallback = _by_amount_email_time(frames, config, by_ref)
    fallback = keyed(fallback, frames.charges, frames.orders)
    matches += [
        Match(
            kind=MatchKind.CHARGE_ORDER,
            records=[SourceRef.parse(row.left_key), SourceRef.parse(row.right_key)],
            confidence=0.8,
            rule="amount_email_time",
            explanation=(
                f"no order reference on the charge; same amount {major(row.amount, row.exp)} {row.currency}, "
                f"same email {row.email}, created {row.gap // 60} min apart "
                f"(window {config.charge_order_window})"
            ),
        )
        for row in fallback.itertuples(index=False)
    ]
    return matches
