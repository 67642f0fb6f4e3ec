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

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from engine.config import CustomerWeights
from engine.frames import Frames
from engine.names import name_similarity, normalize_email, normalize_name, normalize_phone
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


def customer_profiles(frames: Frames) -> pd.DataFrame:
    """One row per customer identity: member key, display name, email, phone (normalized)."""
    parts = []
    c = frames.customers
    if not c.empty:
        names = [n or co for n, co in zip(c["name"], c["company"], strict=True)]
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
    profiles["email"] = [normalize_email(e) for e in profiles["email"]]
    profiles["phone"] = [normalize_phone(p) for p in profiles["phone"]]
    profiles["name"] = [normalize_name(n) for n in profiles["display"]]
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
    conflict = both_named & (similarity < weights.name_conflict_below)
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


def new_canonical_id(first_member: str) -> str:
    return "cust_" + hashlib.sha256(first_member.encode()).hexdigest()[:16]


def _display_name(group: pd.DataFrame) -> str | None:
    ranked = sorted(
        (SOURCE_RANK.get(m.split(":", 1)[0], 9), m, d)
        for m, d in zip(group["member"], group["display"], strict=True)
        if d
    )
    return ranked[0][2] if ranked else None


def _assign_ids(groups: list[pd.DataFrame], identity: dict[str, str]) -> list[str]:
    taken: set[str] = set()
    ids = []
    for group in groups:
        earlier = sorted({identity[m] for m in group["member"] if m in identity} - taken)
        chosen = earlier[0] if earlier else new_canonical_id(group["member"].iloc[0])
        taken.add(chosen)
        ids.append(chosen)
    return ids


def _explanations(
    scored: pd.DataFrame, forest: _UnionFind, weights: CustomerWeights
) -> dict[int, str]:
    """Per cluster root: the weakest link that still holds the cluster together."""
    linked = scored[scored["linked"]]
    if linked.empty:
        return {}
    linked = linked.assign(root=[forest.find(int(a)) for a in linked["p_a"]])
    weakest = linked.sort_values(["root", "score", "p_a", "p_b"]).drop_duplicates("root")
    return {
        int(row.root): (
            f"linked at score {row.score:.2f} ≥ {weights.threshold} (same email {bool(row.same_email)}, "
            f"same phone {bool(row.same_phone)}, name similarity {row.name_sim:.2f})"
        )
        for row in weakest.itertuples(index=False)
    }


def resolve_customers(
    frames: Frames, weights: CustomerWeights, identity: dict[str, str]
) -> Resolution:
    """Cluster every customer identity; see the module docstring for the scoring."""
    profiles = customer_profiles(frames)
    if profiles.empty:
        return Resolution([], {}, {})
    signature = profiles["email"] + "\x1f" + profiles["phone"] + "\x1f" + profiles["name"]
    codes, uniques = pd.factorize(signature, sort=True)
    unique = pd.DataFrame([u.split("\x1f") for u in uniques], columns=["email", "phone", "name"])
    scored = score_pairs(unique, candidate_pairs(unique, weights), weights)
    forest = _UnionFind(len(unique))
    for a, b in scored.loc[scored["linked"], ["p_a", "p_b"]].itertuples(index=False):
        forest.union(int(a), int(b))
    profiles["root"] = [forest.find(int(c)) for c in codes]
    groups = [g for _, g in profiles.groupby("root", sort=False)]
    groups.sort(key=lambda g: g["member"].iloc[0])
    ids = _assign_ids(groups, identity)
    explanations = _explanations(scored, forest, weights)
    clusters, of_member = [], {}
    email_owner: dict[str, set[str]] = {}
    for cid, group in zip(ids, groups, strict=True):
        members = [SourceRef.parse(m) for m in group["member"]]
        emails = sorted({e for e in group["email"] if e})
        why = explanations.get(int(group["root"].iloc[0]), "a single identity")
        clusters.append(CustomerCluster(cid, _display_name(group), members, emails, why))
        of_member.update(dict.fromkeys(group["member"], cid))
        for e in emails:
            email_owner.setdefault(e, set()).add(cid)
    of_email = {e: next(iter(c)) for e, c in email_owner.items() if len(c) == 1}
    return Resolution(clusters, of_member, of_email)
