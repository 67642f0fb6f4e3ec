"""CPython's cyclic garbage collector, set for a process that reads vendor pages in bulk.

With the defaults the collector runs every 700 container allocations and scans every object
still young. A decoded page is thousands of dicts and lists that live until its records are
stored, so each is scanned again and again as it ages, and full collections also walk
everything start-up made (modules, pydantic's schemas, the SDKs). Freezing what start-up made
and making a young collection wait for 50,000 allocations (the older generations keep their
default ratios, so long-lived cycles are still collected) took about a fifth of the CPU per
record out of `bench/bench_fetch.py` (100k records: 2,213 → 2,495 records/s into the ledger,
7,484 → 9,902 in memory), for 10–18 MiB more peak memory. Reference counting still frees at
once everything that is not in a cycle.
"""

from __future__ import annotations

import gc

YOUNG = 50_000  # container allocations between young collections (CPython's default: 700)
_tuned = False


def tune_for_bulk_reading() -> None:
    """Once per process, after start-up and before it fetches or normalizes."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()  # what start-up left for the collector is freed, not frozen
    gc.freeze()  # the rest is never scanned again
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
