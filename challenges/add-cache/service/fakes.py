"""The fakes the candidate's cache runs against: a backend whose fetches can be held in
flight, and a manual clock. They run in the candidate's container, beside the cache; what
they record goes back to the tests as plain data (see worlds.py).
"""

import asyncio
from collections.abc import Hashable, Mapping
from typing import Any


class Boom(Exception):
    """The backend failed (a grader-only exception type, so it cannot be confused with a bug)."""


class FakeClock:
    """A manual clock: ``clock()`` returns ``now``, which only moves when a test advances it."""

    def __init__(self, start: float) -> None:
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

    def __init__(self, data: Mapping[Any, Any] | None = None) -> None:
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
