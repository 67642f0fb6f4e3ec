"""Block Kit messages: an approval group, its items' states, the daily summary.

Pure functions from models to Slack's JSON. Each item's buttons carry the workflow to decide in,
the discrepancy and the correction the person saw, so a click can be checked against what is
proposed now.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from models.approvals import (
    ApprovalItem,
    ItemState,
    ItemStatus,
    OpenItem,
    PostGroupInput,
    SummaryFacts,
)

APPROVE = "accord_approve"
REJECT = "accord_reject"
STATE_WORDS = {
    ItemState.APPROVED: ":white_check_mark: Approved",
    ItemState.REJECTED: ":no_entry_sign: Rejected",
    ItemState.EXPIRED: ":hourglass: Expired, nothing was pushed",
}


def money(amount: Decimal, currency: str | None) -> str:
    return f"{amount:,} {currency or ''}".strip()


def button_value(workflow_id: str, item: ApprovalItem) -> str:
    return json.dumps(
        {"w": workflow_id, "d": item.discrepancy_id, "c": item.correction_id},
        separators=(",", ":"),
    )


def parse_button_value(value: str) -> tuple[str, str, str]:
    """(workflow id, discrepancy id, correction id) from a button's value."""
    data = json.loads(value)
    return str(data["w"]), str(data["d"]), str(data.get("c", ""))


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    stamp = int(value.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{value:%Y-%m-%d %H:%M} UTC>"


def _item_text(item: ApprovalItem) -> str:
    lines = [f"*{item.severity.upper()}* · `{item.discrepancy_id}` — {item.explanation}"]
    if item.values:
        lines.append(" · ".join(f"*{k}*: {v}" for k, v in sorted(item.values.items())))
    lines.append(f"*Money at stake:* {money(item.money_at_stake, item.currency)}")
    c = item.correction
    if c is not None:
        target = f"{c.system} {c.object_type} {c.object_id or '(new)'}".strip()
        lines.append(f"*Proposed:* {target} `{c.field}`: {c.from_value} → {c.to_value}")
        if c.reason:
            lines.append(f"_{c.reason}_")
    else:
        lines.append("*Proposed:* nothing is pushed; approving clears the rule")
    if item.roles:
        lines.append(f"*May decide:* {', '.join(item.roles)}")
    return "\n".join(lines)[:2900]


def _status_text(status: ItemStatus) -> str:
    words = STATE_WORDS.get(status.state, status.state.value)
    if status.state in (ItemState.APPROVED, ItemState.REJECTED):
        who = f"<@{status.decided_by}>" if status.channel == "slack" else status.decided_by
        words += f" by {who} via {status.channel} at {_when(status.decided_at)}"
    if status.apply_status:
        words += f" · push: {status.apply_status.value}"
        if status.apply_detail:
            words += f" ({status.apply_detail[:200]})"
    return words


def _buttons(workflow_id: str, item: ApprovalItem) -> dict[str, Any]:
    value = button_value(workflow_id, item)
    return {
        "type": "actions",
        "block_id": item.discrepancy_id,
        "elements": [
            {
                "type": "button",
                "action_id": APPROVE,
                "style": "primary",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": value,
            },
            {
                "type": "button",
                "action_id": REJECT,
                "style": "danger",
                "text": {"type": "plain_text", "text": "Reject"},
                "value": value,
            },
        ],
    }


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def group_blocks(post: PostGroupInput) -> list[dict[str, Any]]:
    group = post.group
    totals = ", ".join(money(v, k) for k, v in sorted(group.money_at_stake.items()))
    statuses = {s.discrepancy_id: s for s in post.statuses}
    head = f"Run {post.run_id}"
    if post.run_ui_url:
        head += f" · <{post.run_ui_url}|open the run in Temporal>"
    if post.expires_at:
        head += f" · expires {_when(post.expires_at)}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"{group.title} — {len(group.items)} to decide"[:150],
            },
        },
        _context(f"{head}\n*Money at stake:* {totals}"),
    ]
    for item in group.items:
        status = statuses.get(item.discrepancy_id, ItemStatus(discrepancy_id=item.discrepancy_id))
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _item_text(item)}})
        if status.state in (ItemState.WAITING, ItemState.DECIDING):
            blocks.append(_buttons(post.workflow_id, item))
        else:
            blocks.append(_context(_status_text(status)))
    return blocks


def group_text(post: PostGroupInput) -> str:
    """The notification text (and the fallback for clients without blocks)."""
    return f"Accord: {post.group.title} — {len(post.group.items)} item(s) need a decision"


def _open_line(item: OpenItem) -> str:
    return (
        f"`{item.discrepancy_id}` {item.severity} · {money(item.money_at_stake, item.currency)}"
        f" · since {item.since:%Y-%m-%d} — {item.explanation[:160]}"
    )


def summary_text(facts: SummaryFacts) -> str:
    """The daily summary as plain text (Slack fallback and the email body share it)."""
    counts = ", ".join(f"{facts.by_severity.get(s, 0)} {s}" for s in ("high", "medium", "low"))
    totals = ", ".join(money(v, k) for k, v in sorted(facts.money_at_stake.items())) or "nothing"
    lines = [
        f"Accord daily summary (run {facts.run_id})",
        f"Open discrepancies: {counts}",
        f"Money at stake: {totals}",
        f"Waiting for a decision: {facts.waiting}",
    ]
    if facts.oldest_open:
        lines.append(f"Oldest open item: {_open_line(facts.oldest_open)}")
    if facts.expired:
        lines.append(f"Expired without a decision ({len(facts.expired)}), nothing was pushed:")
        lines += [f"  - {_open_line(i)}" for i in facts.expired]
    if facts.failed_pushes:
        lines.append(f"Corrections not pushed ({len(facts.failed_pushes)}):")
        lines += [f"  - {line}" for line in facts.failed_pushes]
    if facts.run_ui_url:
        lines.append(f"Temporal UI: {facts.run_ui_url}")
    return "\n".join(lines)


def summary_blocks(facts: SummaryFacts) -> list[dict[str, Any]]:
    text = summary_text(facts)
    head, _, rest = text.partition("\n")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": head}},
        {"type": "section", "text": {"type": "mrkdwn", "text": rest[:2900]}},
    ]
    if facts.run_ui_url:
        blocks.append(_context(f"<{facts.run_ui_url}|Open the run in the Temporal UI>"))
    return blocks
