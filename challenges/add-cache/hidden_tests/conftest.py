"""Fixtures for the graded suite; the fakes and helpers they use are in cache_support.py.

The candidate's code is imported as ``app.cache`` from ``/submission``, which is on sys.path.
"""

from collections.abc import Callable
from typing import Any

import pytest

from cache_support import FakeBackend, FakeClock

MakeCache = Callable[..., Any]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend({"a": 1, "b": 2, "c": 3, "d": 4})


@pytest.fixture
def make_cache(backend: FakeBackend, clock: FakeClock) -> MakeCache:
    """``make_cache(ttl_seconds=10.0, max_entries=None, backend=<fixture>)`` on the fake clock.

    Call it inside the test's coroutine. The import is here rather than at module level so a
    submission that fails to import fails every test with its own error.
    """

    def make(*, ttl_seconds: float = 10.0, max_entries: int | None = None,
             backend: FakeBackend = backend) -> Any:
        from app.cache import ReadThroughCache

        return ReadThroughCache(backend, ttl_seconds=ttl_seconds, clock=clock,
                                max_entries=max_entries)

    return make
