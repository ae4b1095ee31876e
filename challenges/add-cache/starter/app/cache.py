"""The cache in front of the price backend: make it one.

Read the brief for the full contract. Today every ``get`` goes to the backend: nothing is
cached yet, and the settings are accepted but not used.
"""

import time
from collections.abc import Callable, Hashable
from typing import Any

from app.backend import Backend


class ReadThroughCache:
    def __init__(
        self,
        backend: Backend,
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int | None = None,
    ) -> None:
        self._backend = backend
        self._ttl = ttl_seconds
        self._clock = clock
        self._max_entries = max_entries
        # TODO: the cached entries, and whatever you need to share a fetch in flight.

    async def get(self, key: Hashable) -> Any:
        # TODO: serve fresh entries from the cache; on a miss, one fetch per key at a time.
        return await self._backend.fetch(key)

    async def set(self, key: Hashable, value: Any) -> None:
        # TODO: after the backend accepted the write, the cache must reflect it.
        await self._backend.store(key, value)

    async def invalidate(self, key: Hashable) -> None:
        # TODO: forget the key.
        return None
