"""Eviction: with ``max_entries``, the least recently used entry goes first."""

from cache_support import run


async def fetched(backend, cache, *keys):
    """Get each key in turn; return the keys that caused a fetch."""
    before = len(backend.fetches)
    for key in keys:
        await cache.get(key)
    return backend.fetches[before:]


def test_unbounded_by_default(backend, make_cache):
    backend.data.update({f"k{i}": i for i in range(300)})
    keys = [f"k{i}" for i in range(300)]

    async def scenario():
        cache = make_cache()
        assert await fetched(backend, cache, *keys) == keys
        assert await fetched(backend, cache, *keys) == [], "without max_entries nothing is evicted"

    run(scenario())


def test_keeps_max_entries_and_evicts_the_oldest(backend, make_cache):
    async def scenario():
        cache = make_cache(max_entries=3)
        assert await fetched(backend, cache, "a", "b", "c") == ["a", "b", "c"]
        assert await fetched(backend, cache, "a", "b", "c") == [], "3 entries fit in max_entries=3"
        assert await fetched(backend, cache, "d") == ["d"]  # evicts "a"
        assert await fetched(backend, cache, "b", "c", "d") == []
        assert await fetched(backend, cache, "a") == ["a"]  # evicts "b"
        assert await fetched(backend, cache, "c", "d", "a") == []

    run(scenario())


def test_a_hit_makes_an_entry_recently_used(backend, make_cache):
    async def scenario():
        cache = make_cache(max_entries=2)
        assert await fetched(backend, cache, "a", "b") == ["a", "b"]
        assert await fetched(backend, cache, "a") == []  # "a" is now more recent than "b"
        assert await fetched(backend, cache, "c") == ["c"]  # evicts "b"
        assert await fetched(backend, cache, "a") == [], "the entry just read must not be evicted"
        assert await fetched(backend, cache, "b") == ["b"]  # evicts "c"
        assert await fetched(backend, cache, "a", "b") == []

    run(scenario())


def test_a_write_makes_an_entry_recently_used(backend, make_cache):
    async def scenario():
        cache = make_cache(max_entries=2)
        assert await fetched(backend, cache, "a", "b") == ["a", "b"]
        await cache.set("a", 10)  # "a" is now more recent than "b"
        assert await fetched(backend, cache, "c") == ["c"]  # evicts "b"
        assert await cache.get("a") == 10
        assert await fetched(backend, cache, "a") == []
        assert await fetched(backend, cache, "b") == ["b"]

    run(scenario())


def test_writes_of_new_keys_count_toward_the_bound(backend, make_cache):
    async def scenario():
        cache = make_cache(max_entries=2)
        await cache.set("x", 24)
        await cache.set("y", 25)
        await cache.set("z", 26)  # evicts "x"
        assert await cache.get("y") == 25
        assert await cache.get("z") == 26
        assert backend.fetches == []
        assert await cache.get("x") == 24  # refetched from the backend
        assert backend.fetches == ["x"]

    run(scenario())


def test_max_entries_one(backend, make_cache):
    async def scenario():
        cache = make_cache(max_entries=1)
        assert await fetched(backend, cache, "a", "a") == ["a"]
        assert await fetched(backend, cache, "b", "b") == ["b"]
        assert await fetched(backend, cache, "a", "b") == ["a", "b"]

    run(scenario())


def test_invalidate_frees_a_slot(backend, make_cache):
    async def scenario():
        cache = make_cache(max_entries=2)
        assert await fetched(backend, cache, "a", "b") == ["a", "b"]
        await cache.invalidate("a")
        assert await fetched(backend, cache, "c") == ["c"]  # room for it: nothing evicted
        assert await fetched(backend, cache, "b", "c") == []
        assert await fetched(backend, cache, "a") == ["a"]  # evicts "b"
        assert await fetched(backend, cache, "c", "a") == []

    run(scenario())
