"""Bank deposits that are not Stripe payouts: recorded QuickBooks Payments, or invoices paid
directly (`deposit_payment`, `payment_invoices`, `deposit_invoices`).

1. A QuickBooks Payment and the invoices in its LinkedTxn form `payment_invoices`.
2. A deposit meets a Payment of exactly its amount and currency, dated within
   `deposit_payment_days`, whose customer the bank's payer text names (`deposit_payment`).
3. A deposit still unexplained pays invoices directly (`deposit_invoices`): invoice numbers in
   its text (a deposit below the named invoices' balance is `partial`); else its payer resolved
   to a customer and an exact subset sum over that customer's open invoices. Two subsets that
   fit, or too many candidates to decide within the budget, give an `existence` finding with
   discriminator "ambiguous" (deposit + every candidate invoice) — never a guess.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from engine.config import EngineConfig
from engine.customers import Resolution
from engine.findings import finding
from engine.frames import Frames, major
from engine.linked import linked_txn_matches, refs
from engine.pairing import keyed, one_to_one
from engine.passes import column_at, window_pairs
from engine.payers import best_party, customer_names, similarity_to
from engine.payouts import deposits
from engine.subset_sum import exact_subset
from models.io import Window
from models.results import Discrepancy, DiscrepancyField, Match, MatchKind

_DIGITS = re.compile(r"\d{3,}")
_NOT_DIGIT = re.compile(r"\D+")


def _doc_number(doc: str) -> int:
    """An invoice's DocNumber as the integer a bank memo would quote ('INV-2041' → 2041)."""
    digits = _NOT_DIGIT.sub("", doc)
    return int(digits) if 3 <= len(digits) < 18 else -1


def payment_invoices(frames: Frames) -> list[Match]:
    return linked_txn_matches(
        frames.payments, "Invoice", MatchKind.PAYMENT_INVOICES, "payment", "invoice"
    )


def deposit_payments(
    frames: Frames, config: EngineConfig, people: Resolution, free: pd.DataFrame
) -> list[Match]:
    payments = frames.payments
    pairs = window_pairs(free, payments, config.deposit_payment_days)
    if pairs.empty:
        return []
    names = customer_names(frames, people)
    texts = column_at(frames.bank, "text", pairs["left"])
    owners = column_at(payments, "customer_key", pairs["right"])
    named = column_at(payments, "customer_name", pairs["right"])
    pairs["score"] = [
        similarity_to(text, names.get(people.of(owner), ()) + ((name,) if name else ()))
        for text, owner, name in zip(texts, owners, named, strict=True)
    ]
    pairs = pairs[pairs["score"] >= config.payer_threshold].assign(neg=lambda f: -f["score"])
    chosen = keyed(one_to_one(pairs, ["gap", "neg"]), frames.bank, payments)
    return [
        Match(
            kind=MatchKind.DEPOSIT_PAYMENT,
            records=refs([r.left_key, r.right_key]),
            confidence=round(float(r.score), 4),
            rule="amount_date_payer",
            explanation=(
                f"exact amount {_amount(frames.bank, r.left)}, dates {r.gap} day(s) apart "
                f"(tolerance {config.deposit_payment_days}), payer text names the payment's "
                f"customer (similarity {r.score:.2f} ≥ {config.payer_threshold})"
            ),
        )
        for r in chosen.itertuples(index=False)
    ]


def _amount(frame: pd.DataFrame, position: int) -> str:
    row = frame.iloc[int(position)]
    return f"{major(abs(row['amount']), row['exp'])} {row['currency']}"


def _open_invoices(frames: Frames, taken: set[str], people: Resolution) -> pd.DataFrame:
    inv = frames.invoices
    if inv.empty:
        return inv
    inv = inv[
        (inv["balance"] > 0)
        & ~inv["key"].isin(taken)
        & ~inv["status"].isin(["cancelled", "removed"])
    ]
    return inv.assign(
        cust=[people.of(k) for k in inv["customer_key"].tolist()],
        number=[_doc_number(d) for d in inv["doc_number"].tolist()],
    )


def numbers_by_row(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, number) for every run of 3+ digits in the texts, found in one scan of the texts
    joined by newlines (a digit run never crosses one), each row's numbers once."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    positions, digits = [], []
    for found in _DIGITS.finditer("\n".join(texts)):
        if found.end() - found.start() < 18:
            positions.append(found.start())
            digits.append(found.group())
    rows = np.searchsorted(starts, np.array(positions, dtype=np.int64), side="right") - 1
    numbers = np.fromiter(map(int, digits), dtype=np.int64, count=len(digits))
    pairs = pd.DataFrame({"row": rows, "number": numbers}).drop_duplicates()
    return pairs["row"].to_numpy(), pairs["number"].to_numpy()


def memo_references(free: pd.DataFrame, invoices: pd.DataFrame) -> dict[int, list[int]]:
    """Deposit row → the open invoice rows whose number its bank text names (same currency,
    invoice dated on or before the deposit): one regex pass over the texts and one integer join."""
    rows, numbers = numbers_by_row(free["text"].tolist())
    if not len(rows):
        return {}
    refs = pd.DataFrame(
        {
            "deposit": free.index.to_numpy()[rows],
            "number": numbers,
            "ccy_d": free["ccy"].to_numpy()[rows],
            "day_d": free["day"].to_numpy()[rows],
        }
    )
    books = invoices[invoices["number"] >= 0]
    books = pd.DataFrame(
        {
            "number": books["number"],
            "ccy": books["ccy"],
            "day": books["day"],
            "invoice": books.index,
        }
    )
    pairs = refs.merge(books, on="number")
    pairs = pairs[(pairs["ccy"] == pairs["ccy_d"]) & (pairs["day"] <= pairs["day_d"])]
    pairs = pairs.sort_values(["deposit", "invoice"])
    named: dict[int, list[int]] = {}
    for deposit, invoice in zip(pairs["deposit"].tolist(), pairs["invoice"].tolist(), strict=True):
        named.setdefault(deposit, []).append(invoice)
    return named


def _reference_match(deposit, named: pd.DataFrame) -> Match:
    balance = int(named["balance"].sum())
    partial = deposit.amount < balance
    docs = ", ".join(named["doc_number"])
    note = (
        f"; partial: {major(deposit.amount, deposit.exp)} of {major(balance, deposit.exp)} owed, "
        f"{major(balance - deposit.amount, deposit.exp)} left"
        if partial
        else ""
    )
    return Match(
        kind=MatchKind.DEPOSIT_INVOICES,
        records=refs([deposit.key, *named["key"]]),
        partial=partial,
        rule="invoice_number_in_memo",
        explanation=f"the bank text names invoice(s) {docs}{note}",
    )


def _ambiguous(deposit, candidates: pd.DataFrame, why: str, config: EngineConfig) -> Discrepancy:
    amount = major(deposit.amount, deposit.exp)
    return finding(
        config,
        DiscrepancyField.EXISTENCE,
        refs([deposit.key, *candidates["key"]]),
        {"plaid": str(amount)},
        why,
        money=amount,
        currency=deposit.currency,
        rule="deposit_subset_sum",
        severity_key="ambiguous",
        discriminator="ambiguous",
    )


def _by_subset(
    deposit: Any, invoices: pd.DataFrame, cid: str, config: EngineConfig
) -> tuple[Match | None, Discrepancy | None]:
    pool = invoices[(invoices["currency"] == deposit.currency) & (invoices["day"] <= deposit.day)]
    if len(pool) > config.subset_sum_max_candidates:
        return None, _ambiguous(
            deposit,
            pool,
            f"{len(pool)} open invoices: too many candidates to search (limit {config.subset_sum_max_candidates}); not guessed",
            config,
        )
    result = exact_subset(
        [int(b) for b in pool["balance"]], int(deposit.amount), config.subset_sum_budget
    )
    docs = lambda idx: ", ".join(pool["doc_number"].iloc[i] or pool["id"].iloc[i] for i in idx)  # noqa: E731
    if result.status == "unique":
        chosen = pool.iloc[result.chosen]
        return Match(
            kind=MatchKind.DEPOSIT_INVOICES,
            records=refs([deposit.key, *chosen["key"]]),
            rule="payer_subset_sum",
            explanation=(
                f"payer resolved to customer {cid}; exactly one subset of its {len(pool)} open invoices "
                f"sums to {major(deposit.amount, deposit.exp)}: {docs(result.chosen)}"
            ),
        ), None
    if result.status == "ambiguous":
        return None, _ambiguous(
            deposit,
            pool,
            (
                f"deposit of {major(deposit.amount, deposit.exp)} {deposit.currency} from customer {cid}: "
                f"at least two subsets of its open invoices fit ({docs(result.chosen)} / {docs(result.other)}); not guessed"
            ),
            config,
        )
    if result.status == "unsearched":
        return None, _ambiguous(
            deposit,
            pool,
            (
                f"{len(pool)} open invoices need {result.work} steps, over the budget "
                f"{config.subset_sum_budget}: too many candidates, unsearched; not guessed"
            ),
            config,
        )
    return None, None


def deposit_invoices(
    frames: Frames, config: EngineConfig, people: Resolution, free: pd.DataFrame, taken: set[str]
) -> tuple[list[Match], list[Discrepancy]]:
    """Deposits (in date order) paying open invoices: by the numbers in their text, else by
    the payer's open invoices and an exact subset sum. An invoice is paid by one deposit."""
    matches: list[Match] = []
    ambiguous: list[Discrepancy] = []
    invoices = _open_invoices(frames, taken, people)
    if invoices.empty or free.empty:
        return matches, ambiguous
    free = free.sort_values(["day", "key"], kind="stable")
    named_by = memo_references(free, invoices)
    by_customer = {c: g.sort_values(["day", "key"]) for c, g in invoices.groupby("cust") if c}
    names = {c: n for c, n in customer_names(frames, people).items() if c in by_customer}
    paid: set[int] = set()
    found: Match | None
    problem: Discrepancy | None
    for label, deposit in zip(free.index, free.itertuples(index=False), strict=True):
        named = [i for i in named_by.get(label, []) if i not in paid]
        if named:
            found, problem = _reference_match(deposit, invoices.loc[named]), None
        else:
            cid, _, _ = best_party(deposit.text, names, config.payer_threshold)
            pool = by_customer.get(cid)
            open_ = pool[~pool.index.isin(paid)] if pool is not None else None
            found, problem = _by_subset(deposit, open_, cid, config) if cid else (None, None)
        if found is not None:
            keys = {r.key for r in found.records}
            paid.update(invoices.index[invoices["key"].isin(keys)].tolist())
        matches += [found] if found is not None else []
        ambiguous += [problem] if problem is not None else []
    return matches, ambiguous


def match_deposits(
    frames: Frames, config: EngineConfig, people: Resolution, earlier: list[Match], window: Window
):
    """Matches of deposits with payments and invoices, and the ambiguous-deposit findings."""
    if frames.bank.empty:
        return payment_invoices(frames), []
    used = {r.key for m in earlier for r in m.records}
    free = deposits(frames)
    free = free[~free["key"].isin(used)]
    matches = payment_invoices(frames)
    matches += deposit_payments(frames, config, people, free)
    used |= {r.key for m in matches for r in m.records}
    free = free[~free["key"].isin(used)]
    more, ambiguous = deposit_invoices(frames, config, people, free, used)
    return matches + more, ambiguous
