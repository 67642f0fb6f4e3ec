"""CPython's cyclic garbage collector, set for a process that reads vendor pages in bulk.

With the defaults the collector runs every 700 container allocations and scans every object
young enough, and older ones as they age. A decoded page is thousands of dicts and lists that
live until its records are stored, so each is scanned again and again, and every full
collection walks everything start-up made (modules, pydantic's schemas, the SDKs). Freezing
what start-up made and collecting every 50,000 allocations took about a fifth of the CPU per
record out of `bench/bench_fetch.py` (100k records: 2,213 → 2,627 records/s into the ledger,
7,484 → 9,334 in memory), for 12–19 MiB more peak memory. Reference counting still frees at
once everything that is not a cycle; cycles wait a little longer.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 50, 50)  # allocations before a young collection; young, middle runs


def tune_for_bulk_reading() -> None:
    """Call once a process has started up, before it fetches or normalizes."""
    gc.collect()  # what start-up left for the collector is freed, not frozen
    gc.freeze()  # the rest is never scanned again
    gc.set_threshold(*THRESHOLDS)
