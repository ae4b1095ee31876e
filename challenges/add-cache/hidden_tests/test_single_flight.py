"""Single flight: concurrent misses for one key share one backend fetch."""

import pytest

from cache_support import Cancelled


def test_concurrent_misses_share_one_fetch(backend, loop, make_cache):
    cache = make_cache()
    release = backend.hold("a")
    readers = [cache.start_get("a") for _ in range(5)]
    loop.settle()
    assert backend.fetches == ["a"], "five concurrent misses must cause exactly one fetch"
    release.set()
    assert loop.gather(*readers, within="the waiting gets") == [1] * 5
    assert cache.get("a") == 1
    assert backend.fetches == ["a"]


def test_late_caller_joins_the_fetch_in_flight(backend, loop, make_cache):
    cache = make_cache()
    release = backend.hold("a")
    first = cache.start_get("a")
    backend.started("a").wait(within="waiting for the fetch to start")
    loop.settle()
    backend.data["a"] = 100  # a second fetch would see this
    later = [cache.start_get("a") for _ in range(3)]
    loop.settle()
    assert backend.fetches == ["a"]
    release.set()
    results = loop.gather(first, *later, within="the waiting gets")
    assert results == [1, 1, 1, 1], "every waiter gets the result of the shared fetch"
    assert backend.fetches == ["a"]


def test_concurrent_misses_for_different_keys_fetch_each_key_once(backend, loop, make_cache):
    cache = make_cache()
    releases = [backend.hold(key) for key in "abc"]
    readers = [cache.start_get(key) for key in "abcabcabc"]
    loop.settle()
    assert sorted(backend.fetches) == ["a", "b", "c"]
    for release in releases:
        release.set()
    assert loop.gather(*readers, within="the waiting gets") == [1, 2, 3] * 3
    assert sorted(backend.fetches) == ["a", "b", "c"]


def test_expired_entry_is_refetched_once(backend, clock, loop, make_cache):
    cache = make_cache(ttl_seconds=10.0)
    assert cache.get("a") == 1
    clock.advance(15.0)
    backend.data["a"] = 100
    release = backend.hold("a")
    readers = [cache.start_get("a") for _ in range(4)]
    loop.settle()
    assert backend.fetches == ["a", "a"]
    release.set()
    assert loop.gather(*readers, within="the waiting gets") == [100] * 4
    assert backend.fetches == ["a", "a"]


def test_cancelling_one_caller_does_not_cancel_the_shared_fetch(backend, loop, make_cache):
    cache = make_cache()
    release = backend.hold("a")
    first = cache.start_get("a")  # the caller that started the fetch
    backend.started("a").wait(within="waiting for the fetch to start")
    others = [cache.start_get("a") for _ in range(2)]
    loop.settle()
    first.cancel()
    loop.settle()
    release.set()
    assert loop.gather(*others, within="the other waiting gets") == [1, 1]
    with pytest.raises(Cancelled):
        first.result()
    assert cache.get("a") == 1
    assert backend.fetches == ["a"], "the fetch completed once and its value was cached"
