"""Compare every matched group field by field (the second half of a run).

Which fields, per match kind (severities from the config, i.e. the rules file or the defaults):
- `order_invoice`: total, status, currency, line items by SKU (an invoice line's SKU is its
  item's, `with_skus`), customer;
- `charge_order`: total (and currency);
- `payout_composition`: total, when the payout ≠ Σ net of its balance transactions;
- `withdrawal_bill` (a near miss) and `deposit_payment`: total.
A group is compared when its first record (the order, charge, payout, bank line ...) is dated in
the window, so a finding belongs to one window. Rules (engine.rule_checks) run on the window's
records too.
"""

from __future__ import annotations

from engine.compare_orders import compare_order_invoice, compare_totals
from engine.composition import compare_composition
from engine.config import EngineConfig
from engine.customers import resolve_customers
from engine.frames import Frames
from engine.names import normalize_email
from engine.outcome import MatchOutcome
from engine.rule_checks import apply_rules
from engine.timing import DAY
from models.io import Window
from models.records import Charge, Customer, Invoice, Order, Payout, Product
from models.results import Discrepancy, Match, MatchKind


def _moment(record) -> float | None:
    """The record's time as epoch seconds, the way the window judges it."""
    for name in ("created_at", "posted_date", "txn_date"):
        value = getattr(record, name, None)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return value.timestamp()
        return (value.toordinal() - 719163) * DAY
    return None


def _in_window(record, window: Window) -> bool:
    moments = [_moment(record)]
    if isinstance(record, Payout):
        moments.append((record.arrival_date.toordinal() - 719163) * DAY)
    start, end = window.start.timestamp(), window.end.timestamp()
    return any(m is not None and start <= m < end for m in moments)


def _people(
    outcome: MatchOutcome, frames: Frames, config: EngineConfig
) -> tuple[dict[str, str], dict[str, str]]:
    """Who is who: the outcome's clusters, or (for an outcome rebuilt without them) resolved
    again here; only whether two records share a cluster matters to the comparison."""
    of_member: dict[str, str] = {}
    owners: dict[str, set[str]] = {}
    clusters = outcome.customers or resolve_customers(frames, config.customers, {}).clusters
    for cluster in clusters:
        for ref in cluster.members:
            of_member[ref.key] = cluster.canonical_id
        for email in cluster.emails:
            owners.setdefault(normalize_email(email), set()).add(cluster.canonical_id)
    return of_member, {e: next(iter(c)) for e, c in owners.items() if len(c) == 1}


def _customer_of(record, people: tuple[dict[str, str], dict[str, str]]) -> str:
    of_member, of_email = people
    ref = getattr(record, "customer", None)
    if ref is not None and ref.key in of_member:
        return of_member[ref.key]
    return of_email.get(normalize_email(getattr(record, "email", None)), "")


def with_skus(invoice: Invoice, frames: Frames) -> Invoice:
    """The invoice with each line's SKU read off the item it names (`Item.Sku`), the way the
    shop knows the product: in most books an item's name is not its SKU. A line whose item
    has no SKU keeps its name (`Product.shop_sku`); a line whose item is not known keeps the
    name the line gives."""
    lines, changed = [], False
    for line in invoice.line_items:
        item = frames.get(line.product.key) if line.product is not None else None
        if isinstance(item, Product) and item.shop_sku != line.sku:
            line, changed = line.model_copy(update={"sku": item.shop_sku}), True
        lines.append(line)
    return invoice.model_copy(update={"line_items": lines}) if changed else invoice


def _charges_by_order(outcome: MatchOutcome, frames: Frames) -> dict[str, Charge]:
    found = {}
    for m in outcome.matches:
        if m.kind == MatchKind.CHARGE_ORDER:
            charge, order = (frames.get(r.key) for r in m.records)
            if isinstance(charge, Charge) and isinstance(order, Order):
                found[order.ref.key] = charge
    return found


def _compare_one(
    m: Match, frames: Frames, config: EngineConfig, charges, people
) -> list[Discrepancy]:
    records = [frames.get(r.key) for r in m.records]
    if m.kind == MatchKind.ORDER_INVOICE and None not in records:
        order, invoice = records[0], with_skus(records[1], frames)
        who = (_customer_of(order, people), _customer_of(invoice, people))
        books = frames.get(invoice.customer.key) if invoice.customer else None
        books = books if isinstance(books, Customer) else None
        return compare_order_invoice(order, invoice, config, charges.get(order.ref.key), who, books)
    if m.kind == MatchKind.CHARGE_ORDER and None not in records:
        found = compare_totals(records[0], records[1], config, "charge vs its order")
        return [found] if found else []
    if m.kind == MatchKind.PAYOUT_COMPOSITION:
        return compare_composition(m, frames, config)
    if m.kind in (MatchKind.WITHDRAWAL_BILL, MatchKind.DEPOSIT_PAYMENT) and None not in records:
        bank, book = records
        found = compare_totals(
            bank.model_copy(update={"amount": abs(bank.amount)}), book, config, m.explanation
        )
        return [found] if found else []
    return []


def compare(
    frames: Frames, outcome: MatchOutcome, window: Window, config: EngineConfig
) -> list[Discrepancy]:
    """Discrepancies of the matched groups whose first record is in the window, and rule hits.

    >>> findings = compare(frames, match(frames, window, config, {}), window, config)
    """
    charges = _charges_by_order(outcome, frames)
    people = _people(outcome, frames, config)
    found: dict[str, Discrepancy] = {}
    for m in sorted(outcome.matches, key=lambda m: (m.kind.value, m.id)):
        first = frames.get(m.records[0].key)
        if first is None or not _in_window(first, window):
            continue
        for d in _compare_one(m, frames, config, charges, people):
            found.setdefault(d.id, d)
    for d in apply_rules(frames, window, config):
        found.setdefault(d.id, d)
    return sorted(found.values(), key=lambda d: d.id)
