"""The planted truth: every match the month contains and every discrepancy planted in it.

Written to `expected.json` for tests and the demo; the end-to-end test asserts the engine finds
exactly these (docs/matching.md, "The planted month").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from models.records import Source, SourceRef
from sandbox.generator.business import (
    BankLine,
    Bill,
    BillPayment,
    BookInvoice,
    CardCharge,
    Payout,
    Person,
    Sale,
)
from sandbox.generator.month import Month


class Ref(tuple):
    """(source, type, id): a light stand-in for `SourceRef` while ~100k of them are built."""

    def source_ref(self) -> SourceRef:
        return SourceRef(source=Source(self[0]), type=self[1], id=self[2])


@dataclass
class ExpectedMatch:
    kind: str
    refs: list[Ref]
    partial: bool = False

    @property
    def records(self) -> list[SourceRef]:
        return [r.source_ref() for r in self.refs]

    def __iter__(self) -> Iterator[Any]:
        """Unpacks as `(kind, records)`."""
        return iter((self.kind, self.records))


@dataclass
class ExpectedDiscrepancy:
    field: str
    severity: str
    status: str
    refs: list[Ref]
    scenario: str
    discriminator: str = ""

    @property
    def records(self) -> list[SourceRef]:
        return [r.source_ref() for r in self.refs]

    def __iter__(self) -> Iterator[Any]:
        """Unpacks as `(field, severity, status, records, scenario)`."""
        return iter((self.field, self.severity, self.status, self.records, self.scenario))


@dataclass
class Expected:
    matches: list[ExpectedMatch] = field(default_factory=list)
    discrepancies: list[ExpectedDiscrepancy] = field(default_factory=list)
    customer_refs: list[list[Ref]] = field(default_factory=list)
    scenario_refs: dict[str, list[Ref]] = field(default_factory=dict)

    @property
    def customers(self) -> list[list[SourceRef]]:
        """One list per real person or company: the records that are that customer."""
        return [[r.source_ref() for r in cluster] for cluster in self.customer_refs]

    @property
    def scenarios(self) -> dict[str, list[SourceRef]]:
        """Every planted case of docs/matching.md by name, with the records it planted."""
        return {name: [r.source_ref() for r in refs] for name, refs in self.scenario_refs.items()}

    def to_json(self) -> dict[str, Any]:
        def refs(items: list[Ref]) -> list[dict[str, str]]:
            return [{"source": r[0], "type": r[1], "id": r[2]} for r in items]

        return {
            "matches": [
                {"kind": m.kind, "records": refs(m.refs), "partial": m.partial}
                for m in self.matches
            ],
            "discrepancies": [
                {
                    "field": d.field,
                    "severity": d.severity,
                    "status": d.status,
                    "records": refs(d.refs),
                    "scenario": d.scenario,
                    "discriminator": d.discriminator,
                }
                for d in self.discrepancies
            ],
            "customers": [refs(c) for c in self.customer_refs],
            "scenarios": {name: refs(items) for name, items in self.scenario_refs.items()},
        }


def ref(source: Source, type_: str, id_: object) -> Ref:
    return Ref((source.value, type_, str(id_)))


def order_ref(s: Sale) -> Ref:
    return ref(Source.SHOPIFY, "order", s.shopify_id)


def charge_ref(c: CardCharge) -> Ref:
    return ref(Source.STRIPE, "charge", c.id)


def invoice_ref(i: BookInvoice) -> Ref:
    return ref(Source.QUICKBOOKS, "Invoice", i.id)


def bank_ref(line: BankLine) -> Ref:
    return ref(Source.PLAID, "transaction", line.id)


def payout_ref(p: Payout) -> Ref:
    return ref(Source.STRIPE, "payout", p.id)


def member_refs(p: Payout) -> list[Ref]:
    return [ref(Source.STRIPE, "balance_transaction", m.id) for m in p.members]


def bill_ref(b: Bill) -> Ref:
    return ref(Source.QUICKBOOKS, "Bill", b.id)


def expected_for(month: Month) -> Expected:
    out = Expected()
    _sales(month, out)
    _payouts(month, out)
    _books(month, out)
    _planted(month, out)
    _customers(month, out)
    return out


def _sales(month: Month, out: Expected) -> None:
    for sale in month.sales:
        if sale.invoice:
            out.matches.append(
                ExpectedMatch("order_invoice", [order_ref(sale), invoice_ref(sale.invoice)])
            )
        if sale.charge:
            out.matches.append(
                ExpectedMatch("charge_order", [charge_ref(sale.charge), order_ref(sale)])
            )


def _payouts(month: Month, out: Expected) -> None:
    for payout in month.payouts:
        out.matches.append(
            ExpectedMatch("payout_composition", [payout_ref(payout), *member_refs(payout)])
        )
        if deposit := month.payout_deposits.get(payout.id):
            out.matches.append(
                ExpectedMatch("payout_deposit", [payout_ref(payout), bank_ref(deposit)])
            )


def _books(month: Month, out: Expected) -> None:
    for line, payment in month.payments:
        pay = ref(Source.QUICKBOOKS, "Payment", payment.id)
        out.matches.append(ExpectedMatch("deposit_payment", [bank_ref(line), pay]))
        invoices = [invoice_ref(i) for i in payment.invoices]
        out.matches.append(ExpectedMatch("payment_invoices", [pay, *invoices]))
    for line, paid in month.bill_withdrawals:
        if isinstance(paid, BillPayment):
            bp = ref(Source.QUICKBOOKS, "BillPayment", paid.id)
            out.matches.append(ExpectedMatch("withdrawal_bill_payment", [bank_ref(line), bp]))
            bills = [bill_ref(b) for b in paid.bills]
            out.matches.append(ExpectedMatch("bill_payment_bill", [bp, *bills]))
        else:
            out.matches.append(ExpectedMatch("withdrawal_bill", [bank_ref(line), bill_ref(paid)]))
    planted = month.planted
    batch, paid_invoices = planted.ach_batch
    batch_refs = [bank_ref(batch), *(invoice_ref(i) for i in paid_invoices)]
    out.matches.append(ExpectedMatch("deposit_invoices", batch_refs))
    partial, invoice = planted.partial_payment
    partial_refs = [bank_ref(partial), invoice_ref(invoice)]
    out.matches.append(ExpectedMatch("deposit_invoices", partial_refs, partial=True))
    typo, bill = planted.bill_typo  # a near miss still pairs the two; `total` says how they differ
    out.matches.append(ExpectedMatch("withdrawal_bill", [bank_ref(typo), bill_ref(bill)]))


def _sale_and_invoice(sale: Sale) -> list[Ref]:
    if sale.invoice is None:
        raise ValueError(f"order #{sale.number} was planted with an invoice but has none")
    return [order_ref(sale), invoice_ref(sale.invoice)]


HIGH, MEDIUM = "high", "medium"


def _planted(month: Month, out: Expected) -> None:
    p = month.planted
    deposit, candidates = p.ambiguous_deposit
    gap = p.composition_gap
    cases: list[tuple[str, str, str, list[Ref]]] = [
        ("missing_invoice", "existence", HIGH, [order_ref(p.missing_invoice)]),
        ("total_mismatch", "total", HIGH, _sale_and_invoice(p.total_mismatch)),
        ("status_mismatch", "status", MEDIUM, _sale_and_invoice(p.status_mismatch)),
        ("orphan_charge", "existence", HIGH, [charge_ref(p.orphan_charge)]),
        ("missing_deposit", "existence", HIGH, [payout_ref(p.missing_deposit)]),
        ("unexplained_deposit", "existence", HIGH, [bank_ref(p.unexplained_deposit)]),
        ("bill_typo", "total", HIGH, [bank_ref(p.bill_typo[0]), bill_ref(p.bill_typo[1])]),
        (
            "ambiguous_deposit",
            "existence",
            MEDIUM,
            [bank_ref(deposit), *map(invoice_ref, candidates)],
        ),
        ("composition_gap", "total", HIGH, [payout_ref(gap), *member_refs(gap)]),
        ("late_payout", "existence", HIGH, [payout_ref(p.late_payout)]),
        ("bad_currency", "input", MEDIUM, [order_ref(p.bad_currency)]),
        ("bad_amount", "input", MEDIUM, [bill_ref(p.bad_amount)]),
    ]
    for name, field_, severity, refs in cases:
        status = "pending_timing" if name == "late_payout" else "open"
        discriminator = "ambiguous" if name == "ambiguous_deposit" else ""
        out.discrepancies.append(
            ExpectedDiscrepancy(field_, severity, status, refs, name, discriminator)
        )
        out.scenario_refs[name] = refs
    out.scenario_refs["late_invoice"] = _sale_and_invoice(p.late_invoice)
    out.scenario_refs["partial_payment"] = [
        bank_ref(p.partial_payment[0]),
        invoice_ref(p.partial_payment[1]),
    ]
    out.scenario_refs["ach_batch"] = [bank_ref(p.ach_batch[0]), *map(invoice_ref, p.ach_batch[1])]


def _person_refs(person: Person) -> list[Ref]:
    return [
        ref(Source.SHOPIFY, "customer", person.shopify_id),
        ref(Source.QUICKBOOKS, "Customer", person.qbo_id),
    ]


def _customers(month: Month, out: Expected) -> None:
    out.customer_refs = [_person_refs(person) for person in month.people]
    out.customer_refs += [[ref(Source.QUICKBOOKS, "Customer", c.id)] for c in month.trade_customers]
    p = month.planted
    out.scenario_refs["three_spellings"] = _person_refs(p.three_spellings)
    out.scenario_refs["shared_mailbox"] = [
        r for person in p.shared_mailbox for r in _person_refs(person)
    ]
