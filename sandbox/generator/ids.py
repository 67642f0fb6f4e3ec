"""Vendor-style ids drawn from the month's seeded random source (never from the clock)."""

from __future__ import annotations

import random
import string

_ALNUM = string.ascii_letters + string.digits


class Ids:
    """Every id in a generated month; the same seed gives the same ids in the same order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._shopify = 5_812_004_000_000 + rng.randrange(100_000)
        self._qbo_txn = 140 + rng.randrange(50)
        self._qbo_name = 1

    def _letters(self, n: int) -> str:
        # At least one letter after the prefix, so "po_<id>_0001.json" never ends in digits only.
        return self.rng.choice(string.ascii_letters) + "".join(self.rng.choices(_ALNUM, k=n - 1))

    def stripe(self, prefix: str) -> str:
        """`ch_3Q...`, `re_...`, `txn_...`, `po_...`, `pi_...`: 24 characters after the prefix."""
        return f"{prefix}_3Q{self._letters(22)}"

    def plaid(self) -> str:
        return self._letters(37)

    def shopify(self) -> int:
        self._shopify += self.rng.randrange(1_000, 90_000)
        return self._shopify

    def qbo_txn(self) -> str:
        """QuickBooks numbers every transaction entity from one sequence."""
        self._qbo_txn += 1
        return str(self._qbo_txn)

    def qbo_name(self) -> str:
        self._qbo_name += 1
        return str(self._qbo_name)

    def token(self, n: int = 32) -> str:
        return "".join(self.rng.choices("0123456789abcdef", k=n))
