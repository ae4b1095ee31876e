"""Eviction: with ``max_entries``, the least recently used entry goes first."""


def fetched(backend, cache, *keys):
    """Get each key in turn; return the keys that caused a fetch."""
    before = len(backend.fetches)
    cache.get_each(keys)
    return backend.fetches[before:]


def test_unbounded_by_default(backend, make_cache):
    backend.data.update({f"k{i}": i for i in range(300)})
    keys = [f"k{i}" for i in range(300)]
    cache = make_cache()
    assert fetched(backend, cache, *keys) == keys
    assert fetched(backend, cache, *keys) == [], "without max_entries nothing is evicted"


def test_keeps_max_entries_and_evicts_the_oldest(backend, make_cache):
    cache = make_cache(max_entries=3)
    assert fetched(backend, cache, "a", "b", "c") == ["a", "b", "c"]
    assert fetched(backend, cache, "a", "b", "c") == [], "3 entries fit in max_entries=3"
    assert fetched(backend, cache, "d") == ["d"]  # evicts "a"
    assert fetched(backend, cache, "b", "c", "d") == []
    assert fetched(backend, cache, "a") == ["a"]  # evicts "b"
    assert fetched(backend, cache, "c", "d", "a") == []


def test_a_hit_makes_an_entry_recently_used(backend, make_cache):
    cache = make_cache(max_entries=2)
    assert fetched(backend, cache, "a", "b") == ["a", "b"]
    assert fetched(backend, cache, "a") == []  # "a" is now more recent than "b"
    assert fetched(backend, cache, "c") == ["c"]  # evicts "b"
    assert fetched(backend, cache, "a") == [], "the entry just read must not be evicted"
    assert fetched(backend, cache, "b") == ["b"]  # evicts "c"
    assert fetched(backend, cache, "a", "b") == []


def test_a_write_makes_an_entry_recently_used(backend, make_cache):
    cache = make_cache(max_entries=2)
    assert fetched(backend, cache, "a", "b") == ["a", "b"]
    cache.set("a", 10)  # "a" is now more recent than "b"
    assert fetched(backend, cache, "c") == ["c"]  # evicts "b"
    assert cache.get("a") == 10
    assert fetched(backend, cache, "a") == []
    assert fetched(backend, cache, "b") == ["b"]


def test_writes_of_new_keys_count_toward_the_bound(backend, make_cache):
    cache = make_cache(max_entries=2)
    cache.set("x", 24)
    cache.set("y", 25)
    cache.set("z", 26)  # evicts "x"
    assert cache.get("y") == 25
    assert cache.get("z") == 26
    assert backend.fetches == []
    assert cache.get("x") == 24  # refetched from the backend
    assert backend.fetches == ["x"]


def test_max_entries_one(backend, make_cache):
    cache = make_cache(max_entries=1)
    assert fetched(backend, cache, "a", "a") == ["a"]
    assert fetched(backend, cache, "b", "b") == ["b"]
    assert fetched(backend, cache, "a", "b") == ["a", "b"]


def test_invalidate_frees_a_slot(backend, make_cache):
    cache = make_cache(max_entries=2)
    assert fetched(backend, cache, "a", "b") == ["a", "b"]
    cache.invalidate("a")
    assert fetched(backend, cache, "c") == ["c"]  # room for it: nothing evicted
    assert fetched(backend, cache, "b", "c") == []
    assert fetched(backend, cache, "a") == ["a"]  # evicts "b"
    assert fetched(backend, cache, "c", "a") == []
