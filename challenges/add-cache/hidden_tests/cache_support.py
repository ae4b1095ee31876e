"""Helpers for the graded suite (the fixtures are in conftest.py).

Every test is a plain synchronous function that drives one coroutine with ``run`` (no
pytest-asyncio). Interleavings are made deterministic with ``asyncio.Event``s held by the fake
backend and with ``settle()`` (a fixed number of ``asyncio.sleep(0)`` yields), never with real
sleeps; time is a ``FakeClock`` the tests advance by hand. Anything that could hang on a broken
submission is bounded by ``asyncio.wait_for``, so it fails instead of hanging.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

RUN_TIMEOUT = 3.0  # the whole scenario of one test
STEP_TIMEOUT = 1.0  # one awaited step that must not block (see `within`)
SETTLE_YIELDS = 50  # generous: a correct cache needs a handful of loop iterations at most


class Boom(Exception):
    """The backend failed (a test-only exception type, so it cannot be confused with a bug)."""


def run(scenario: Coroutine[Any, Any, T]) -> T:
    """Run one test's scenario on a fresh event loop, failing (not hanging) if it blocks."""
    __tracebackhide__ = True

    async def bounded() -> T:
        __tracebackhide__ = True
        try:
            return await asyncio.wait_for(scenario, RUN_TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"the scenario did not finish within {RUN_TIMEOUT}s: a call to the cache "
                "never returned (deadlock, or a waiter that is never woken)"
            ) from None
        except asyncio.CancelledError:
            # Only a test's own task.cancel() is expected; reaching here means a cache call was
            # cancelled although the test did not cancel it. Report it as a plain failure.
            raise AssertionError(
                "a call to the cache raised CancelledError that the test did not ask for"
            ) from None

    return asyncio.run(bounded())


async def within(awaitable: Awaitable[T], what: str) -> T:
    """Await a step that must complete without waiting for anything the test still holds."""
    __tracebackhide__ = True
    try:
        return await asyncio.wait_for(awaitable, STEP_TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"{what} blocked: it did not complete within {STEP_TIMEOUT}s") from None


async def settle() -> None:
    """Let every task that can make progress do so (a fixed number of event-loop turns)."""
    for _ in range(SETTLE_YIELDS):
        await asyncio.sleep(0)


class FakeClock:
    """A manual clock: ``clock()`` returns ``now``, which only moves when a test advances it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeBackend:
    """An in-memory backend that records its calls and lets a test hold fetches in flight.

    - ``data``: the backend's values. A fetch reads the value **when it is called**, then waits
      for the key's hold (if any) before returning it: like a slow reply to a request that was
      answered at once, so a held fetch can return a value that has since been overwritten.
    - ``fetches``: the keys fetched, one per call, in call order (counted when called).
    - ``stores``: the ``(key, value)`` pairs stored, in call order.
    - ``hold(key)``: fetches of ``key`` called from now on wait for the returned event (or the
      one given) before returning; calling ``hold`` again replaces it for later fetches.
    - ``started(key)``: an event set once a fetch of ``key`` has been called.
    - ``fail_next_fetch(key, exc)`` / ``fail_next_store(key, exc)``: the next such call raises.
    """

    def __init__(self, data: dict[Hashable, Any] | None = None) -> None:
        self.data: dict[Hashable, Any] = dict(data or {})
        self.fetches: list[Hashable] = []
        self.stores: list[tuple[Hashable, Any]] = []
        self._holds: dict[Hashable, asyncio.Event] = {}
        self._started: dict[Hashable, asyncio.Event] = {}
        self._fetch_failures: dict[Hashable, BaseException] = {}
        self._store_failures: dict[Hashable, BaseException] = {}

    def hold(self, key: Hashable, event: asyncio.Event | None = None) -> asyncio.Event:
        self._holds[key] = event if event is not None else asyncio.Event()
        return self._holds[key]

    def started(self, key: Hashable) -> asyncio.Event:
        return self._started.setdefault(key, asyncio.Event())

    def fail_next_fetch(self, key: Hashable, exc: BaseException) -> None:
        self._fetch_failures[key] = exc

    def fail_next_store(self, key: Hashable, exc: BaseException) -> None:
        self._store_failures[key] = exc

    def fetch_count(self, key: Hashable) -> int:
        return self.fetches.count(key)

    async def fetch(self, key: Hashable) -> Any:
        self.fetches.append(key)
        value = self.data.get(key)
        failure = self._fetch_failures.pop(key, None)
        hold = self._holds.get(key)
        self.started(key).set()
        if hold is not None:
            await hold.wait()
        if failure is not None:
            raise failure
        return value

    async def store(self, key: Hashable, value: Any) -> None:
        self.stores.append((key, value))
        failure = self._store_failures.pop(key, None)
        await asyncio.sleep(0)  # a store is a round trip too: other tasks may run meanwhile
        if failure is not None:
            raise failure
        self.data[key] = value
