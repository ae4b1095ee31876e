"""Fakes and helpers shared by the graded suite (imported by the test modules).

Every test is a plain synchronous test that runs its own event loop with ``run()``. The wallet's
dependencies are fakes whose latency is made of ``asyncio.sleep(0)`` yields (store), events the
test controls (gates) or ``time.sleep`` in a worker thread (kdf), so interleavings are decided by
the test, not by timing luck. Anything that could hang (a deadlock) runs under a timeout.

The candidate's code is imported as ``app.wallet`` from /submission, inside the helpers, so that
a submission that fails to import fails each test with its own error.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import random
import threading
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

DEADLINE = 5.0  # seconds: the whole scenario of one test, a deadlock fails instead of hanging
LAG_BOUND = 0.100  # seconds: the longest the event loop may go without running the heartbeat
HEARTBEAT = 0.005  # seconds between heartbeat ticks


def wallet_module() -> Any:
    from app import wallet

    return wallet


def run(scenario: Callable[[], Awaitable[Any]], *, deadline: float = DEADLINE) -> Any:
    """Run ``scenario()`` in a fresh event loop, failing (not hanging) after ``deadline``."""

    async def main() -> Any:
        # The scenario runs in this task (the only one of the harness), under a timeout.
        timeout = asyncio.timeout(deadline)
        try:
            async with timeout:
                return await scenario()
        except TimeoutError:
            if timeout.expired():
                raise AssertionError(
                    f"the scenario did not finish within {deadline} s (a "
                    "deadlock, or a coroutine that never returns)"
                ) from None
            raise

    return asyncio.run(main())


def run_strict(scenario: Callable[[], Awaitable[Any]], *, deadline: float = DEADLINE) -> Any:
    """Like ``run``, and afterwards there must be no trace of sloppy task handling: no
    'coroutine ... was never awaited' warning, no 'Task exception was never retrieved' and no
    'Task was destroyed but it is pending' report."""
    problems: list[str] = []

    async def main() -> Any:
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: problems.append(str(context.get("message")))
        )
        return await scenario()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run(main, deadline=deadline)
        gc.collect()
    never_awaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert not never_awaited, f"coroutines were never awaited: {never_awaited}"
    assert not problems, f"the event loop reported unhandled task problems: {problems}"
    return result


# --------------------------------------------------------------------------------- store fakes


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

    @property
    def total(self) -> int:
        return sum(self.balances.values())


class GatedStore(FakeStore):
    """The first ``save`` writes, then waits for the test to open the gate before returning
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


# ------------------------------------------------------------------------------ notifier fakes


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


def expected_notifications(transfers: Iterable[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """The notifications the contract prescribes for these (successful) transfers, sorted."""
    out = []
    for src, dst, amount in transfers:
        out.append((src, f"sent {amount} to {dst}"))
        out.append((dst, f"received {amount} from {src}"))
    return sorted(out)


# ----------------------------------------------------------------------------------- kdf fakes


def fast_kdf(pin: str, salt: bytes) -> bytes:
    return hashlib.sha256(salt + pin.encode()).digest()


class SlowKdf:
    """A kdf that takes ``delay`` seconds of wall-clock time, like PBKDF2 but without needing
    the CPU: a blocking call, so where it runs decides whether the event loop stalls."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, pin: str, salt: bytes) -> bytes:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        return fast_kdf(pin, salt)


# ------------------------------------------------------------------------------------- helpers


def make_wallet(store: Any, notifier: Any | None = None, kdf: Any = fast_kdf) -> Any:
    return wallet_module().Wallet(store, notifier if notifier is not None else Notifier(), kdf=kdf)


async def settle(rounds: int = 50) -> None:
    """Let every runnable coroutine run for a while."""
    for _ in range(rounds):
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def heartbeat() -> AsyncIterator[dict[str, float]]:
    """Measure event-loop lag: a task ticks every 5 ms; ``stats['max_gap']`` is the longest time
    between two ticks (or between the last tick and the end of the block)."""
    loop = asyncio.get_running_loop()
    stats = {"max_gap": 0.0, "ticks": 0, "last": loop.time()}

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            now = loop.time()
            stats["max_gap"] = max(stats["max_gap"], now - stats["last"])
            stats["ticks"] += 1
            stats["last"] = now

    task = asyncio.create_task(beat())
    await asyncio.sleep(HEARTBEAT * 4)  # the heartbeat is up and ticking
    try:
        yield stats
    finally:
        stats["max_gap"] = max(stats["max_gap"], loop.time() - stats["last"])
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
