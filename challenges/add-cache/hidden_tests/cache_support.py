"""The tests' side of a world: handles on the fake clock, the fake backends, the candidate's
caches and the tasks running them, all of which live in the candidate's container (the
fixtures are in conftest.py; the other side is service/scenarios.py and service/worlds.py).

Every method is one step there, and the world's event loop stands still between steps, so a
test reads, and interleaves, exactly like the in-process coroutine it replaces::

    release = backend.hold("a")           # was: release = backend.hold("a")
    reader = cache.start_get("a")         # was: reader = asyncio.create_task(cache.get("a"))
    backend.started("a").wait(within="waiting for the fetch to start")
                                          # was: await within(backend.started("a").wait(), ...)
    release.set()
    assert reader.result(within="get") == 1   # was: assert await within(reader, "get") == 1
    loop.settle()                         # was: await settle()

What comes back is parsed JSON, turned into built-in values here; an exception of the
candidate's comes back as a description and is raised here as a test-side exception: the
very ``Boom`` the test injected when the cache passed that one on (so ``caught.value is
error`` still means "the backend's exception itself"), a new ``Boom`` for another instance, the
nearest built-in class for anything else (``ValueError`` for a subclass of it), or
``CandidateError``. Nothing of the candidate's ever runs in this process.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from typing import Any

STEP_TIMEOUT = 1.0  # `within=`: one awaited step that must not block
HANG_TIMEOUT = 3.0  # any other awaited step (in process, this bounded the whole scenario)
SETTLE_YIELDS = 50  # generous: a correct cache needs a handful of loop iterations at most

Call = Callable[..., Any]


class Boom(Exception):
    """The backend failed (a test-only exception type, so it cannot be confused with a bug)."""


class Cancelled(Exception):
    """The awaited call ended with ``asyncio.CancelledError`` in the candidate's container."""


class CandidateError(Exception):
    """The candidate's code raised an exception that is neither a ``Boom`` nor a built-in one."""


class ProtocolError(AssertionError):
    """The candidate's container answered something that is not an outcome."""


class World:
    """One test's world in the candidate's container: its loop, clock and backends."""

    def __init__(self, call: Call, *, clock_start: float) -> None:
        self._call = call
        self.number = call("open_world", clock_start=clock_start)
        self._injected: dict[int, Boom] = {}
        self.clock = Clock(self)
        self.loop = Loop(self)

    def step(self, name: str, /, **args: Any) -> Any:
        __tracebackhide__ = True
        return self._call(name, world=self.number, **args)

    def close(self) -> None:
        self._call("close_world", world=self.number)

    def backend(self, data: Mapping[str, Any]) -> Backend:
        return Backend(self, self.step("new_backend", data=dict(data)))

    def new_cache(self, backend: Backend, *, clock: Clock | None = None, **settings: Any) -> Cache:
        """The candidate's ``ReadThroughCache(backend, **settings)``, plus ``clock=`` the fake
        clock when given (``clock`` is the only setting that is not plain data)."""
        __tracebackhide__ = True
        if clock is not None and clock is not self.clock:
            raise TypeError("clock must be this world's clock")
        number = self.outcome(self.step("new_cache", backend=backend.number, settings=settings,
                                        with_clock=clock is not None))
        return Cache(self, number)

    def awaited(self, name: str, within: str | None, /, **args: Any) -> Any:
        """An awaited step: bounded by STEP_TIMEOUT when ``within`` says what it is (the
        in-process suite's ``within(awaitable, what)``), else by HANG_TIMEOUT."""
        __tracebackhide__ = True
        bound = {} if within is None else {"within_seconds": STEP_TIMEOUT}
        return self.outcome(self.step(name, hang_seconds=HANG_TIMEOUT, **bound, **args), within)

    def inject(self, error: Boom, number: Any) -> None:
        if type(number) is not int:
            raise ProtocolError(f"an injected error's number is {number!r}")
        self._injected[number] = error

    # Outcomes, from untrusted JSON.

    def outcome(self, answer: Any, within: str | None = None) -> Any:
        """The value an outcome carries, or raise what it says happened."""
        __tracebackhide__ = True
        result = self.result(answer, within)
        if isinstance(result, BaseException):
            raise result
        return result

    def result(self, answer: Any, within: str | None = None) -> Any:
        """The value an outcome carries, or the exception it stands for (not raised)."""
        __tracebackhide__ = True
        if not isinstance(answer, dict) or len(answer) != 1:
            raise ProtocolError(f"not an outcome: {answer!r:.300}")
        [(kind, detail)] = answer.items()
        if kind == "value":
            return detail
        if kind == "raised":
            return self._exception(detail)
        if kind == "cancelled":
            return Cancelled("the call ended with asyncio.CancelledError, which the test did not "
                             "ask for (a shared fetch cancelled?)")
        if kind == "blocked":
            return AssertionError(f"{within} blocked: it did not complete within {STEP_TIMEOUT}s")
        if kind == "hung":
            return AssertionError(f"a call to the cache did not return within {HANG_TIMEOUT}s "
                                  "(deadlock, or a waiter that is never woken)")
        raise ProtocolError(f"not an outcome: {answer!r:.300}")

    def _exception(self, detail: Any) -> BaseException:
        if not isinstance(detail, dict):
            return ProtocolError(f"not an exception's description: {detail!r:.300}")
        injected = detail.get("injected")
        if type(injected) is int and injected in self._injected:
            return self._injected[injected]
        message = str(detail.get("message", ""))
        if detail.get("boom") is True:
            return Boom(message)
        text = (f"{detail.get('type')}: {message}\n(raised in the candidate's container)\n"
                f"{detail.get('traceback', '')}").rstrip()
        builtin = getattr(builtins, str(detail.get("builtin")), None)
        if isinstance(builtin, type) and issubclass(builtin, Exception) \
                and builtin is not Exception:
            try:
                return builtin(text)
            except Exception:  # noqa: BLE001, S110 - a class whose constructor wants more
                pass
        return CandidateError(text)


class Clock:
    """The world's fake clock: it only moves when a test advances it."""

    def __init__(self, world: World) -> None:
        self._world = world

    def advance(self, seconds: float) -> None:
        self._world.step("advance", seconds=seconds)


class Loop:
    """The world's event loop."""

    def __init__(self, world: World) -> None:
        self._world = world

    def settle(self) -> None:
        """Let every task that can make progress do so (a fixed number of loop turns)."""
        self._world.step("settle", yields=SETTLE_YIELDS)

    def gather(self, *tasks: Task, within: str | None = None,
               return_exceptions: bool = False) -> list[Any]:
        """``await asyncio.gather(*tasks)``; with ``return_exceptions``, exceptions are
        returned in the list (as test-side exceptions, see the module's docstring)."""
        __tracebackhide__ = True
        world = self._world
        found = world.awaited("gather", within, tasks=[task.number for task in tasks],
                              return_exceptions=return_exceptions)
        if not return_exceptions:
            return found
        if not isinstance(found, list):
            raise ProtocolError(f"gather answered {found!r:.300}")
        return [world.result(outcome) for outcome in found]


class Event:
    """An ``asyncio.Event`` in the world: a hold's release, or a fetch's ``started``."""

    def __init__(self, world: World, number: int) -> None:
        self._world = world
        self.number = number

    def set(self) -> None:
        self._world.step("set_event", event=self.number)

    def wait(self, *, within: str | None = None) -> None:
        __tracebackhide__ = True
        self._world.awaited("wait_event", within, event=self.number)


class Task:
    """A task running ``cache.get(key)`` in the world."""

    def __init__(self, world: World, number: int) -> None:
        self._world = world
        self.number = number

    def result(self, *, within: str | None = None) -> Any:
        """``await task``: its value, or raise what it raised (``Cancelled`` if cancelled)."""
        __tracebackhide__ = True
        return self._world.awaited("task_result", within, task=self.number)

    def cancel(self) -> bool:
        return self._world.step("task_cancel", task=self.number)


class Cache:
    """The candidate's ``ReadThroughCache``, in the world. Each call is awaited there."""

    def __init__(self, world: World, number: int) -> None:
        self._world = world
        self.number = number

    def get(self, key: str, *, within: str | None = None) -> Any:
        __tracebackhide__ = True
        return self._world.awaited("cache_get", within, cache=self.number, key=key)

    def set(self, key: str, value: Any, *, within: str | None = None) -> Any:
        __tracebackhide__ = True
        return self._world.awaited("cache_set", within, cache=self.number, key=key, value=value)

    def invalidate(self, key: str, *, within: str | None = None) -> Any:
        __tracebackhide__ = True
        return self._world.awaited("cache_invalidate", within, cache=self.number, key=key)

    def get_each(self, keys: Iterable[str]) -> list[Any]:
        """``[await cache.get(key) for key in keys]``, in one step."""
        __tracebackhide__ = True
        world = self._world
        found = world.step("cache_get_each", cache=self.number, keys=list(keys),
                           hang_seconds=HANG_TIMEOUT)
        if not isinstance(found, list):
            raise ProtocolError(f"get_each answered {found!r:.300}")
        return [world.outcome(outcome) for outcome in found]

    def start_get(self, key: str) -> Task:
        """``asyncio.create_task(cache.get(key))``."""
        __tracebackhide__ = True
        world = self._world
        return Task(world, world.outcome(world.step("start_get", cache=self.number, key=key)))


class Backend:
    """A fake backend in the world, and what it recorded (read afresh on every access)."""

    def __init__(self, world: World, number: int) -> None:
        self._world = world
        self.number = number
        self.data = Data(self)

    def step(self, name: str, /, **args: Any) -> Any:
        __tracebackhide__ = True
        return self._world.step(name, backend=self.number, **args)

    @property
    def fetches(self) -> list[Any]:
        """The keys fetched, one per call, in call order."""
        return self.step("fetches")

    @property
    def stores(self) -> list[tuple[Any, ...]]:
        """The ``(key, value)`` pairs stored, in call order."""
        return [tuple(pair) if isinstance(pair, list) else pair for pair in self.step("stores")]

    def hold(self, key: str, event: Event | None = None) -> Event:
        """Fetches of ``key`` called from now on wait for the returned event (or the one given)."""
        number = self.step("hold", key=key, event=None if event is None else event.number)
        return Event(self._world, number)

    def started(self, key: str) -> Event:
        """The event set once a fetch of ``key`` has been called."""
        return Event(self._world, self.step("started", key=key))

    def fail_next_fetch(self, key: str, error: Boom) -> None:
        self._world.inject(error, self.step("fail_next_fetch", key=key, message=str(error)))

    def fail_next_store(self, key: str, error: Boom) -> None:
        self._world.inject(error, self.step("fail_next_store", key=key, message=str(error)))


class Data:
    """``backend.data``: read and written in the world, behind the cache's back."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def __getitem__(self, key: str) -> Any:
        found = self._backend.step("data_get", key=key)
        if found == {"missing": True}:
            raise KeyError(key)
        if not isinstance(found, dict) or "value" not in found:
            raise ProtocolError(f"data_get answered {found!r:.300}")
        return found["value"]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def update(self, values: Mapping[str, Any]) -> None:
        self._backend.step("data_update", values=dict(values))
