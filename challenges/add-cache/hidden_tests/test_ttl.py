"""TTL: an entry is fresh while ``clock() - stored_at < ttl_seconds`` (expired at exactly the TTL),
measured with the injected clock from the moment the value entered the cache."""


def test_hit_just_before_the_ttl(backend, clock, make_cache):
    cache = make_cache(ttl_seconds=10.0)
    assert cache.get("a") == 1
    clock.advance(9.5)
    assert cache.get("a") == 1
    clock.advance(0.49)
    assert cache.get("a") == 1
    assert backend.fetches == ["a"]


def test_expired_at_exactly_the_ttl(backend, clock, make_cache):
    cache = make_cache(ttl_seconds=10.0)
    assert cache.get("a") == 1  # stored at 1000.0
    clock.advance(10.0)  # 1010.0: age == ttl, expired
    assert cache.get("a") == 1
    assert backend.fetches == ["a", "a"], "an entry whose age equals the TTL is expired"


def test_expired_entry_is_refetched_with_the_new_value(backend, clock, make_cache):
    cache = make_cache(ttl_seconds=5.0)
    assert cache.get("a") == 1
    backend.data["a"] = 100  # changed behind the cache's back
    clock.advance(4.0)
    assert cache.get("a") == 1, "still fresh: the cached value is served"
    clock.advance(30.0)
    assert cache.get("a") == 100
    assert cache.get("a") == 100
    assert backend.fetches == ["a", "a"]


def test_ttl_counts_from_when_the_fetch_completed(backend, clock, make_cache):
    cache = make_cache(ttl_seconds=10.0)
    release = backend.hold("a")
    reader = cache.start_get("a")
    backend.started("a").wait(within="waiting for the fetch to start")
    clock.advance(5.0)  # a slow fetch: it completes at 1005.0
    release.set()
    assert reader.result(within="get") == 1
    clock.advance(9.5)  # 1014.5: 9.5 s after the value was cached
    assert cache.get("a") == 1
    assert backend.fetches == ["a"], (
        "the TTL counts from when the value entered the cache, not from when the fetch began"
    )
    clock.advance(0.5)  # 1015.0
    assert cache.get("a") == 1
    assert backend.fetches == ["a", "a"]


def test_hits_do_not_extend_the_ttl(backend, clock, make_cache):
    cache = make_cache(ttl_seconds=10.0)
    assert cache.get("a") == 1
    for _ in range(3):
        clock.advance(3.0)
        assert cache.get("a") == 1  # 1003, 1006, 1009: hits
    assert backend.fetches == ["a"]
    clock.advance(1.0)  # 1010: 10 s after the fetch, whatever the hits
    assert cache.get("a") == 1
    assert backend.fetches == ["a", "a"], "reading an entry must not make it live longer"


def test_set_restarts_the_ttl(backend, clock, make_cache):
    cache = make_cache(ttl_seconds=10.0)
    assert cache.get("a") == 1  # cached at 1000
    clock.advance(8.0)
    cache.set("a", 7)  # cached at 1008
    clock.advance(9.0)  # 1017
    assert cache.get("a") == 7
    assert backend.fetches == ["a"]
    clock.advance(1.0)  # 1018
    assert cache.get("a") == 7  # refetched: the backend holds 7 now
    assert backend.fetches == ["a", "a"]


def test_refetch_restarts_the_ttl(backend, clock, loop, make_cache):
    cache = make_cache(ttl_seconds=10.0)
    assert cache.get("a") == 1
    clock.advance(12.0)  # 1012: expired
    assert cache.get("a") == 1  # refetched, cached at 1012
    clock.advance(9.0)  # 1021
    assert cache.get("a") == 1
    loop.settle()
    assert backend.fetches == ["a", "a"]
    clock.advance(1.0)  # 1022
    assert cache.get("a") == 1
    assert backend.fetches == ["a", "a", "a"]
