"""How the items of one run are put to people: grouped as a bookkeeper works.

A bookkeeper fixes the books one kind of document at a time: all the QuickBooks invoice amounts,
then the invoices to create, then the deposits to apply, each in that system's own screen. And a
group goes to one audience: a rule that only the CFO may clear (a new vendor's payment) never sits
in a message the bookkeeper is asked to work through. So a group is (system, object type, field
or rule, approver roles); inside it the largest amounts come first, and a long group is split into
messages of `size` items (a Slack message holds at most 50 blocks).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from models.approvals import ApprovalGroup, ApprovalItem

SYSTEM_NAMES = {
    "quickbooks": "QuickBooks",
    "shopify": "Shopify",
    "stripe": "Stripe",
    "plaid": "Bank",
}


def group_key(item: ApprovalItem) -> tuple[str, str]:
    """(key, title) of the group an item belongs to."""
    roles = "+".join(sorted(item.roles)) or "anyone"
    if item.correction is None:
        what = item.rule or item.field
        return f"review:{what}:{roles}", f"Review: {what.replace('_', ' ')}"
    c = item.correction
    system = SYSTEM_NAMES.get(c.system, c.system)
    key = f"{c.system}:{c.object_type}:{c.field}:{roles}"
    return key, f"{system} · {c.object_type} · {c.field.replace('_', ' ')}"


def _order(item: ApprovalItem) -> tuple[Decimal, str]:
    return (-item.money_at_stake, item.discrepancy_id)


def group_items(items: list[ApprovalItem], *, size: int = 10) -> list[ApprovalGroup]:
    """Groups in a stable order (largest money at stake first), each at most `size` items."""
    buckets: dict[tuple[str, str], list[ApprovalItem]] = defaultdict(list)
    for item in items:
        buckets[group_key(item)].append(item)
    groups: list[ApprovalGroup] = []
    for (key, title), members in buckets.items():
        members.sort(key=_order)
        chunks = [members[i : i + size] for i in range(0, len(members), size)]
        for n, chunk in enumerate(chunks, start=1):
            suffix = f" ({n}/{len(chunks)})" if len(chunks) > 1 else ""
            groups.append(ApprovalGroup(key=f"{key}#{n}", title=title + suffix, items=chunk))
    groups.sort(key=lambda g: (-sum(i.money_at_stake for i in g.items), g.key))
    return groups
