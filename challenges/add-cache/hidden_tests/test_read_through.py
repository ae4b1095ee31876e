"""Read-through: a miss fetches from the backend, a hit within the TTL does not."""

import pytest

from cache_support import FakeBackend, run


def test_miss_fetches_from_the_backend(backend, make_cache):
    async def scenario():
        cache = make_cache()
        assert await cache.get("a") == 1
        assert backend.fetches == ["a"]
        assert backend.stores == []

    run(scenario())


def test_hit_does_not_call_the_backend(backend, make_cache):
    async def scenario():
        cache = make_cache()
        assert [await cache.get("a") for _ in range(5)] == [1] * 5
        assert backend.fetches == ["a"], "only the first get may fetch"

    run(scenario())


def test_keys_are_cached_independently(backend, make_cache):
    async def scenario():
        cache = make_cache()
        assert await cache.get("a") == 1
        assert await cache.get("b") == 2
        assert await cache.get("a") == 1
        assert await cache.get("b") == 2
        assert await cache.get("c") == 3
        assert backend.fetches == ["a", "b", "c"]

    run(scenario())


@pytest.mark.parametrize("value", [None, 0, ""], ids=["none", "zero", "empty-string"])
def test_falsy_values_are_cached(make_cache, value):
    backend = FakeBackend({"k": value})

    async def scenario():
        cache = make_cache(backend=backend)
        assert await cache.get("k") == value
        assert await cache.get("k") == value
        assert await cache.get("k") == value
        assert backend.fetches == ["k"], f"a cached {value!r} must be a hit like any other value"

    run(scenario())


def test_rejects_invalid_settings(backend, clock):
    async def scenario():
        from app.cache import ReadThroughCache

        for ttl in (0, -1, -0.5):
            with pytest.raises(ValueError):
                ReadThroughCache(backend, ttl_seconds=ttl, clock=clock)
        for bound in (0, -3):
            with pytest.raises(ValueError):
                ReadThroughCache(backend, ttl_seconds=10, clock=clock, max_entries=bound)
        # The boundaries themselves are fine.
        ReadThroughCache(backend, ttl_seconds=0.001, clock=clock, max_entries=1)
        ReadThroughCache(backend, ttl_seconds=10, clock=clock, max_entries=None)
        assert backend.fetches == []

    run(scenario())


def test_cache_instances_are_independent(backend, make_cache):
    async def scenario():
        first, second = make_cache(), make_cache()
        assert await first.get("a") == 1
        assert await second.get("a") == 1
        assert backend.fetches == ["a", "a"], "a new cache starts empty"
        assert await first.get("a") == 1
        assert await second.get("a") == 1
        assert backend.fetches == ["a", "a"]
        await first.set("a", 10)
        assert await second.get("a") == 1, "one cache's write does not change another cache"
        assert await first.get("a") == 10

    run(scenario())
