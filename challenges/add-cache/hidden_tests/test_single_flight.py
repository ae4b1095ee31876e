"""Single flight: concurrent misses for one key share one backend fetch."""

import asyncio

import pytest

from cache_support import run, settle, within


def test_concurrent_misses_share_one_fetch(backend, make_cache):
    async def scenario():
        cache = make_cache()
        release = backend.hold("a")
        readers = [asyncio.create_task(cache.get("a")) for _ in range(5)]
        await settle()
        assert backend.fetches == ["a"], "five concurrent misses must cause exactly one fetch"
        release.set()
        assert await within(asyncio.gather(*readers), "the waiting gets") == [1] * 5
        assert await cache.get("a") == 1
        assert backend.fetches == ["a"]

    run(scenario())


def test_late_caller_joins_the_fetch_in_flight(backend, make_cache):
    async def scenario():
        cache = make_cache()
        release = backend.hold("a")
        first = asyncio.create_task(cache.get("a"))
        await within(backend.started("a").wait(), "waiting for the fetch to start")
        await settle()
        backend.data["a"] = 100  # a second fetch would see this
        later = [asyncio.create_task(cache.get("a")) for _ in range(3)]
        await settle()
        assert backend.fetches == ["a"]
        release.set()
        results = await within(asyncio.gather(first, *later), "the waiting gets")
        assert results == [1, 1, 1, 1], "every waiter gets the result of the shared fetch"
        assert backend.fetches == ["a"]

    run(scenario())


def test_concurrent_misses_for_different_keys_fetch_each_key_once(backend, make_cache):
    async def scenario():
        cache = make_cache()
        releases = [backend.hold(key) for key in "abc"]
        readers = [asyncio.create_task(cache.get(key)) for key in "abcabcabc"]
        await settle()
        assert sorted(backend.fetches) == ["a", "b", "c"]
        for release in releases:
            release.set()
        assert await within(asyncio.gather(*readers), "the waiting gets") == [1, 2, 3] * 3
        assert sorted(backend.fetches) == ["a", "b", "c"]

    run(scenario())


def test_expired_entry_is_refetched_once(backend, clock, make_cache):
    async def scenario():
        cache = make_cache(ttl_seconds=10.0)
        assert await cache.get("a") == 1
        clock.advance(15.0)
        backend.data["a"] = 100
        release = backend.hold("a")
        readers = [asyncio.create_task(cache.get("a")) for _ in range(4)]
        await settle()
        assert backend.fetches == ["a", "a"]
        release.set()
        assert await within(asyncio.gather(*readers), "the waiting gets") == [100] * 4
        assert backend.fetches == ["a", "a"]

    run(scenario())


def test_cancelling_one_caller_does_not_cancel_the_shared_fetch(backend, make_cache):
    async def scenario():
        cache = make_cache()
        release = backend.hold("a")
        first = asyncio.create_task(cache.get("a"))  # the caller that started the fetch
        await within(backend.started("a").wait(), "waiting for the fetch to start")
        others = [asyncio.create_task(cache.get("a")) for _ in range(2)]
        await settle()
        first.cancel()
        await settle()
        release.set()
        assert await within(asyncio.gather(*others), "the other waiting gets") == [1, 1]
        with pytest.raises(asyncio.CancelledError):
            await first
        assert await cache.get("a") == 1
        assert backend.fetches == ["a"], "the fetch completed once and its value was cached"

    run(scenario())
