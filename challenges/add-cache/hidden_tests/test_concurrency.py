"""Concurrency: unrelated keys are not serialized, and writes win over fetches they overtake."""


def test_unrelated_keys_fetch_concurrently(backend, loop, make_cache):
    cache = make_cache()
    # The fetch of "a" only completes once a fetch of "b" has started.
    backend.hold("a", backend.started("b"))
    reader_a = cache.start_get("a")
    backend.started("a").wait(within="waiting for the fetch of 'a' to start")
    reader_b = cache.start_get("b")
    results = loop.gather(
        reader_a, reader_b,
        within="fetching 'b' while a fetch of 'a' is in flight (one lock for all keys?)",
    )
    assert results == [1, 2]
    assert backend.fetches == ["a", "b"]


def test_hits_are_served_while_another_key_is_fetched(backend, make_cache):
    cache = make_cache()
    assert cache.get("b") == 2
    release = backend.hold("a")
    reader_a = cache.start_get("a")
    backend.started("a").wait(within="waiting for the fetch of 'a' to start")
    assert cache.get("b", within="a hit on 'b' while 'a' is being fetched") == 2
    cache.set("c", 30, within="a write to 'c' while 'a' is being fetched")
    assert cache.get("c", within="a hit on 'c' while 'a' is being fetched") == 30
    release.set()
    assert reader_a.result(within="get") == 1
    assert backend.fetches == ["b", "a"]


def test_write_during_a_fetch_is_not_overwritten_by_the_fetched_value(backend, loop, make_cache):
    cache = make_cache()
    release = backend.hold("a")
    reader = cache.start_get("a")  # fetches "a" = 1, held in flight
    backend.started("a").wait(within="waiting for the fetch to start")
    cache.set("a", 10, within="set while a fetch of the same key is in flight")
    release.set()  # the fetch now returns the value it read before the write: 1
    reader.result(within="the get that was in flight")
    loop.settle()
    assert cache.get("a") == 10, "the stale fetched value overwrote the newer write"
    assert backend.fetches == ["a"], "the written value is cached: no fetch needed"


def test_get_after_a_write_does_not_wait_for_the_older_fetch(backend, loop, make_cache):
    cache = make_cache()
    release = backend.hold("a")
    reader = cache.start_get("a")
    backend.started("a").wait(within="waiting for the fetch to start")
    cache.set("a", 10, within="set while a fetch of the same key is in flight")
    assert cache.get("a", within="get after the write") == 10
    release.set()
    reader.result(within="the get that was in flight")
    loop.settle()
    assert cache.get("a") == 10
    assert backend.fetches == ["a"]


def test_fetch_in_flight_during_invalidate_is_not_cached(backend, loop, make_cache):
    cache = make_cache()
    release = backend.hold("a")
    reader = cache.start_get("a")  # reads 1, held in flight
    backend.started("a").wait(within="waiting for the fetch to start")
    backend.data["a"] = 100  # changed behind the cache's back...
    cache.invalidate("a", within="invalidate while a fetch is in flight")  # ...and said so
    release.set()
    reader.result(within="the get that was in flight")
    loop.settle()
    assert cache.get("a", within="get after the invalidation") == 100, (
        "a value fetched before the invalidation must not be cached"
    )
    assert backend.fetches == ["a", "a"]


def test_get_after_invalidate_does_not_join_the_older_fetch(backend, loop, make_cache):
    cache = make_cache()
    release = backend.hold("a")
    first = cache.start_get("a")  # reads 1, held in flight
    backend.started("a").wait(within="waiting for the fetch to start")
    backend.data["a"] = 100
    cache.invalidate("a", within="invalidate while a fetch is in flight")
    second = cache.start_get("a")
    loop.settle()
    assert backend.fetches == ["a", "a"], (
        "a get that starts after invalidate must start a new fetch, not join the older one"
    )
    release.set()
    assert second.result(within="the get after the invalidation") == 100
    first.result(within="the get that was in flight")
    assert cache.get("a") == 100
    assert backend.fetches == ["a", "a"]


def test_older_fetch_completing_does_not_detach_the_newer_one(backend, loop, make_cache):
    cache = make_cache()
    release_first = backend.hold("a")
    first = cache.start_get("a")
    backend.started("a").wait(within="waiting for the fetch to start")
    backend.data["a"] = 100
    cache.invalidate("a", within="invalidate while a fetch is in flight")
    release_second = backend.hold("a")  # fetches of "a" from now on wait for this one
    second = cache.start_get("a")
    loop.settle()
    assert backend.fetches == ["a", "a"]
    release_first.set()  # the older fetch completes; the newer one is still in flight
    first.result(within="the get that was in flight")
    loop.settle()
    third = cache.start_get("a")
    loop.settle()
    assert backend.fetches == ["a", "a"], (
        "a get while the newer fetch is in flight must join it, even after the older one ended"
    )
    release_second.set()
    assert loop.gather(second, third, within="the waiting gets") == [100, 100]
    assert cache.get("a") == 100
    assert backend.fetches == ["a", "a"]
