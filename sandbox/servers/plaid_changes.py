"""The change log behind Plaid's `/transactions/sync` cursors.

Every change to the dataset (add, modify, remove) is an event with a sequence number. A cursor
names the last event the client has seen (`since`), the head of the log when the current update
began (`head`) and how many updates of it the client has already paged through (`offset`). An
update is the set of transactions that changed in `(since, head]`, collapsed as Plaid reports
them: new to the client → `added`, known and still there → `modified`, known and gone →
`removed`. If the log grows while a client pages through an update, the next page is refused
(`MutationDuringPagination`) and the client restarts from the update's first cursor, exactly as
Plaid documents. An empty cursor starts from the beginning; `"now"` skips to the head.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass
from typing import Any


class InvalidCursor(ValueError):
    pass


class MutationDuringPagination(Exception):
    pass


@dataclass(frozen=True)
class Cursor:
    since: int = 0
    head: int | None = None
    offset: int = 0

    def encode(self) -> str:
        raw = f"v1:{self.since}:{'' if self.head is None else self.head}:{self.offset}"
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        try:
            tag, since, head, offset = base64.urlsafe_b64decode(text.encode()).decode().split(":")
            if tag != "v1":
                raise ValueError(tag)
            return cls(int(since), int(head) if head else None, int(offset))
        except ValueError:
            raise InvalidCursor(text) from None


@dataclass
class Update:
    added: list[dict[str, Any]]
    modified: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


class ChangeLog:
    """The transactions now, and every change that led there. Not thread-safe: lock outside."""

    def __init__(self, transactions: list[dict[str, Any]]) -> None:
        self.current: dict[str, dict[str, Any]] = {}
        self.account_of: dict[str, str] = {}
        self.ever_added: set[str] = set()
        self.events: list[tuple[int, str, str]] = []  # (seq, op, transaction_id)
        self._cache: dict[tuple[int, int, str | None], list[tuple[str, dict]]] = {}
        for txn in sorted(transactions, key=lambda t: (str(t.get("date")), t["transaction_id"])):
            self.add(txn)

    @property
    def head(self) -> int:
        return len(self.events)

    def add(self, txn: dict[str, Any]) -> None:
        self._record("added", copy.deepcopy(txn))

    def modify(self, transaction_id: str, **changes: Any) -> None:
        self._record("modified", {**self._existing(transaction_id), **changes})

    def upsert(self, txn: dict[str, Any]) -> None:
        self._record(
            "modified" if txn["transaction_id"] in self.current else "added", copy.deepcopy(txn)
        )

    def remove(self, transaction_id: str, account_id: str | None = None) -> None:
        """Remove a transaction. One never served (`account_id` given) is still reported as
        removed, as Plaid may report removals of transactions a client has not seen."""
        if transaction_id not in self.current and account_id is not None:
            self.account_of[transaction_id] = account_id
            self.events.append((self.head + 1, "removed", transaction_id))
            self._cache.clear()
            return
        self._existing(transaction_id)
        self.events.append((self.head + 1, "removed", transaction_id))
        del self.current[transaction_id]
        self._cache.clear()

    def _existing(self, transaction_id: str) -> dict[str, Any]:
        if transaction_id not in self.current:
            raise KeyError(f"no transaction {transaction_id!r} in the Plaid sandbox")
        return self.current[transaction_id]

    def _record(self, op: str, txn: dict[str, Any]) -> None:
        txn_id = txn["transaction_id"]
        self.events.append((self.head + 1, op, txn_id))
        self.current[txn_id] = txn
        self.account_of[txn_id] = txn["account_id"]
        self.ever_added.add(txn_id)
        self._cache.clear()

    def page(self, cursor: Cursor, count: int, account_id: str | None = None) -> Update:
        if cursor.head is not None and cursor.head != self.head:
            raise MutationDuringPagination()
        head = self.head
        if cursor.since > head or (cursor.head is None and cursor.offset):
            raise InvalidCursor("cursor is ahead of the data")
        key = (cursor.since, head, account_id)
        if key not in self._cache:
            self._cache[key] = self._collapsed(cursor.since, head, account_id)
        updates = self._cache[key]
        chunk = updates[cursor.offset : cursor.offset + count]
        has_more = cursor.offset + count < len(updates)
        after = Cursor(cursor.since, head, cursor.offset + count) if has_more else Cursor(head)
        return Update(
            added=[body for kind, body in chunk if kind == "added"],
            modified=[body for kind, body in chunk if kind == "modified"],
            removed=[body for kind, body in chunk if kind == "removed"],
            next_cursor=after.encode(),
            has_more=has_more,
        )

    def _collapsed(self, since: int, head: int, account_id: str | None) -> list[tuple[str, dict]]:
        known_before = self._existing_at(since)
        changed = list(dict.fromkeys(tid for seq, _, tid in self.events if since < seq <= head))
        if account_id:
            changed = [tid for tid in changed if self.account_of[tid] == account_id]
        out: dict[str, list[tuple[str, dict]]] = {"added": [], "modified": [], "removed": []}
        for tid in changed:
            known, exists = tid in known_before, tid in self.current
            if exists:
                out["modified" if known else "added"].append(
                    ("modified" if known else "added", self.current[tid])
                )
            elif known or tid not in self.ever_added:
                ref = {"transaction_id": tid, "account_id": self.account_of[tid]}
                out["removed"].append(("removed", ref))
        return out["added"] + out["modified"] + out["removed"]

    def _existing_at(self, seq: int) -> set[str]:
        alive: set[str] = set()
        for event_seq, op, tid in self.events[:seq]:
            assert event_seq <= seq
            (alive.discard if op == "removed" else alive.add)(tid)
        return alive
