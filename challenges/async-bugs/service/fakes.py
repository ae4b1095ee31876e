"""The wallet's dependencies as the graded scenarios give them: fakes whose latency is made of
``asyncio.sleep(0)`` yields (stores), events the scenario controls (gates) or ``time.sleep`` in
whatever thread calls it (kdf), so interleavings are decided by the scenario, not by timing luck.

They run in the candidate's container, beside the wallet; what they record is handed back to
the tests as plain data (see observe.py). No expected value lives here.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from collections.abc import Iterable
from typing import Any


class FakeStore:
    """Balances in a dict; every call yields to the event loop like a database round trip.

    ``yields`` is how many times each call yields; with ``seed``, each call yields a random
    0 to 3 times instead (seeded, so the interleaving is the same on every run).
    """

    def __init__(
        self, balances: dict[str, int], *, yields: int = 1, seed: int | None = None
    ) -> None:
        self.balances = dict(balances)
        self.negative_writes: list[tuple[str, int]] = []
        self._yields = yields
        self._rng = random.Random(seed) if seed is not None else None

    async def _round_trip(self) -> None:
        count = self._rng.randint(0, 3) if self._rng else self._yields
        for _ in range(count):
            await asyncio.sleep(0)

    async def load(self, account: str) -> int:
        await self._round_trip()
        return self.balances[account]

    async def save(self, account: str, balance: int) -> None:
        await self._round_trip()
        if balance < 0:
            self.negative_writes.append((account, balance))
        self.balances[account] = balance


class GatedStore(FakeStore):
    """The first ``save`` writes, then waits for the scenario to open the gate before returning
    (the write has landed, the acknowledgement is slow): a transfer is stuck half-way."""

    def __init__(self, balances: dict[str, int], **kwargs: Any) -> None:
        super().__init__(balances, **kwargs)
        self.first_save_landed = asyncio.Event()
        self.gate = asyncio.Event()

    async def save(self, account: str, balance: int) -> None:
        await super().save(account, balance)
        if not self.first_save_landed.is_set():
            self.first_save_landed.set()
            await self.gate.wait()


class FlakyStore(FakeStore):
    """``load`` of the accounts in ``broken`` raises ConnectionError (the database is down)."""

    def __init__(self, balances: dict[str, int], *, broken: Iterable[str], **kwargs: Any) -> None:
        super().__init__(balances, **kwargs)
        self.broken = set(broken)

    async def load(self, account: str) -> int:
        await self._round_trip()
        if account in self.broken:
            raise ConnectionError(f"database unavailable for {account}")
        return self.balances[account]


class Notifier:
    """Records deliveries. ``delay``: seconds each send takes; ``fail_for``: accounts whose
    sends raise ConnectionError; ``gated``: sends wait until ``gate`` is set."""

    def __init__(
        self, *, delay: float = 0.0, fail_for: Iterable[str] = (), gated: bool = False
    ) -> None:
        self.delay = delay
        self.fail_for = set(fail_for)
        self.gate = asyncio.Event()
        if not gated:
            self.gate.set()
        self.started = 0
        self.delivered: list[tuple[str, str]] = []

    async def send(self, account: str, message: str) -> None:
        self.started += 1
        await self.gate.wait()
        await asyncio.sleep(self.delay)
        if account in self.fail_for:
            raise ConnectionError(f"push gateway refused the notification for {account}")
        self.delivered.append((account, message))


def fast_kdf(pin: str, salt: bytes) -> bytes:
    return hashlib.sha256(salt + pin.encode()).digest()


class SlowKdf:
    """A kdf that takes ``delay`` seconds of wall-clock time, like PBKDF2 but without needing
    the CPU: a blocking call, so where it runs decides whether the event loop stalls.
    ``threads`` records the identity of the thread each call ran in."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0
        self.threads: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, pin: str, salt: bytes) -> bytes:
        with self._lock:
            self.calls += 1
            self.threads.append(threading.get_ident())
        time.sleep(self.delay)
        return fast_kdf(pin, salt)
