"""A read-through, write-through cache in front of a slow async backend."""

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from app.backend import Backend


@dataclass(slots=True)
class _Entry:
    value: Any
    stored_at: float


class ReadThroughCache:
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
        self._versions: dict[Hashable, int] = {}  # bumped by every write and invalidation

    async def get(self, key: Hashable) -> Any:
        entry = self._entries.get(key)
        if entry is not None:
            if self._clock() - entry.stored_at < self._ttl:
                self._entries.move_to_end(key)
                return entry.value
            del self._entries[key]
        version = self._versions.get(key, 0)
        value = await self._backend.fetch(key)
        if self._versions.get(key, 0) == version:  # no write overtook this fetch
            self._put(key, value)
        return value

    async def set(self, key: Hashable, value: Any) -> None:
        try:
            await self._backend.store(key, value)
        except BaseException:
            self._forget(key)
            raise
        self._forget(key)
        self._put(key, value)

    async def invalidate(self, key: Hashable) -> None:
        self._forget(key)

    def _put(self, key: Hashable, value: Any) -> None:
        self._entries[key] = _Entry(value, self._clock())
        self._entries.move_to_end(key)
        if self._max_entries is not None:
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def _forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)
        self._versions[key] = self._versions.get(key, 0) + 1
