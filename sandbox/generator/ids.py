"""Vendor-style ids drawn from the month's seeded random source (never from the clock)."""

from __future__ import annotations

import random
import string

_ALNUM = string.ascii_letters + string.digits
# Random bytes → characters through a 256-entry table: one C call per id instead of one per
# character (a 20,000-order month draws ~60k ids). The slight bias toward early characters is
# irrelevant for ids.
_TO_ALNUM = bytes(ord(_ALNUM[i % len(_ALNUM)]) for i in range(256))
_TO_LETTER = bytes(ord(string.ascii_letters[i % 52]) for i in range(256))
_TO_HEX = bytes(ord("0123456789abcdef"[i % 16]) for i in range(256))


class Ids:
    """Every id in a generated month; the same seed gives the same ids in the same order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._shopify = 5_812_004_000_000 + rng.randrange(100_000)
        self._qbo_txn = 140 + rng.randrange(50)
        self._qbo_name = 1

    def _letters(self, n: int) -> str:
        # At least one letter after the prefix, so "po_<id>_0001.json" never ends in digits only.
        raw = self.rng.randbytes(n)
        return (raw[:1].translate(_TO_LETTER) + raw[1:].translate(_TO_ALNUM)).decode()

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
        return self.rng.randbytes(n).translate(_TO_HEX).decode()
