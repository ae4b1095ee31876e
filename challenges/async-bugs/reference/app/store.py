"""Balance storage.

Production uses a database client with this interface; `MemoryStore` is the in-memory stand-in
used for local runs. Every call is a round trip to the database, so every call is awaited, and
other coroutines run while it is in flight.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class Store(Protocol):
    async def load(self, account: str) -> int:
        """The account's balance in cents. Raises KeyError if there is no such account."""
        ...

    async def save(self, account: str, balance: int) -> None:
        """Replace the account's balance (in cents)."""
        ...


class MemoryStore:
    """An in-memory store that behaves like a remote one: each call yields to the event loop."""

    def __init__(self, balances: dict[str, int] | None = None, *, latency: float = 0.0) -> None:
        self._balances = dict(balances or {})
        self._latency = latency

    async def load(self, account: str) -> int:
        await asyncio.sleep(self._latency)
        return self._balances[account]

    async def save(self, account: str, balance: int) -> None:
        await asyncio.sleep(self._latency)
        self._balances[account] = balance

    def snapshot(self) -> dict[str, int]:
        """Every balance, for inspection (not part of the Store interface)."""
        return dict(self._balances)
