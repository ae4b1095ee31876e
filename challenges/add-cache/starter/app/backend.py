"""The slow backend the cache sits in front of.

``Backend`` is the interface the cache relies on: two coroutines, nothing else. The tests pass
their own fake; ``SlowPriceBackend`` is a stand-in for the real price service, handy to try the
cache by hand (``python -m app.demo``).
"""

import asyncio
from typing import Any, Hashable, Protocol


class Backend(Protocol):
    async def fetch(self, key: Hashable) -> Any:
        """The current value of ``key``; raises if the backend fails."""

    async def store(self, key: Hashable, value: Any) -> None:
        """Make ``value`` the current value of ``key``; raises if the backend fails."""


class SlowPriceBackend:
    """Prices in cents by SKU, behind a network round trip of ``latency`` seconds."""

    def __init__(self, prices: dict[str, int] | None = None, *, latency: float = 0.2) -> None:
        self._prices = dict(prices or {})
        self._latency = latency
        self.fetch_count = 0

    async def fetch(self, key: str) -> int | None:
        self.fetch_count += 1
        await asyncio.sleep(self._latency)
        return self._prices.get(key)

    async def store(self, key: str, value: int | None) -> None:
        await asyncio.sleep(self._latency)
        self._prices[key] = value
