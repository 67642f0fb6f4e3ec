"""The business generator: a realistic, seeded month of a small shop, in each vendor's wire format.

    data = generate(seed=7, month=date(2026, 10, 1), orders=150)
    write_recorded(data, Path("recorded"))   # the recorded-source directory + expected.json

The same seed gives byte-identical output. docs/matching.md lists what is planted.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sandbox.generator.build import build_month
from sandbox.generator.expected import Expected, ExpectedDiscrepancy, ExpectedMatch
from sandbox.generator.recorded import write_recorded
from sandbox.generator.render import VendorData, render

__all__ = [
    "Expected",
    "ExpectedDiscrepancy",
    "ExpectedMatch",
    "VendorData",
    "generate",
    "write_recorded",
]


def generate(seed: int = 7, month: date = date(2026, 10, 1), orders: int = 150) -> VendorData:
    """A month of the shop: `orders` storefront orders plus wholesale, bills and the planted cases."""
    with _collector_paused():
        return render(build_month(seed, month, orders), seed)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A big month allocates ~1M small acyclic objects; the cycle collector would rescan them
    all again and again (a third of the run time at 20,000 orders) for nothing to free."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
