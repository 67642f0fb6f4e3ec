"""Entity resolution at 100k customers: time, and precision and recall on planted duplicates.

Each generated person has a Shopify record; about half also a QuickBooks record and a third a
Stripe one, written differently (case, "Last, First", an initial, phone formatting, a stray
space in the email). Look-alikes that must stay apart are planted too: households sharing a
mailbox (and a phone), and many people with the same common name.

    .venv/bin/python bench/bench_customers.py [people]
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import build_frames
from engine.config import CustomerWeights
from engine.customers import resolve_customers
from models.records import Customer, Source, SourceRef

FIRST = "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Chris Nancy Daniel Lisa Matthew Betty Anthony Sandra Mark Ashley Donald Kimberly Steven Emily Paul Donna Andrew Michelle Joshua Carol Kenneth Amanda Kevin Melissa Brian Deborah George Stephanie Timothy Rebecca".split()
LAST = [
    *"Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson".split(),
    *(
        f"{a}{b}"
        for a in ("Ash", "Birch", "Cedar", "Elm", "Fern", "Holly", "Oak", "Pine", "Rowan", "Willow")
        for b in ("ford", "wood", "field", "ton", "by", "worth", "ley", "more", "dale", "well")
    ),
]


def _person(rng: random.Random, i: int) -> tuple[str, str, str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first.lower()}.{last.lower()}{i}@example.com"
    phone = f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"
    return first, last, email, phone


def _variant(rng: random.Random, first: str, last: str, email: str, phone: str):
    name = rng.choice(
        [f"{last}, {first}", f"{first[0]}. {last}", f"{first} {last}".upper(), f"{first} {last}"]
    )
    email = rng.choice([email.upper(), f" {email}", email])
    phone = rng.choice(
        [f"+1 ({phone[:3]}) {phone[3:6]}-{phone[6:]}", f"{phone[:3]}.{phone[3:6]}.{phone[6:]}", ""]
    )
    return name, email, phone


def generate(people: int, seed: int = 3) -> tuple[list[Customer], dict[str, int]]:
    rng = random.Random(seed)
    records, truth = [], {}

    def add(source: str, rid: str, person: int, name: str, email: str, phone: str) -> None:
        type_ = "Customer" if source == "quickbooks" else "customer"
        ref = SourceRef(source=Source(source), type=type_, id=rid)
        records.append(Customer(ref=ref, name=name, email=email, phone=phone or None))
        truth[ref.key] = person

    for i in range(people):
        first, last, email, phone = _person(rng, i)
        if i % 50 == 1:  # a household: this person shares the previous person's mailbox and phone
            email, phone = records[-1].email.strip().lower(), records[-1].phone or phone
        add("shopify", f"s{i}", i, f"{first} {last}", email, phone)
        if rng.random() < 0.5:
            add("quickbooks", f"q{i}", i, *_variant(rng, first, last, email, phone))
        if rng.random() < 0.33:
            add("stripe", f"cus_{i}", i, *_variant(rng, first, last, email, phone))
    return records, truth


def _pairs(sizes) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def score(clusters, truth: dict[str, int]) -> tuple[float, float]:
    both, found, true = Counter(), Counter(), Counter(truth.values())
    for cluster in clusters:
        found[cluster.canonical_id] = len(cluster.members)
        for ref in cluster.members:
            both[(cluster.canonical_id, truth[ref.key])] += 1
    tp = _pairs(both.values())
    return tp / max(_pairs(found.values()), 1), tp / max(_pairs(true.values()), 1)


def baseline(records: list[Customer], weights: CustomerWeights) -> int:
    """The obvious way: score every pair (difflib for names), link at the threshold."""
    linked = 0
    for i, a in enumerate(records):
        for b in records[i + 1 :]:
            score = weights.email * (
                (a.email or "").strip().lower() == (b.email or "").strip().lower()
            )
            score += weights.phone * (bool(a.phone) and a.phone == b.phone)
            ratio = SequenceMatcher(None, (a.name or "").lower(), (b.name or "").lower()).ratio()
            linked += score + weights.name * ratio >= weights.threshold
    return linked


def compare_with_baseline(people: int, full_seconds: float, full_records: int) -> None:
    records, _ = generate(people, seed=9)
    start = time.perf_counter()
    resolve_customers(build_frames(records), CustomerWeights(), {})
    ours = time.perf_counter() - start
    start = time.perf_counter()
    baseline(records, CustomerWeights())
    theirs = time.perf_counter() - start
    scale = (full_records / len(records)) ** 2
    print(
        f"  baseline (all pairs, difflib) at {len(records):,} records: {theirs:.2f} s vs ours {ours:.2f} s: "
        f"{theirs / ours:.1f}x; extrapolated to {full_records:,}: {theirs * scale / 3600:.1f} h vs "
        f"{full_seconds:.1f} s ({theirs * scale / full_seconds:,.0f}x)"
    )


def run(people: int) -> None:
    records, truth = generate(people)
    print(
        f"entity resolution: {people:,} people, {len(records):,} customer records "
        f"(2 cores, load average {os.getloadavg()[0]:.1f})"
    )
    start, cpu = time.perf_counter(), time.process_time()
    frames = build_frames(records)
    built = time.perf_counter() - start
    resolution = resolve_customers(frames, CustomerWeights(), {})
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    precision, recall = score(resolution.clusters, truth)
    print(
        f"  build_frames {built:.2f} s; frames + resolution {wall:.2f} s wall, {cpu:.2f} s cpu (target ≤ 10 s)"
    )
    print(
        f"  {len(resolution.clusters):,} clusters for {people:,} people; "
        f"precision {precision:.4f}, recall {recall:.4f} (pairwise)"
    )
    compare_with_baseline(250, wall, len(records))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS of this process): {peak:.0f} MB")


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
