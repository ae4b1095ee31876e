"""The steps of add-cache's hidden tests, run beside the candidate's cache (the grader's
driver serves each public function here as a step; see runner/driver.py).

A test opens a world (worlds.py: an event loop, a fake clock, fake backends), then acts on it
one step at a time, as its in-process version did one statement at a time: build caches,
``get``/``set``/``invalidate``, start gets as tasks, hold and release fetches, move the
clock, let the loop settle. Handles (numbers) stand for the objects, which stay here.

Every step answers with observations only: an outcome of the candidate's code
(``{"value": ...}``, ``{"raised": {...}}``, ``{"cancelled": true}``, ``{"blocked": true}``,
``{"hung": true}``) or what the fakes recorded. The expected values, and the bounds an
awaited step must meet (``hang_seconds``, ``within_seconds``), come from the tests.
"""

from __future__ import annotations

import asyncio as _asyncio
import itertools as _itertools
import threading as _threading
from typing import TYPE_CHECKING

import fakes as _fakes
import worlds as _worlds

if TYPE_CHECKING:  # names for annotations only: nothing here may be served as a step
    from collections.abc import Awaitable, Callable
    from typing import Any

    Outcome = dict[str, Any]

_open: dict[int, _worlds.World] = {}
_numbers = _itertools.count(1)
_lock = _threading.Lock()


def _world(world: int) -> _worlds.World:
    with _lock:
        return _open[world]


def _awaited(world: int, make: Callable[[_worlds.World], Awaitable[Any]], hang_seconds: float,
             within_seconds: float | None) -> Outcome:
    """Await ``make(world)`` in the world's scenario; how it ended (``World.outcome``)."""
    return _world(world).do(lambda w: w.outcome(lambda: make(w), within_seconds=within_seconds,
                                                hang_seconds=hang_seconds))


# --- worlds and backends ---------------------------------------------------------------


def open_world(clock_start: float) -> int:
    """A new world whose fake clock reads ``clock_start``; its handle."""
    with _lock:
        number = next(_numbers)
        _open[number] = _worlds.World(clock_start)
    return number


def close_world(world: int) -> None:
    """End the world: its loop stops, and what is still pending there is cancelled."""
    with _lock:
        found = _open.pop(world, None)
    if found is not None:
        found.close()


def new_backend(world: int, data: dict[str, Any]) -> int:
    """A fake backend holding ``data``; its handle."""
    return _world(world).do(lambda w: w.keep("backend", _fakes.FakeBackend(data)))


def new_cache(world: int, backend: int, settings: dict[str, Any], with_clock: bool) -> Outcome:
    """``ReadThroughCache(backend, **settings)``, plus ``clock=`` the fake clock when
    ``with_clock``, built in the loop as the in-process suite built it; value: its handle."""

    def build(w: _worlds.World) -> int:
        from app.cache import ReadThroughCache  # here: an import error is the test's failure

        extra = {"clock": w.clock} if with_clock else {}
        return w.keep("cache", ReadThroughCache(w.backend(backend), **settings, **extra))

    return _world(world).do(lambda w: w.call(lambda: build(w)))


# --- the cache ---------------------------------------------------------------------------


def cache_get(world: int, cache: int, key: str, hang_seconds: float,
              within_seconds: float | None = None) -> Outcome:
    """``await cache.get(key)``."""
    return _awaited(world, lambda w: w.find("cache", cache).get(key), hang_seconds, within_seconds)


def cache_set(world: int, cache: int, key: str, value: Any, hang_seconds: float,
              within_seconds: float | None = None) -> Outcome:
    """``await cache.set(key, value)``."""
    return _awaited(world, lambda w: w.find("cache", cache).set(key, value), hang_seconds,
                    within_seconds)


def cache_invalidate(world: int, cache: int, key: str, hang_seconds: float,
                     within_seconds: float | None = None) -> Outcome:
    """``await cache.invalidate(key)``."""
    return _awaited(world, lambda w: w.find("cache", cache).invalidate(key), hang_seconds,
                    within_seconds)


def cache_get_each(world: int, cache: int, keys: list[str], hang_seconds: float) -> list[Outcome]:
    """``await cache.get(key)`` for each key in turn, in one step; the outcomes, up to and
    including the first that is not a value."""

    async def each(w: _worlds.World) -> list[Outcome]:
        found = w.find("cache", cache)
        outcomes: list[Outcome] = []
        for key in keys:  # (each lambda is called at once, within its own turn of the loop)
            outcomes.append(await w.outcome(lambda: found.get(key), within_seconds=None,
                                            hang_seconds=hang_seconds))
            if "value" not in outcomes[-1]:
                break
        return outcomes

    return _world(world).do(each)


def start_get(world: int, cache: int, key: str) -> Outcome:
    """``asyncio.create_task(cache.get(key))``; value: the task's handle."""

    def start(w: _worlds.World) -> int:
        return w.keep("task", _asyncio.create_task(w.find("cache", cache).get(key)))

    return _world(world).do(lambda w: w.call(lambda: start(w)))


# --- tasks and the loop ------------------------------------------------------------------


def task_result(world: int, task: int, hang_seconds: float,
                within_seconds: float | None = None) -> Outcome:
    """``await task``."""
    return _awaited(world, lambda w: w.find("task", task), hang_seconds, within_seconds)


def task_cancel(world: int, task: int) -> bool:
    """``task.cancel()``."""
    return _world(world).do(lambda w: w.find("task", task).cancel())


def gather(world: int, tasks: list[int], return_exceptions: bool, hang_seconds: float,
           within_seconds: float | None = None) -> Outcome:
    """``await asyncio.gather(*tasks, return_exceptions=...)``. With ``return_exceptions``
    the value is each task's own outcome, in order."""

    async def run(w: _worlds.World) -> Outcome:
        awaited = [w.find("task", number) for number in tasks]
        found = await w.outcome(
            lambda: _asyncio.gather(*awaited, return_exceptions=return_exceptions),
            within_seconds=within_seconds, hang_seconds=hang_seconds)
        if return_exceptions and "value" in found:
            return {"value": [w.result_of(task) for task in awaited]}
        return found

    return _world(world).do(run)


def settle(world: int, yields: int) -> None:
    """``await asyncio.sleep(0)``, ``yields`` times: every task that can make progress does."""

    async def run(w: _worlds.World) -> None:
        for _ in range(yields):
            await _asyncio.sleep(0)

    _world(world).do(run)


def advance(world: int, seconds: float) -> None:
    """Move the fake clock."""
    _world(world).do(lambda w: w.clock.advance(seconds))


# --- the backend's controls and records --------------------------------------------------


def hold(world: int, backend: int, key: str, event: int | None = None) -> int:
    """``backend.hold(key, event)``: later fetches of ``key`` wait for the event; its handle."""

    def run(w: _worlds.World) -> int:
        given = None if event is None else w.find("event", event)
        return w.keep("event", w.backend(backend).hold(key, given))

    return _world(world).do(run)


def started(world: int, backend: int, key: str) -> int:
    """``backend.started(key)``: the event set once a fetch of ``key`` was called; its handle."""
    return _world(world).do(lambda w: w.keep("event", w.backend(backend).started(key)))


def set_event(world: int, event: int) -> None:
    """``event.set()``: release what waits for it."""
    _world(world).do(lambda w: w.find("event", event).set())


def wait_event(world: int, event: int, hang_seconds: float,
               within_seconds: float | None = None) -> Outcome:
    """``await event.wait()``."""
    return _awaited(world, lambda w: w.find("event", event).wait(), hang_seconds, within_seconds)


def fail_next_fetch(world: int, backend: int, key: str, message: str) -> int:
    """The next fetch of ``key`` raises a new ``Boom(message)``; its number, by which an
    outcome says that this very exception was raised."""
    return _world(world).do(lambda w: _inject(w, message, w.backend(backend).fail_next_fetch, key))


def fail_next_store(world: int, backend: int, key: str, message: str) -> int:
    """The next store of ``key`` raises a new ``Boom(message)``; its number."""
    return _world(world).do(lambda w: _inject(w, message, w.backend(backend).fail_next_store, key))


def _inject(w: _worlds.World, message: str, fail: Callable[[str, BaseException], None],
            key: str) -> int:
    error = _fakes.Boom(message)
    number = w.keep("error", error)
    w.injected[number] = error
    fail(key, error)
    return number


def fetches(world: int, backend: int) -> list[Any]:
    """The keys fetched so far, in call order."""
    return _world(world).do(lambda w: _worlds.plain(list(w.backend(backend).fetches)))


def stores(world: int, backend: int) -> list[list[Any]]:
    """The ``[key, value]`` pairs stored so far, in call order."""
    return _world(world).do(lambda w: [[_worlds.plain(key), _worlds.plain(value)]
                                       for key, value in w.backend(backend).stores])


def data_get(world: int, backend: int, key: str) -> dict[str, Any]:
    """``backend.data[key]``: ``{"value": ...}``, or ``{"missing": true}``."""

    def run(w: _worlds.World) -> dict[str, Any]:
        data = w.backend(backend).data
        return {"value": _worlds.plain(data[key])} if key in data else {"missing": True}

    return _world(world).do(run)


def data_update(world: int, backend: int, values: dict[str, Any]) -> None:
    """``backend.data.update(values)``: change the backend behind the cache's back."""
    _world(world).do(lambda w: w.backend(backend).data.update(values))
