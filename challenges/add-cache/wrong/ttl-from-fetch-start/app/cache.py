"""A read-through, write-through cache in front of a slow async backend."""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from app.backend import Backend


@dataclass(slots=True)
class _Entry:
    value: Any
    stored_at: float  # the clock reading when the value entered the cache


class ReadThroughCache:
    """Caches ``backend.fetch`` results for ``ttl_seconds``; writes go through to the backend.

    Two dictionaries hold the state:

    - ``_entries``: the cached values, in least- to most-recently-used order.
    - ``_flights``: the one fetch task per key currently in flight. Every ``get`` that misses
      while a fetch is in flight awaits that task (single flight). ``set`` and ``invalidate``
      take the task out of the map, which is how the task learns, when it completes, that its
      value may be stale: it caches its value only if it is still the registered flight. Later
      ``get`` calls start a new fetch rather than joining the stale one.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int | None = None,
    ) -> None:
        if not ttl_seconds > 0:
            raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds!r}")
        if max_entries is not None and max_entries < 1:
            raise ValueError(f"max_entries must be None or at least 1, got {max_entries!r}")
        self._backend = backend
        self._ttl = ttl_seconds
        self._clock = clock
        self._max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[Hashable, asyncio.Task[Any]] = {}

    async def get(self, key: Hashable) -> Any:
        entry = self._entries.get(key)
        if entry is not None:
            if self._clock() - entry.stored_at < self._ttl:
                self._entries.move_to_end(key)
                return entry.value
            del self._entries[key]  # expired: never served again, even if the refetch fails

        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.get_running_loop().create_task(self._fetch(key))
            flight.add_done_callback(_retrieve_outcome)
            self._flights[key] = flight
        # shield: a caller that is cancelled stops waiting, the shared fetch goes on.
        return await asyncio.shield(flight)

    async def set(self, key: Hashable, value: Any) -> None:
        try:
            await self._backend.store(key, value)
        except BaseException:
            # The backend may or may not hold the new value: forget what we know.
            self._forget(key)
            raise
        self._forget(key)  # also detaches a fetch in flight, whose value is older than this write
        self._put(key, value)

    async def invalidate(self, key: Hashable) -> None:
        self._forget(key)

    async def _fetch(self, key: Hashable) -> Any:
        me = asyncio.current_task()
        started_at = self._clock()
        try:
            value = await self._backend.fetch(key)
        finally:
            current = self._flights.get(key) is me
            if current:
                del self._flights[key]
        if current:  # no set or invalidate happened while the fetch was in flight
            self._put(key, value, started_at)
        return value

    def _put(self, key: Hashable, value: Any, stored_at: float | None = None) -> None:
        if stored_at is None:
            stored_at = self._clock()
        self._entries[key] = _Entry(value, stored_at)
        self._entries.move_to_end(key)
        if self._max_entries is not None:
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def _forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)
        self._flights.pop(key, None)


def _retrieve_outcome(task: asyncio.Task[Any]) -> None:
    """Mark a failed fetch's exception as seen, so asyncio does not log it when every caller
    waiting for it was cancelled (the callers that are still waiting get it all the same)."""
    if not task.cancelled():
        task.exception()
