"""Who paid (or was paid by) a bank line: its payer text resolved to a customer or a vendor."""

from __future__ import annotations

from dataclasses import dataclass

from engine.customers import Resolution
from engine.frames import Frames
from engine.names import payer_similarity


@dataclass(frozen=True)
class Party:
    canonical_id: str
    names: tuple[str, ...]


def customer_names(frames: Frames, people: Resolution) -> dict[str, tuple[str, ...]]:
    """Every name and company a canonical customer goes by, across its members."""
    names: dict[str, set[str]] = {}
    for cluster in people.clusters:
        bag = names.setdefault(cluster.canonical_id, set())
        for ref in cluster.members:
            record = frames.records.get(ref.key)
            for value in (
                getattr(record, "name", None),
                getattr(record, "company", None),
                getattr(record, "customer_name", None),
            ):
                if value:
                    bag.add(value)
    return {cid: tuple(sorted(v)) for cid, v in names.items()}


def best_party(
    text: str, parties: dict[str, tuple[str, ...]], threshold: float
) -> tuple[str, float, str]:
    """(id, score, name) of the single best party at or above `threshold`; ("", best, "") if none or tied."""
    scored = sorted(
        (
            (max(payer_similarity(text, n) for n in names), pid)
            for pid, names in parties.items()
            if names
        ),
        key=lambda x: (-x[0], x[1]),
    )
    if not scored or scored[0][0] < threshold:
        return "", scored[0][0] if scored else 0.0, ""
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return "", scored[0][0], ""
    pid = scored[0][1]
    name = max(parties[pid], key=lambda n: payer_similarity(text, n))
    return pid, scored[0][0], name


def similarity_to(text: str, names: tuple[str, ...]) -> float:
    return max((payer_similarity(text, n) for n in names if n), default=0.0)
