"""Concurrency: unrelated keys are not serialized, and writes win over fetches they overtake."""

import asyncio

from cache_support import run, settle, within


def test_unrelated_keys_fetch_concurrently(backend, make_cache):
    async def scenario():
        cache = make_cache()
        # The fetch of "a" only completes once a fetch of "b" has started.
        backend.hold("a", backend.started("b"))
        reader_a = asyncio.create_task(cache.get("a"))
        await within(backend.started("a").wait(), "waiting for the fetch of 'a' to start")
        reader_b = asyncio.create_task(cache.get("b"))
        results = await within(
            asyncio.gather(reader_a, reader_b),
            "fetching 'b' while a fetch of 'a' is in flight (one lock for all keys?)",
        )
        assert results == [1, 2]
        assert backend.fetches == ["a", "b"]

    run(scenario())


def test_hits_are_served_while_another_key_is_fetched(backend, make_cache):
    async def scenario():
        cache = make_cache()
        assert await cache.get("b") == 2
        release = backend.hold("a")
        reader_a = asyncio.create_task(cache.get("a"))
        await within(backend.started("a").wait(), "waiting for the fetch of 'a' to start")
        assert await within(cache.get("b"), "a hit on 'b' while 'a' is being fetched") == 2
        await within(cache.set("c", 30), "a write to 'c' while 'a' is being fetched")
        assert await within(cache.get("c"), "a hit on 'c' while 'a' is being fetched") == 30
        release.set()
        assert await within(reader_a, "get") == 1
        assert backend.fetches == ["b", "a"]

    run(scenario())


def test_write_during_a_fetch_is_not_overwritten_by_the_fetched_value(backend, make_cache):
    async def scenario():
        cache = make_cache()
        release = backend.hold("a")
        reader = asyncio.create_task(cache.get("a"))  # fetches "a" = 1, held in flight
        await within(backend.started("a").wait(), "waiting for the fetch to start")
        await within(cache.set("a", 10), "set while a fetch of the same key is in flight")
        release.set()  # the fetch now returns the value it read before the write: 1
        await within(reader, "the get that was in flight")
        await settle()
        assert await cache.get("a") == 10, "the stale fetched value overwrote the newer write"
        assert backend.fetches == ["a"], "the written value is cached: no fetch needed"

    run(scenario())


def test_get_after_a_write_does_not_wait_for_the_older_fetch(backend, make_cache):
    async def scenario():
        cache = make_cache()
        release = backend.hold("a")
        reader = asyncio.create_task(cache.get("a"))
        await within(backend.started("a").wait(), "waiting for the fetch to start")
        await within(cache.set("a", 10), "set while a fetch of the same key is in flight")
        assert await within(cache.get("a"), "get after the write") == 10
        release.set()
        await within(reader, "the get that was in flight")
        await settle()
        assert await cache.get("a") == 10
        assert backend.fetches == ["a"]

    run(scenario())


def test_fetch_in_flight_during_invalidate_is_not_cached(backend, make_cache):
    async def scenario():
        cache = make_cache()
        release = backend.hold("a")
        reader = asyncio.create_task(cache.get("a"))  # reads 1, held in flight
        await within(backend.started("a").wait(), "waiting for the fetch to start")
        backend.data["a"] = 100  # changed behind the cache's back...
        await within(cache.invalidate("a"), "invalidate while a fetch is in flight")  # ...and said so
        release.set()
        await within(reader, "the get that was in flight")
        await settle()
        assert await within(cache.get("a"), "get after the invalidation") == 100, (
            "a value fetched before the invalidation must not be cached"
        )
        assert backend.fetches == ["a", "a"]

    run(scenario())


def test_get_after_invalidate_does_not_join_the_older_fetch(backend, make_cache):
    async def scenario():
        cache = make_cache()
        release = backend.hold("a")
        first = asyncio.create_task(cache.get("a"))  # reads 1, held in flight
        await within(backend.started("a").wait(), "waiting for the fetch to start")
        backend.data["a"] = 100
        await within(cache.invalidate("a"), "invalidate while a fetch is in flight")
        second = asyncio.create_task(cache.get("a"))
        await settle()
        assert backend.fetches == ["a", "a"], (
            "a get that starts after invalidate must start a new fetch, not join the older one"
        )
        release.set()
        assert await within(second, "the get after the invalidation") == 100
        await within(first, "the get that was in flight")
        assert await cache.get("a") == 100
        assert backend.fetches == ["a", "a"]

    run(scenario())


def test_older_fetch_completing_does_not_detach_the_newer_one(backend, make_cache):
    async def scenario():
        cache = make_cache()
        release_first = backend.hold("a")
        first = asyncio.create_task(cache.get("a"))
        await within(backend.started("a").wait(), "waiting for the fetch to start")
        backend.data["a"] = 100
        await within(cache.invalidate("a"), "invalidate while a fetch is in flight")
        release_second = backend.hold("a")  # fetches of "a" from now on wait for this one
        second = asyncio.create_task(cache.get("a"))
        await settle()
        assert backend.fetches == ["a", "a"]
        release_first.set()  # the older fetch completes; the newer one is still in flight
        await within(first, "the get that was in flight")
        await settle()
        third = asyncio.create_task(cache.get("a"))
        await settle()
        assert backend.fetches == ["a", "a"], (
            "a get while the newer fetch is in flight must join it, even after the older one ended"
        )
        release_second.set()
        assert await within(asyncio.gather(second, third), "the waiting gets") == [100, 100]
        assert await cache.get("a") == 100
        assert backend.fetches == ["a", "a"]

    run(scenario())
