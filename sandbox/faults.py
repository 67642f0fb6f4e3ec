"""Faults the sandbox servers inject on purpose, switched on by configuration.

A `FaultPlan` lists `Fault`s; each names the server and path pattern it applies to, how often it
fires (a probability drawn from a seeded generator, after skipping the first `after` matching
requests, at most `times` times) and its parameters. The same seed gives the same faults.

    plan = FaultPlan(seed=7, faults=[
        Fault(kind="rate_limit", server="stripe", path="/v1/charges", times=1, retry_after=1),
        Fault(kind="plaid_mutation", server="plaid", times=1),
    ])

Kinds: `rate_limit` (429 + Retry-After in the vendor's own envelope), `server_error` (500),
`slow` (answer after `delay_seconds`), `reset` (headers and half a body, then the socket is
closed), `malformed` (200 with a truncated JSON body), `plaid_mutation` (the Plaid dataset
changes between two pages of one `/transactions/sync` update, so the next page gets
TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION).
"""

from __future__ import annotations

import random
import threading
from fnmatch import fnmatchcase
from typing import Literal

from pydantic import BaseModel, Field

FaultKind = Literal["rate_limit", "server_error", "slow", "reset", "malformed", "plaid_mutation"]
ServerName = Literal["plaid", "stripe", "shopify", "quickbooks", "*"]

WIRE_KINDS: frozenset[str] = frozenset({"rate_limit", "server_error", "slow", "reset", "malformed"})


class Fault(BaseModel):
    kind: FaultKind
    server: ServerName = "*"
    path: str = Field("*", description="fnmatch pattern on the request path, e.g. /v1/*")
    method: str = Field("*", description="HTTP method, or * for any")
    probability: float = Field(1.0, ge=0.0, le=1.0)
    after: int = Field(0, ge=0, description="let this many matching requests through first")
    times: int | None = Field(None, ge=0, description="fire at most this many times; None = always")
    retry_after: int = Field(1, ge=0, description="seconds, for rate_limit")
    delay_seconds: float = Field(0.5, ge=0.0, description="for slow")

    def applies_to(self, server: str, method: str, path: str) -> bool:
        return (
            self.server in ("*", server)
            and self.method in ("*", method.upper())
            and fnmatchcase(path, self.path)
        )


class FaultPlan(BaseModel):
    seed: int = 0
    faults: list[Fault] = Field(default_factory=list)


class FaultInjector:
    """Decides, request by request, which fault (if any) fires. Thread-safe; deterministic per seed."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self.plan = plan or FaultPlan()
        self._random = random.Random(self.plan.seed)
        self._seen = [0] * len(self.plan.faults)
        self._fired = [0] * len(self.plan.faults)
        self._lock = threading.Lock()

    def pick(
        self, server: str, method: str, path: str, kinds: frozenset[str] = WIRE_KINDS
    ) -> Fault | None:
        """The first configured fault of one of `kinds` that fires for this request, or None."""
        with self._lock:
            for index, fault in enumerate(self.plan.faults):
                if fault.kind in kinds and fault.applies_to(server, method, path):
                    if self._fires(index, fault):
                        return fault
        return None

    def fired(self, kind: str | None = None) -> int:
        """How many times faults (of `kind`, or all) have fired so far."""
        with self._lock:
            return sum(
                n
                for n, fault in zip(self._fired, self.plan.faults, strict=True)
                if kind in (None, fault.kind)
            )

    def _fires(self, index: int, fault: Fault) -> bool:
        self._seen[index] += 1
        if self._seen[index] <= fault.after:
            return False
        if fault.times is not None and self._fired[index] >= fault.times:
            return False
        if fault.probability < 1.0 and self._random.random() >= fault.probability:
            return False
        self._fired[index] += 1
        return True
