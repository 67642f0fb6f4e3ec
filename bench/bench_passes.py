"""Key and amount/date-window passes: 1M bank lines × 1M ledger lines, against the obvious baseline.

Prints seconds for each pass at 1M, and the speed ratio against a baseline written the obvious
way (for each order a Python scan over the invoices; for each deposit a scan over the payouts),
measured in the same run at a size the baseline can finish, plus its quadratic extrapolation.

    .venv/bin/python bench/bench_passes.py [n]
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import bank_and_ledger, memos_and_invoices
from engine import EngineConfig
from engine.customers import Resolution
from engine.deposits import memo_references
from engine.orders import reference_pairs
from engine.payouts import payout_deposit_pairs

CONFIG = EngineConfig()
NOBODY = Resolution([], {}, {})


def timed(label: str, fn):
    """Wall seconds (returned) and CPU seconds (printed too: the box is shared, so CPU time is
    what an idle machine would take for this single-threaded work)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label:<44} {seconds:7.2f} s wall {cpu:7.2f} s cpu  ({len(result):,} pairs)")
    return seconds, result


def baseline_key(frames) -> int:
    invoices = list(zip(frames.invoices["key"], frames.invoices["doc_number"], strict=True))
    found = 0
    for number in frames.orders["number"]:
        for _key, doc in invoices:
            if doc == f"SH-{number}":
                found += 1
                break
    return found


def baseline_window(frames) -> int:
    payouts = list(zip(frames.payouts["amount"], frames.payouts["day"], strict=True))
    used, found = set(), 0
    for amount, day in zip(frames.bank["amount"], frames.bank["day"], strict=True):
        for index, (p_amount, p_day) in enumerate(payouts):
            if index not in used and p_amount == amount and abs(p_day - day) <= 3:
                used.add(index)
                found += 1
                break
    return found


def run(n: int, small: int = 3_000) -> None:
    load = os.getloadavg()[0]
    print(f"passes, {n:,} bank lines x {n:,} ledger lines (2 cores, load average {load:.1f})")
    frames = bank_and_ledger(n)
    key_s, _ = timed(
        "key pass (order number in DocNumber)", lambda: reference_pairs(frames, CONFIG, NOBODY)
    )
    win_s, _ = timed(
        "amount/date-window pass (payout ↔ deposit)", lambda: payout_deposit_pairs(frames, CONFIG)
    )
    print(f"  total at {n:,}: {key_s + win_s:.2f} s (target ≤ 5 s)")
    memos, books = memos_and_invoices(n)
    timed("key pass (invoice number in bank memo)", lambda: memo_references(memos, books))
    few = bank_and_ledger(small)
    ours_key, _ = timed(f"key pass at {small:,}", lambda: reference_pairs(few, CONFIG, NOBODY))
    ours_win, _ = timed(f"window pass at {small:,}", lambda: payout_deposit_pairs(few, CONFIG))
    start = time.perf_counter()
    baseline_key(few)
    base_key = time.perf_counter() - start
    start = time.perf_counter()
    baseline_window(few)
    base_win = time.perf_counter() - start
    print(f"  baseline at {small:,}: key {base_key:.2f} s, window {base_win:.2f} s (Python scans)")
    print(
        f"  ratio at {small:,}: key {base_key / ours_key:.1f}x, window {base_win / ours_win:.1f}x faster"
    )
    scale = (n / small) ** 2
    print(
        f"  baseline extrapolated to {n:,} (quadratic): {(base_key + base_win) * scale / 3600:.1f} h "
        f"vs {key_s + win_s:.2f} s: {(base_key + base_win) * scale / (key_s + win_s):,.0f}x"
    )

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS of this process): {peak:.0f} MB")


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
