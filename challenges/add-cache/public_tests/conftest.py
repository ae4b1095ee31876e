"""Shared fakes for the public tests. Run `pytest` from the repository root.

The tests are plain functions that drive a coroutine with ``asyncio.run`` (no pytest-asyncio
needed). Time is a fake clock the tests move by hand, and the fake backend can hold a fetch
"in flight" until the test releases it, so every interleaving is deterministic.
"""

import asyncio
import sys
from pathlib import Path

import pytest

# Make `app` importable however pytest is started (the repository root holds the app/ package).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class FakeClock:
    """``clock()`` returns ``now``, which only moves when a test calls ``advance``."""

    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class FakeBackend:
    """Values in a dict; records every call. ``hold(key)`` returns an event that fetches of
    ``key`` wait for before returning (the value is read when the fetch is called)."""

    def __init__(self, data=None):
        self.data = dict(data or {})
        self.fetches = []  # keys, in call order
        self.stores = []  # (key, value), in call order
        self.holds = {}
        self.fail_next = {}  # key -> exception the next fetch of key raises

    def hold(self, key):
        self.holds[key] = asyncio.Event()
        return self.holds[key]

    async def fetch(self, key):
        self.fetches.append(key)
        value = self.data.get(key)
        failure = self.fail_next.pop(key, None)
        if key in self.holds:
            await self.holds[key].wait()
        if failure is not None:
            raise failure
        return value

    async def store(self, key, value):
        self.stores.append((key, value))
        await asyncio.sleep(0)
        self.data[key] = value


def run(coro, timeout=2.0):
    """Run a test's coroutine; fail after `timeout` seconds instead of hanging."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def backend():
    return FakeBackend({"LAMP-01": 2599, "DESK-01": 25000, "CHAIR-01": 15900})
