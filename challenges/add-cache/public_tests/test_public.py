"""Public tests: a sample of the behaviour the hidden suite grades (it checks much more)."""

import asyncio

import pytest
from conftest import run

from app.cache import ReadThroughCache


def test_hits_within_the_ttl_do_not_call_the_backend(backend, clock):
    async def scenario():
        cache = ReadThroughCache(backend, ttl_seconds=10, clock=clock)
        assert await cache.get("LAMP-01") == 2599
        clock.advance(9.9)
        assert await cache.get("LAMP-01") == 2599
        assert backend.fetches == ["LAMP-01"]

    run(scenario())


def test_an_entry_expires_when_its_age_reaches_the_ttl(backend, clock):
    async def scenario():
        cache = ReadThroughCache(backend, ttl_seconds=10, clock=clock)
        await cache.get("LAMP-01")
        backend.data["LAMP-01"] = 1999
        clock.advance(10)  # age == ttl: expired
        assert await cache.get("LAMP-01") == 1999
        assert backend.fetches == ["LAMP-01", "LAMP-01"]

    run(scenario())


def test_set_writes_through_and_the_cache_serves_the_new_value(backend, clock):
    async def scenario():
        cache = ReadThroughCache(backend, ttl_seconds=10, clock=clock)
        assert await cache.get("LAMP-01") == 2599
        await cache.set("LAMP-01", 1999)
        assert backend.stores == [("LAMP-01", 1999)]
        assert await cache.get("LAMP-01") == 1999
        assert backend.fetches == ["LAMP-01"]

    run(scenario())


def test_concurrent_misses_share_one_fetch(backend, clock):
    async def scenario():
        cache = ReadThroughCache(backend, ttl_seconds=10, clock=clock)
        release = backend.hold("LAMP-01")
        readers = [asyncio.create_task(cache.get("LAMP-01")) for _ in range(3)]
        for _ in range(10):
            await asyncio.sleep(0)  # let every reader reach the cache
        release.set()
        assert await asyncio.gather(*readers) == [2599, 2599, 2599]
        assert backend.fetches == ["LAMP-01"]

    run(scenario())


def test_a_failed_fetch_is_not_cached(backend, clock):
    async def scenario():
        cache = ReadThroughCache(backend, ttl_seconds=10, clock=clock)
        backend.fail_next["LAMP-01"] = ConnectionError("backend down")
        with pytest.raises(ConnectionError):
            await cache.get("LAMP-01")
        assert await cache.get("LAMP-01") == 2599
        assert backend.fetches == ["LAMP-01", "LAMP-01"]

    run(scenario())


def test_the_least_recently_used_entry_is_evicted(backend, clock):
    async def scenario():
        cache = ReadThroughCache(backend, ttl_seconds=10, clock=clock, max_entries=2)
        await cache.get("LAMP-01")
        await cache.get("DESK-01")
        await cache.get("LAMP-01")  # a hit: LAMP-01 is now the most recently used
        await cache.get("CHAIR-01")  # evicts DESK-01
        await cache.get("LAMP-01")
        assert backend.fetches == ["LAMP-01", "DESK-01", "CHAIR-01"]
        await cache.get("DESK-01")
        assert backend.fetches == ["LAMP-01", "DESK-01", "CHAIR-01", "DESK-01"]

    run(scenario())
