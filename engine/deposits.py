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

import pandas as pd

from engine.config import EngineConfig
from engine.customers import Resolution
from engine.findings import finding
from engine.frames import Frames, major
from engine.pairing import keyed, one_to_one
from engine.passes import column_at, window_pairs
from engine.payers import best_party, customer_names, similarity_to
from engine.payouts import deposits
from engine.subset_sum import exact_subset
from models.io import Window
from models.records import SourceRef
from models.results import Discrepancy, DiscrepancyField, Match, MatchKind

_DIGITS = re.compile(r"\d{3,}")


def _refs(keys) -> list[SourceRef]:
    return [SourceRef.parse(k) for k in keys]


def payment_invoices(frames: Frames) -> list[Match]:
    out = []
    for row in frames.payments.itertuples(index=False):
        linked = [k for k in row.applied if k.split(":")[1] == "Invoice"]
        if linked:
            out.append(
                Match(
                    kind=MatchKind.PAYMENT_INVOICES,
                    records=_refs([row.key, *linked]),
                    rule="linked_txn",
                    explanation=f"the payment's LinkedTxn names {len(linked)} invoice(s)",
                )
            )
    return out


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
            records=_refs([r.left_key, r.right_key]),
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
        cust=[people.of(k) for k in inv["customer_key"]],
        digits=inv["doc_number"].str.replace(r"\D", "", regex=True),
    )


def _by_reference(deposit, invoices: pd.DataFrame) -> pd.DataFrame:
    numbers = set(_DIGITS.findall(deposit.text))
    named = invoices[invoices["digits"].isin(numbers) & (invoices["currency"] == deposit.currency)]
    return named[named["day"] <= deposit.day]


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
        records=_refs([deposit.key, *named["key"]]),
        partial=partial,
        rule="invoice_number_in_memo",
        explanation=f"the bank text names invoice(s) {docs}{note}",
    )


def _ambiguous(deposit, candidates: pd.DataFrame, why: str, config: EngineConfig) -> Discrepancy:
    amount = major(deposit.amount, deposit.exp)
    return finding(
        config,
        DiscrepancyField.EXISTENCE,
        _refs([deposit.key, *candidates["key"]]),
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
    pool = invoices[
        (invoices["cust"] == cid)
        & (invoices["currency"] == deposit.currency)
        & (invoices["day"] <= deposit.day)
    ]
    pool = pool.sort_values(["day", "key"])
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
            records=_refs([deposit.key, *chosen["key"]]),
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
):
    matches: list[Match] = []
    ambiguous: list[Discrepancy] = []
    invoices = _open_invoices(frames, taken, people)
    if invoices.empty:
        return matches, ambiguous
    owing = set(invoices["cust"].tolist())
    names = {c: n for c, n in customer_names(frames, people).items() if c in owing}
    found: Match | None
    problem: Discrepancy | None
    for deposit in free.sort_values(["day", "key"]).itertuples(index=False):
        named = _by_reference(deposit, invoices)
        if not named.empty:
            found, problem = _reference_match(deposit, named), None
        else:
            cid, _, _ = best_party(deposit.text, names, config.payer_threshold)
            found, problem = _by_subset(deposit, invoices, cid, config) if cid else (None, None)
        if found is not None:
            matches.append(found)
            invoices = invoices[~invoices["key"].isin({r.key for r in found.records})]
        if problem is not None:
            ambiguous.append(problem)
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
