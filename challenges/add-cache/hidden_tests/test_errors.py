"""Errors: a failed fetch or store propagates to its callers and is never cached."""

import pytest

from cache_support import Boom


def test_fetch_error_propagates_unchanged(backend, make_cache):
    cache = make_cache()
    error = Boom("backend down")
    backend.fail_next_fetch("a", error)
    with pytest.raises(Boom) as caught:
        cache.get("a")
    assert caught.value is error, "the backend's exception itself, not a wrapper"


def test_errors_are_not_cached(backend, loop, make_cache):
    cache = make_cache()
    backend.fail_next_fetch("a", Boom("backend down"))
    with pytest.raises(Boom):
        cache.get("a")
    loop.settle()
    assert cache.get("a", within="get after a failed fetch") == 1, (
        "the next get after a failure must fetch again"
    )
    assert cache.get("a") == 1
    assert backend.fetches == ["a", "a"]


def test_every_concurrent_waiter_gets_the_error(backend, loop, make_cache):
    cache = make_cache()
    release = backend.hold("a")
    backend.fail_next_fetch("a", Boom("backend down"))
    readers = [cache.start_get("a") for _ in range(3)]
    loop.settle()
    assert backend.fetches == ["a"]
    release.set()
    outcomes = loop.gather(*readers, return_exceptions=True, within="the waiting gets")
    assert all(isinstance(outcome, Boom) for outcome in outcomes), outcomes
    assert backend.fetches == ["a"]
    assert cache.get("a", within="get after a failed fetch") == 1
    assert backend.fetches == ["a", "a"]


def test_expired_value_is_not_served_when_the_refetch_fails(backend, clock, make_cache):
    cache = make_cache(ttl_seconds=10.0)
    assert cache.get("a") == 1
    clock.advance(10.0)
    backend.fail_next_fetch("a", Boom("backend down"))
    with pytest.raises(Boom):
        cache.get("a")
    assert cache.get("a", within="get after a failed fetch") == 1
    assert backend.fetches == ["a", "a", "a"]


def test_failed_store_propagates_and_drops_the_entry(backend, make_cache):
    cache = make_cache()
    assert cache.get("a") == 1
    error = Boom("write rejected")
    backend.fail_next_store("a", error)
    with pytest.raises(Boom) as caught:
        cache.set("a", 10)
    assert caught.value is error
    assert backend.fetches == ["a"]
    assert cache.get("a") == 1, "the backend still holds the old value"
    assert backend.fetches == ["a", "a"], "after a failed write the key must be refetched"
    assert cache.get("a") == 1
    assert backend.fetches == ["a", "a"]
