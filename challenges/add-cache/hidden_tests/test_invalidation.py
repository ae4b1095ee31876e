"""Writes go through to the backend and replace the cached value; invalidate drops an entry."""


def test_set_writes_through_to_the_backend(backend, make_cache):
    cache = make_cache()
    assert cache.set("a", 10) is None
    assert backend.stores == [("a", 10)]
    assert backend.data["a"] == 10
    cache.set("z", "new key")
    assert backend.stores == [("a", 10), ("z", "new key")]


def test_get_after_set_returns_the_new_value_without_fetching(backend, make_cache):
    cache = make_cache()
    assert cache.get("a") == 1
    cache.set("a", 10)
    assert cache.get("a") == 10, "a write must replace the cached value"
    assert cache.get("a") == 10
    assert backend.fetches == ["a"], "the written value is cached: no fetch needed"


def test_set_on_an_uncached_key_caches_it(backend, make_cache):
    cache = make_cache()
    cache.set("z", 26)
    cache.set("b", None)
    assert cache.get("z") == 26
    assert cache.get("b") is None
    assert backend.fetches == []


def test_invalidate_forces_a_refetch(backend, make_cache):
    cache = make_cache()
    assert cache.get("a") == 1
    backend.data["a"] = 100  # changed behind the cache's back
    assert cache.get("a") == 1
    assert cache.invalidate("a") is None
    assert cache.get("a") == 100
    assert cache.get("a") == 100
    assert backend.fetches == ["a", "a"]
    assert backend.stores == [], "invalidate does not write to the backend"


def test_invalidate_an_unknown_key_is_a_no_op(backend, make_cache):
    cache = make_cache()
    cache.invalidate("never-seen")
    cache.invalidate("a")
    assert cache.get("a") == 1
    cache.invalidate("never-seen")
    assert cache.get("a") == 1
    assert backend.fetches == ["a"]
    assert backend.stores == []


def test_writes_and_invalidations_affect_only_their_key(backend, make_cache):
    cache = make_cache()
    for key in "abc":
        cache.get(key)
    cache.invalidate("a")
    cache.set("b", 20)
    assert [cache.get(key) for key in "abc"] == [1, 20, 3]
    assert backend.fetches == ["a", "b", "c", "a"]
