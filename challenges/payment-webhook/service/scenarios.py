"""The steps the hidden tests call, run in the candidate's container beside their app.

A *session* is one test's event loop, running in a thread of its own, with the fakes every
shop of that test shares (shop_fakes.py: the gateway, the clock, the recording sleep). A
*shop* is an app from the candidate's ``create_app`` on those fakes, called in process through
httpx's ASGI transport on the session's loop, as the brief says. The loop keeps running
between steps, so a pay request started by one step can be held in the gateway while later
steps deliver webhooks, and released by another.

Every step answers with observations as plain data: status codes and bodies, the calls the
gateway saw, the delays slept. Nothing here knows what they should be. Inputs (bodies,
headers, the webhook secret, the gateway's script, the timeouts) all come from the tests.
"""

from __future__ import annotations

import asyncio as _asyncio
import base64 as _base64
import itertools as _itertools
import threading as _threading
from collections.abc import Coroutine as _Coroutine
from typing import Any as _Any

import httpx as _httpx

import shop_fakes as _fakes

# How long a step waits, beyond its own timeout, for a loop that never gets to run it (the
# app's code blocks the loop): then it answers rather than hang the test. All of these stay
# below the tests' step timeout (hidden_tests/conftest.py).
_LOOP_GRACE_SECONDS = 2.0
_START_SECONDS = 5.0  # a session's loop thread starting
_CLOSE_SECONDS = 2.0  # and stopping, once what still runs on it is cancelled


class _LoopBlocked(Exception):
    """The session's event loop did not run the step: the app's code is blocking it."""


class _Session:
    """One test's event loop, in a thread of its own, and what runs on it."""

    def __init__(self, clock_now: float) -> None:
        self.clock = _fakes.FakeClock(clock_now)
        self.sleep = _fakes.RecordingSleep()
        self.shops: dict[int, _httpx.AsyncClient] = {}
        self.tasks: dict[int, _asyncio.Task[_httpx.Response]] = {}
        self._numbers = _itertools.count(1)
        self._ready = _threading.Event()
        # asyncio.run, as the in-process suite used: its end cancels what is left and stops
        # the worker threads the app's sync routes ran in.
        self._thread = _threading.Thread(target=_asyncio.run, args=(self._main(),),
                                         name="payment-webhook-session", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_SECONDS):
            raise _LoopBlocked(f"the session's event loop did not start within {_START_SECONDS:g} s")

    async def _main(self) -> None:
        self.loop = _asyncio.get_running_loop()
        self.gateway = _fakes.FakeGateway()
        self._stop = _asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        for client in self.shops.values():
            await client.aclose()

    def number(self) -> int:
        return next(self._numbers)

    def run(self, coroutine: _Coroutine[_Any, _Any, _Any], timeout: float) -> _Any:
        """Run ``coroutine`` on the session's loop and return its result."""
        future = _asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout + _LOOP_GRACE_SECONDS)
        except TimeoutError:
            future.cancel()
            raise _LoopBlocked(f"the event loop did not run this step within "
                              f"{timeout + _LOOP_GRACE_SECONDS:g} s: something blocks it") from None

    def close(self) -> bool:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(_CLOSE_SECONDS)
        return not self._thread.is_alive()


_sessions: dict[int, _Session] = {}
_session_numbers = _itertools.count(1)


def _warm_up() -> None:
    """Import the candidate's app while the tests' container starts up: on a loaded machine
    the first import of FastAPI takes seconds, which would otherwise count against the first
    test's ``new_shop``. An import that fails is forgotten by Python: ``new_shop`` imports
    again and reports the candidate's own error."""
    try:
        import app.main  # noqa: F401
    except BaseException:  # noqa: BLE001, S110 - reported by new_shop, with its traceback
        pass


_threading.Thread(target=_warm_up, name="payment-webhook-warm-up", daemon=True).start()


def _session(session: int) -> _Session:
    return _sessions[session]


def _answer(response: _httpx.Response) -> dict[str, _Any]:
    return {"status_code": response.status_code, "text": response.text}


async def _bounded(awaitable: _Any, timeout: float) -> dict[str, _Any]:
    try:
        return _answer(await _asyncio.wait_for(awaitable, timeout))
    except TimeoutError:
        return {"timed_out": True}


def _send(session: _Session, shop: int, method: str, url: str, content_b64: str | None,
          headers: dict[str, str] | None) -> _Coroutine[_Any, _Any, _httpx.Response]:
    content = _base64.b64decode(content_b64) if content_b64 is not None else None
    return session.shops[shop].request(method, url, content=content, headers=headers)


# --- steps --------------------------------------------------------------------------------


def open_session(clock_now: float) -> int:
    """A new session, its clock at ``clock_now``; answers its number."""
    number = next(_session_numbers)
    _sessions[number] = _Session(clock_now)
    return number


def close_session(session: int) -> bool:
    """Stop the session's loop (what is still running is cancelled); answers whether it stopped."""
    return _sessions.pop(session).close()


def new_shop(session: int, webhook_secret_hex: str, timeout: float,
             attempt_timeout: float | None = None) -> int:
    """An app from the candidate's ``create_app`` on the session's fakes; answers its number.

    ``attempt_timeout`` is passed only when given. The app is built on the session's loop, as
    it was inside the in-process suite's scenario.
    """
    state = _session(session)

    async def build() -> int:
        from app.main import create_app

        kwargs: dict[str, _Any] = {"gateway": state.gateway,
                                   "webhook_secret": bytes.fromhex(webhook_secret_hex),
                                   "clock": state.clock, "sleep": state.sleep}
        if attempt_timeout is not None:
            kwargs["attempt_timeout"] = attempt_timeout
        app = create_app(**kwargs)
        transport = _httpx.ASGITransport(app=app, raise_app_exceptions=False)
        number = state.number()
        state.shops[number] = _httpx.AsyncClient(transport=transport, base_url="http://shop.test")
        return number

    return state.run(build(), timeout)


def request(session: int, shop: int, method: str, url: str, timeout: float,
            content_b64: str | None = None, headers: dict[str, str] | None = None) -> dict[str, _Any]:
    """Send one request to a shop and wait for its answer, at most ``timeout`` seconds.

    Answers ``{"status_code", "text"}``, or ``{"timed_out": true}`` (the request is cancelled).
    """
    state = _session(session)
    try:
        return state.run(_bounded(_send(state, shop, method, url, content_b64, headers), timeout),
                         timeout)
    except _LoopBlocked:
        return {"timed_out": True}


def start_request(session: int, shop: int, method: str, url: str,
                  content_b64: str | None = None, headers: dict[str, str] | None = None) -> int:
    """Send a request and leave it running on the session's loop; answers its number."""
    state = _session(session)

    async def start() -> int:
        number = state.number()
        state.tasks[number] = _asyncio.ensure_future(
            _send(state, shop, method, url, content_b64, headers))
        return number

    return state.run(start(), 0)


def finish_request(session: int, task: int, timeout: float) -> dict[str, _Any]:
    """Wait for a started request's answer, at most ``timeout`` seconds; answers as ``request``."""
    state = _session(session)
    try:
        return state.run(_bounded(state.tasks.pop(task), timeout), timeout)
    except _LoopBlocked:
        return {"timed_out": True}


def set_clock(session: int, now: float) -> None:
    _session(session).clock.now = now


def script_gateway(session: int, outcomes: list[dict[str, _Any]]) -> None:
    """Append to the gateway's script (see shop_fakes.FakeGateway)."""
    state = _session(session)

    async def script() -> None:
        state.gateway.script(outcomes)

    state.run(script(), 0)


def hold_gateway(session: int) -> int:
    """Script a gateway call that waits to be released; answers the hold's number."""
    state = _session(session)

    async def hold() -> int:
        return state.gateway.hold()

    return state.run(hold(), 0)


def release_gateway(session: int, hold: int) -> None:
    state = _session(session)

    async def release() -> None:
        state.gateway.release(hold)

    state.run(release(), 0)


def wait_for_gateway_calls(session: int, count: int, timeout: float) -> int:
    """Wait until the gateway has seen ``count`` calls, at most ``timeout`` seconds; answers
    how many it has seen."""
    state = _session(session)

    async def wait() -> int:
        try:
            await _asyncio.wait_for(state.gateway.wait_for_calls(count), timeout)
        except TimeoutError:
            pass
        return len(state.gateway.calls)

    try:
        return state.run(wait(), timeout)
    except _LoopBlocked:
        return len(state.gateway.calls)


def gateway_record(session: int) -> dict[str, _Any]:
    """What the gateway saw: ``{"calls", "charges", "cancelled"}`` (shop_fakes.FakeGateway)."""
    state = _session(session)

    async def record() -> dict[str, _Any]:
        return state.gateway.record()

    return state.run(record(), 0)


def sleep_record(session: int) -> list[_Any]:
    """Every delay the apps of the session slept through the injected ``sleep``, in order."""
    state = _session(session)

    async def record() -> list[_Any]:
        return list(state.sleep.delays)

    return state.run(record(), 0)
