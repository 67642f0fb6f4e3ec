"""A few recent answers kept between requests: the pages of one listing are slices of it."""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class RecentResults(dict[K, V], Generic[K, V]):
    """At most `size` entries, the oldest dropped first (a long-serving sandbox sees ever new
    filters). Its owner empties it whenever the data behind the answers changes."""

    def __init__(self, size: int = 32) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: K, value: V) -> V:
        if key not in self and len(self) >= self.size:
            del self[next(iter(self))]
        self[key] = value
        return value
