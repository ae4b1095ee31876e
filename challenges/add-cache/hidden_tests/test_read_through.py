"""Read-through: a miss fetches from the backend, a hit within the TTL does not."""

import pytest


def test_miss_fetches_from_the_backend(backend, make_cache):
    cache = make_cache()
    assert cache.get("a") == 1
    assert backend.fetches == ["a"]
    assert backend.stores == []


def test_hit_does_not_call_the_backend(backend, make_cache):
    cache = make_cache()
    assert [cache.get("a") for _ in range(5)] == [1] * 5
    assert backend.fetches == ["a"], "only the first get may fetch"


def test_keys_are_cached_independently(backend, make_cache):
    cache = make_cache()
    assert cache.get("a") == 1
    assert cache.get("b") == 2
    assert cache.get("a") == 1
    assert cache.get("b") == 2
    assert cache.get("c") == 3
    assert backend.fetches == ["a", "b", "c"]


@pytest.mark.parametrize("value", [None, 0, ""], ids=["none", "zero", "empty-string"])
def test_falsy_values_are_cached(make_backend, make_cache, value):
    backend = make_backend({"k": value})
    cache = make_cache(backend=backend)
    assert cache.get("k") == value
    assert cache.get("k") == value
    assert cache.get("k") == value
    assert backend.fetches == ["k"], f"a cached {value!r} must be a hit like any other value"


def test_rejects_invalid_settings(backend, clock, new_cache):
    for ttl in (0, -1, -0.5):
        with pytest.raises(ValueError):
            new_cache(backend, ttl_seconds=ttl, clock=clock)
    for bound in (0, -3):
        with pytest.raises(ValueError):
            new_cache(backend, ttl_seconds=10, clock=clock, max_entries=bound)
    # The boundaries themselves are fine.
    new_cache(backend, ttl_seconds=0.001, clock=clock, max_entries=1)
    new_cache(backend, ttl_seconds=10, clock=clock, max_entries=None)
    assert backend.fetches == []


def test_cache_instances_are_independent(backend, make_cache):
    first, second = make_cache(), make_cache()
    assert first.get("a") == 1
    assert second.get("a") == 1
    assert backend.fetches == ["a", "a"], "a new cache starts empty"
    assert first.get("a") == 1
    assert second.get("a") == 1
    assert backend.fetches == ["a", "a"]
    first.set("a", 10)
    assert second.get("a") == 1, "one cache's write does not change another cache"
    assert first.get("a") == 10
