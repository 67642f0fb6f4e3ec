"""Customer entity resolution across Shopify, Stripe and QuickBooks.

Each customer record (and each Stripe charge's billing identity: a charge has no customer object
of its own in most shops) becomes a profile of normalized email, phone and name. Identical
profiles collapse first; then only profiles sharing an email or a phone are compared (blocking;
names join the blocks only when the name weight alone could reach the threshold), so the cost
grows with the number of records, not its square. A pair scores
`email_weight·[same email] + phone_weight·[same phone] + name_weight·similarity(names)`
and is linked at `threshold` or more, unless both names are known and clearly differ (the
shared-mailbox guard). Linked profiles form clusters by union-find. A cluster keeps the
canonical id any of its members had in `identity` (the smallest, if a merge brought several).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from engine.config import CustomerWeights
from engine.frames import Frames
from engine.names import (
    first_names_differ,
    name_similarity,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from engine.outcome import CustomerCluster
from models.records import SourceRef

SOURCE_RANK = {"quickbooks": 0, "shopify": 1, "stripe": 2, "plaid": 3}


@dataclass
class Resolution:
    clusters: list[CustomerCluster]
    of_member: dict[str, str]  # SourceRef.key → canonical id
    of_email: dict[str, str]  # normalized email → canonical id, when only one cluster has it

    def of(self, key: str, email: str = "") -> str:
        if key and key in self.of_member:
            return self.of_member[key]
        return self.of_email.get(normalize_email(email), "")


def _each_unique(values: pd.Series, fn) -> np.ndarray:
    """`fn` applied once per distinct value (names and mailboxes repeat a lot)."""
    codes, uniques = pd.factorize(values.fillna(""))
    return (
        np.array([fn(u) for u in uniques.tolist()], dtype=object)[codes]
        if len(uniques)
        else np.array([], dtype=object)
    )


def customer_profiles(frames: Frames) -> pd.DataFrame:
    """One row per customer identity: member key, display name, email, phone (normalized)."""
    parts = []
    c = frames.customers
    if not c.empty:
        names = [n or co for n, co in zip(c["name"].tolist(), c["company"].tolist(), strict=True)]
        parts.append(
            pd.DataFrame(
                {"member": c["key"], "display": names, "email": c["email"], "phone": c["phone"]}
            )
        )
    ch = frames.charges
    if not ch.empty:
        member = np.where(ch["customer_key"] != "", ch["customer_key"], ch["key"])
        parts.append(
            pd.DataFrame(
                {
                    "member": member,
                    "display": ch["customer_name"],
                    "email": ch["email"],
                    "phone": "",
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["member", "display", "email", "phone", "name"])
    profiles = pd.concat(parts, ignore_index=True).sort_values("member", kind="stable")
    profiles = profiles.drop_duplicates("member").reset_index(drop=True)
    profiles["email"] = _each_unique(profiles["email"], normalize_email)
    profiles["phone"] = _each_unique(profiles["phone"], normalize_phone)
    profiles["name"] = _each_unique(profiles["display"], normalize_name)
    return profiles


def _block_pairs(ids: pd.Series, keys: pd.Series, max_block: int) -> pd.DataFrame:
    frame = pd.DataFrame({"p": ids.to_numpy(), "k": keys.to_numpy()})
    frame = frame[frame["k"] != ""]
    sizes = frame.groupby("k")["p"].transform("size")
    frame = frame[(sizes > 1) & (sizes <= max_block)]
    pairs = frame.merge(frame, on="k", suffixes=("_a", "_b"))
    pairs = pairs[pairs["p_a"] < pairs["p_b"]]
    return pairs[["p_a", "p_b"]]


def candidate_pairs(unique: pd.DataFrame, weights: CustomerWeights) -> pd.DataFrame:
    """Pairs of distinct profiles that share a blocking key."""
    ids = pd.Series(range(len(unique)))
    blocks = [
        _block_pairs(ids, unique["email"], weights.max_block),
        _block_pairs(ids, unique["phone"], weights.max_block),
    ]
    if weights.name >= weights.threshold:
        sorted_names = pd.Series([" ".join(sorted(n.split())) for n in unique["name"]])
        blocks.append(_block_pairs(ids, sorted_names, weights.max_block))
    return pd.concat(blocks, ignore_index=True).drop_duplicates().reset_index(drop=True)


def score_pairs(
    unique: pd.DataFrame, pairs: pd.DataFrame, weights: CustomerWeights
) -> pd.DataFrame:
    a, b = pairs["p_a"].to_numpy(), pairs["p_b"].to_numpy()
    email = unique["email"].to_numpy()
    phone = unique["phone"].to_numpy()
    name = unique["name"].to_numpy()
    same_email = (email[a] == email[b]) & (email[a] != "")
    same_phone = (phone[a] == phone[b]) & (phone[a] != "")
    similarity = cpdist(list(name[a]), list(name[b]), scorer=fuzz.token_sort_ratio, workers=1) / 100
    similarity = np.array(
        [
            name_similarity(x, y) if 0.6 <= s < 1.0 else s
            for x, y, s in zip(name[a], name[b], similarity, strict=True)
        ],
        dtype=float,
    )
    both_named = (name[a] != "") & (name[b] != "")
    score = weights.email * same_email + weights.phone * same_phone + weights.name * similarity
    other_first = np.array(
        [first_names_differ(x, y) for x, y in zip(name[a], name[b], strict=True)], dtype=bool
    )
    conflict = both_named & ((similarity < weights.name_conflict_below) | other_first)
    linked = (np.round(score, 9) >= weights.threshold) & ~conflict
    return pairs.assign(
        score=score,
        same_email=same_email,
        same_phone=same_phone,
        name_sim=similarity,
        linked=linked,
    )


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


def _member_ref(frames: Frames, key: str) -> SourceRef:
    """The member's own SourceRef (a record's, or a Stripe customer named by a charge)."""
    record = frames.records.get(key)
    return record.ref if record is not None else SourceRef.parse(key)


def new_canonical_id(first_member: str) -> str:
    return "cust_" + hashlib.sha256(first_member.encode()).hexdigest()[:16]


def _explanations(
    scored: pd.DataFrame, roots: np.ndarray, weights: CustomerWeights
) -> dict[int, str]:
    """Per cluster root: the weakest link that still holds the cluster together."""
    linked = scored[scored["linked"]]
    if linked.empty:
        return {}
    linked = linked.assign(root=roots[linked["p_a"].to_numpy()])
    weakest = linked.sort_values(["root", "score", "p_a", "p_b"]).drop_duplicates("root")
    return {
        int(row.root): (
            f"linked at score {row.score:.2f} ≥ {weights.threshold} (same email {bool(row.same_email)}, "
            f"same phone {bool(row.same_phone)}, name similarity {row.name_sim:.2f})"
        )
        for row in weakest.itertuples(index=False)
    }


def _canonical_ids(profiles: pd.DataFrame, identity: dict[str, str]) -> dict[int, str]:
    """Per root (in order of its first member): its earliest known id not already kept by an
    earlier cluster, else a new id from its first member."""
    firsts = profiles.drop_duplicates("root")  # profiles are sorted by member
    known = profiles.assign(old=profiles["member"].map(identity)).dropna(subset=["old"])
    earlier = known.sort_values(["root", "old"]).groupby("root")["old"].agg(list).to_dict()
    taken: set[str] = set()
    ids = {}
    for root, member in zip(firsts["root"].tolist(), firsts["member"].tolist(), strict=True):
        chosen = next((old for old in earlier.get(root, []) if old not in taken), None)
        ids[root] = chosen or new_canonical_id(member)
        taken.add(ids[root])
    return ids


def _display_names(profiles: pd.DataFrame) -> dict[int, str]:
    named = profiles[profiles["display"] != ""]
    rank = [SOURCE_RANK.get(m.split(":", 1)[0], 9) for m in named["member"].tolist()]
    best = named.assign(rank=rank).sort_values(["root", "rank", "member"]).drop_duplicates("root")
    return dict(zip(best["root"].tolist(), best["display"].tolist(), strict=True))


def _clusters(profiles: pd.DataFrame, scored, weights, identity, frames: Frames) -> Resolution:
    ids = _canonical_ids(profiles, identity)
    names = _display_names(profiles)
    why = _explanations(scored, profiles.attrs["roots"], weights)
    ordered = profiles.sort_values(["root", "member"], kind="stable")
    roots = ordered["root"].to_numpy()
    bounds = [0, *(np.flatnonzero(np.diff(roots)) + 1).tolist(), len(roots)]
    members = ordered["member"].tolist()
    emails = ordered["email"].tolist()
    clusters: list[CustomerCluster] = []
    owners: dict[str, set[str]] = {}
    for start, end in pairwise(bounds):
        root = int(roots[start])
        cid = ids[root]
        found = sorted({e for e in emails[start:end] if e})
        clusters.append(
            CustomerCluster(
                cid,
                names.get(root),
                [_member_ref(frames, k) for k in members[start:end]],
                found,
                why.get(root, "one identity (its records agree exactly)"),
            )
        )
        for e in found:
            owners.setdefault(e, set()).add(cid)
    clusters.sort(key=lambda c: c.members[0].key)
    of_member = dict(
        zip(profiles["member"].tolist(), profiles["root"].map(ids).tolist(), strict=True)
    )
    of_email = {e: next(iter(c)) for e, c in owners.items() if len(c) == 1}
    return Resolution(clusters, of_member, of_email)


def resolve_customers(
    frames: Frames, weights: CustomerWeights, identity: dict[str, str]
) -> Resolution:
    """Cluster every customer identity; see the module docstring for the scoring."""
    profiles = customer_profiles(frames)
    if profiles.empty:
        return Resolution([], {}, {})
    signature = profiles["email"] + "\x1f" + profiles["phone"] + "\x1f" + profiles["name"]
    codes, uniques = pd.factorize(signature, sort=True)
    unique = pd.DataFrame(
        [u.split("\x1f") for u in uniques.tolist()], columns=["email", "phone", "name"]
    )
    scored = score_pairs(unique, candidate_pairs(unique, weights), weights)
    forest = _UnionFind(len(unique))
    for a, b in scored.loc[scored["linked"], ["p_a", "p_b"]].itertuples(index=False):
        forest.union(int(a), int(b))
    roots = np.array([forest.find(i) for i in range(len(unique))], dtype=np.int64)
    profiles["root"] = roots[codes]
    profiles.attrs["roots"] = roots
    return _clusters(profiles, scored, weights, identity, frames)
