"""Fixtures for the graded suite. The candidate's code never runs in this process.

Each test gets a *world* in the candidate's container (service/worlds.py): an event loop, a
fake clock and fake backends, on which the candidate's ``app.cache.ReadThroughCache`` is
built and driven one step at a time through the grader's driver; the loop stands still
between steps, so every interleaving is the one the test spells out. What comes back is
plain data (values, exceptions described, the backend's records); every assertion and every
expected value is here, in the tests. cache_support.py holds the handles the fixtures hand
out, and says how a test reads.

Graded runs set ``ASSESS_SERVICE_URL`` and the steps go over HTTP to the candidate's
container. Without it (an author's run next to a solution:
``PYTHONPATH=reference pytest hidden_tests`` in the challenge folder) the driver loads
service/scenarios.py in this process and makes the same JSON round trip.
"""

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cache_support import Backend, Cache, Clock, Loop, World

try:
    import assess_driver  # in the sandbox: the grader's copy
except ImportError:  # a local run beside a solution, with assess installed
    from runner import driver as assess_driver

SCENARIOS = Path(__file__).resolve().parent.parent / "service" / "scenarios.py"
CLOCK_START = 1000.0
DATA = {"a": 1, "b": 2, "c": 3, "d": 4}
# Longer than any bound a step is given (cache_support.HANG_TIMEOUT) and than the service's
# wait for its loop to answer, shorter than the per-test timeout of challenge.toml.
STEP_SECONDS = 8.0

MakeCache = Callable[..., Cache]


@pytest.fixture(scope="session")
def call() -> Any:
    return assess_driver.Driver.for_tests(SCENARIOS, step_timeout=STEP_SECONDS)


@pytest.fixture
def world(call: Any) -> Iterator[World]:
    opened = World(call, clock_start=CLOCK_START)
    yield opened
    # Best effort: a world that cannot be told (its container stopped answering) ends by
    # itself, and the test has already failed for that reason.
    with contextlib.suppress(assess_driver.StepFailed):
        opened.close()


@pytest.fixture
def clock(world: World) -> Clock:
    return world.clock


@pytest.fixture
def loop(world: World) -> Loop:
    return world.loop


@pytest.fixture
def make_backend(world: World) -> Callable[[Mapping[str, Any]], Backend]:
    """``make_backend(data)``: another fake backend, holding ``data``."""
    return world.backend


@pytest.fixture
def backend(make_backend: Callable[[Mapping[str, Any]], Backend]) -> Backend:
    return make_backend(DATA)


@pytest.fixture
def new_cache(world: World) -> Callable[..., Cache]:
    """``new_cache(backend, ttl_seconds=..., clock=clock, ...)``: the candidate's
    ``ReadThroughCache`` with exactly these arguments (raises what its constructor raised)."""
    return world.new_cache


@pytest.fixture
def make_cache(world: World, backend: Backend, clock: Clock) -> MakeCache:
    """``make_cache(ttl_seconds=10.0, max_entries=None, backend=<fixture>)`` on the fake clock.

    The candidate's module is imported when the first cache is built, so a submission that
    fails to import fails every test with its own error.
    """

    def make(*, ttl_seconds: float = 10.0, max_entries: int | None = None,
             backend: Backend = backend) -> Cache:
        __tracebackhide__ = True
        return world.new_cache(backend, ttl_seconds=ttl_seconds, clock=clock,
                               max_entries=max_entries)

    return make
