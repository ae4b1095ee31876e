"""A world: one test's event loop, fake clock and fake backends, with the candidate's caches
on them, alive across the steps of that test (scenarios.py serves the steps).

The hidden tests interleave their actions with the cache's tasks precisely: a fetch held in
flight, a ``set`` that overtakes it, so many loop turns to settle. In process, one scenario
coroutine did that, and between two of its statements no other task ran. Here each statement
of a test is a step of its own, so the loop must not run between steps either: the world's
thread runs one coroutine, the scenario, which blocks (synchronously, in ``queue.get``)
until the next step arrives. The loop is frozen while it waits: tasks that became ready
meanwhile run at the scenario's next ``await``, exactly as they did in process.

What goes back is plain data: outcomes (``{"value": ...}``, ``{"raised": {...}}``,
``{"cancelled": true}``, ``{"blocked": true}``, ``{"hung": true}``) and what the fakes
recorded. No expected value lives here: the tests hold them, and the bounds too (they pass
``within_seconds`` and ``hang_seconds`` with every awaited step).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import queue
import threading
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from fakes import Boom, FakeBackend, FakeClock

__all__ = ["World", "plain"]

# How long a step waits for the world's thread to answer. Every awaited step is bounded
# inside the loop (by the test's own bounds), so only synchronous code of the candidate's
# that never returns keeps it from answering.
ANSWER_SECONDS = 6.0
IDLE_SECONDS = 30.0  # a world whose test went away (it failed, or timed out) ends by itself
_SCALARS = (type(None), bool, int, float, str)

T = TypeVar("T")
Outcome = dict[str, Any]
_Request = tuple[Callable[["World"], Any], "queue.Queue[tuple[bool, Any]]"]  # a job, its answer


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON data; anything else (a tuple, an object of the candidate's, a
    float that JSON cannot hold) becomes ``{"not_plain": <its type's name>}``, which equals
    nothing a test expects."""
    kind = type(value)
    if kind in _SCALARS and not (kind is float and not math.isfinite(value)):
        return value
    if depth < 8 and kind is list:
        return [plain(item, depth + 1) for item in value]
    if depth < 8 and kind is dict and all(type(key) is str for key in value):
        return {key: plain(item, depth + 1) for key, item in value.items()}
    return {"not_plain": _safe(lambda: kind.__qualname__, "?")}


def _safe(read: Callable[[], str], default: str) -> str:
    try:
        text = read()
        return text if type(text) is str else default
    except Exception:  # noqa: BLE001 - describing a hostile object must not fail
        return default


class World:
    """One test's loop, clock, backends and caches; every step runs through ``do``."""

    def __init__(self, clock_start: float) -> None:
        self.clock = FakeClock(clock_start)
        self.injected: dict[int, Boom] = {}
        self._handles: dict[int, tuple[str, Any]] = {}
        self._ids = itertools.count(1)
        self._inbox: queue.Queue[_Request | None] = queue.Queue()
        self._thread = threading.Thread(target=asyncio.run, args=(self._scenario(),),
                                        name="add-cache world", daemon=True)
        self._thread.start()

    # --- the steps' side (any thread) --------------------------------------------------

    def do(self, job: Callable[[World], T | Coroutine[Any, Any, T]]) -> T:
        """Run ``job(world)`` in the scenario (awaited if it returns a coroutine); its result.

        Raises:
            TimeoutError: the loop did not answer within ANSWER_SECONDS.
            Exception: ``job`` itself failed (a grader error, not the candidate's).
        """
        answer: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
        self._inbox.put((job, answer))
        try:
            ok, result = answer.get(timeout=ANSWER_SECONDS)
        except queue.Empty:
            raise TimeoutError(f"the event loop did not answer within {ANSWER_SECONDS:g}s: "
                               "something keeps it busy (synchronous code that never returns?)"
                               ) from None
        if not ok:
            raise result
        return result

    def close(self) -> None:
        self._inbox.put(None)

    # --- the world's thread ------------------------------------------------------------

    async def _scenario(self) -> None:
        while True:
            try:
                # Blocking on purpose: the loop stands still until the test's next step.
                item = self._inbox.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                return
            if item is None:
                return  # asyncio.run then cancels whatever is still pending
            job, answer = item
            try:
                result = job(self)
                if asyncio.iscoroutine(result):
                    result = await result
            except BaseException as e:  # noqa: BLE001 - handed to the step that asked
                answer.put((False, e))
            else:
                answer.put((True, result))

    # Handles: what the tests hold are numbers; the objects stay here.

    def keep(self, kind: str, thing: Any) -> int:
        for number, (known_kind, known) in self._handles.items():
            if known_kind == kind and known is thing:
                return number
        number = next(self._ids)
        self._handles[number] = (kind, thing)
        return number

    def find(self, kind: str, number: int) -> Any:
        found_kind, thing = self._handles[number]
        if found_kind != kind:
            raise KeyError(f"handle {number} is a {found_kind}, not a {kind}")
        return thing

    def backend(self, number: int) -> FakeBackend:
        return self.find("backend", number)

    # Outcomes of the candidate's code.

    def call(self, make: Callable[[], Any]) -> Outcome:
        """Call ``make()`` (synchronous code of the candidate's) and say how it ended."""
        try:
            return {"value": make()}
        except BaseException as e:  # noqa: BLE001 - the candidate's failure is an observation
            return {"raised": self.describe(e)}

    async def outcome(self, make: Callable[[], Awaitable[Any]], *, within_seconds: float | None,
                      hang_seconds: float) -> Outcome:
        """Await ``make()`` and say how it ended.

        With ``within_seconds``, as the in-process suite's ``within`` did:
        ``asyncio.wait_for`` (a task of its own, cancelled on timeout), ``blocked`` past the
        bound. Otherwise awaited right here, in the scenario's task, as a plain ``await`` in
        the scenario was, and ``hung`` past ``hang_seconds``.
        """
        bound = None
        try:
            if within_seconds is not None:
                value = await asyncio.wait_for(make(), within_seconds)
            else:
                async with asyncio.timeout(hang_seconds) as bound:
                    value = await make()
        except TimeoutError as e:
            if within_seconds is not None:
                return {"blocked": True}
            if bound is not None and bound.expired():
                return {"hung": True}
            return {"raised": self.describe(e)}
        except asyncio.CancelledError:
            return {"cancelled": True}
        except BaseException as e:  # noqa: BLE001 - the candidate's failure is an observation
            return {"raised": self.describe(e)}
        return {"value": plain(value)}

    def result_of(self, task: asyncio.Task[Any]) -> Outcome:
        """How a finished task ended (``gather(..., return_exceptions=True)``, per task)."""
        if task.cancelled():
            return {"cancelled": True}
        error = task.exception()
        if error is not None:
            return {"raised": self.describe(error)}
        return {"value": plain(task.result())}

    def describe(self, error: BaseException) -> dict[str, Any]:
        """An exception as data: its type, the nearest built-in class it derives from,
        whether it is a ``Boom`` and which injected one it is (by identity), its text."""
        kind = type(error)
        builtin = next((c.__name__ for c in kind.__mro__
                        if getattr(c, "__module__", None) == "builtins"), "BaseException")
        return {
            "type": _safe(lambda: kind.__qualname__ if kind.__module__ == "builtins"
                          else f"{kind.__module__}.{kind.__qualname__}", "?"),
            "builtin": builtin,
            "boom": isinstance(error, Boom),
            "injected": next((n for n, known in self.injected.items() if known is error), None),
            "message": _safe(lambda: str(error), "<unprintable>")[:2000],
            "traceback": _safe(lambda: "".join(traceback.format_exception(error, limit=8)),
                               "")[-4000:],
        }
