"""Writes go through to the backend and replace the cached value; invalidate drops an entry."""

from cache_support import run


def test_set_writes_through_to_the_backend(backend, make_cache):
    async def scenario():
        cache = make_cache()
        assert await cache.set("a", 10) is None
        assert backend.stores == [("a", 10)]
        assert backend.data["a"] == 10
        await cache.set("z", "new key")
        assert backend.stores == [("a", 10), ("z", "new key")]

    run(scenario())


def test_get_after_set_returns_the_new_value_without_fetching(backend, make_cache):
    async def scenario():
        cache = make_cache()
        assert await cache.get("a") == 1
        await cache.set("a", 10)
        assert await cache.get("a") == 10, "a write must replace the cached value"
        assert await cache.get("a") == 10
        assert backend.fetches == ["a"], "the written value is cached: no fetch needed"

    run(scenario())


def test_set_on_an_uncached_key_caches_it(backend, make_cache):
    async def scenario():
        cache = make_cache()
        await cache.set("z", 26)
        await cache.set("b", None)
        assert await cache.get("z") == 26
        assert await cache.get("b") is None
        assert backend.fetches == []

    run(scenario())


def test_invalidate_forces_a_refetch(backend, make_cache):
    async def scenario():
        cache = make_cache()
        assert await cache.get("a") == 1
        backend.data["a"] = 100  # changed behind the cache's back
        assert await cache.get("a") == 1
        assert await cache.invalidate("a") is None
        assert await cache.get("a") == 100
        assert await cache.get("a") == 100
        assert backend.fetches == ["a", "a"]
        assert backend.stores == [], "invalidate does not write to the backend"

    run(scenario())


def test_invalidate_an_unknown_key_is_a_no_op(backend, make_cache):
    async def scenario():
        cache = make_cache()
        await cache.invalidate("never-seen")
        await cache.invalidate("a")
        assert await cache.get("a") == 1
        await cache.invalidate("never-seen")
        assert await cache.get("a") == 1
        assert backend.fetches == ["a"]
        assert backend.stores == []

    run(scenario())


def test_writes_and_invalidations_affect_only_their_key(backend, make_cache):
    async def scenario():
        cache = make_cache()
        for key in "abc":
            await cache.get(key)
        await cache.invalidate("a")
        await cache.set("b", 20)
        assert [await cache.get(key) for key in "abc"] == [1, 20, 3]
        assert backend.fetches == ["a", "b", "c", "a"]

    run(scenario())
