"""Try the cache by hand: ``python -m app.demo`` from the repository root."""

import asyncio
import time

from app.backend import SlowPriceBackend
from app.cache import ReadThroughCache


async def main() -> None:
    backend = SlowPriceBackend({"LAMP-01": 2599, "DESK-01": 25000}, latency=0.2)
    cache = ReadThroughCache(backend, ttl_seconds=30)

    start = time.perf_counter()
    prices = await asyncio.gather(*(cache.get("LAMP-01") for _ in range(10)))
    elapsed = time.perf_counter() - start
    print(f"10 concurrent reads: {prices[0]} in {elapsed:.2f}s, {backend.fetch_count} fetch(es)")

    await cache.set("LAMP-01", 1999)
    print(f"after a write: {await cache.get('LAMP-01')}, {backend.fetch_count} fetch(es)")


if __name__ == "__main__":
    asyncio.run(main())
