"""Helpers for the graded suite (the fixtures are in conftest.py).

Every test is a plain synchronous function that drives one coroutine with ``run`` (no
pytest-asyncio). The candidate's app is called in-process through httpx's ASGI transport, on
the same event loop as the fake gateway, so a test can hold a gateway call in flight with an
``asyncio.Event`` and send other requests meanwhile. Time is a ``FakeClock`` and the backoff
``sleep`` only records its delays; the only real waiting is the per-attempt timeout, which the
timeout tests shrink to ``SHORT_TIMEOUT``. Anything that could hang on a broken submission is
bounded by ``asyncio.wait_for``, so it fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Self, TypeVar

import httpx

T = TypeVar("T")

SECRET = b"whsec_grader_7Qm2vX9pL4"
OTHER_SECRET = b"whsec_someone_else_0000"
NOW = 1_700_000_000  # the fake clock's start (unix seconds)

RUN_TIMEOUT = 6.0  # one test's whole scenario
REQUEST_TIMEOUT = 1.5  # one HTTP request (a pay request retries 4 times at most)
SHORT_TIMEOUT = 0.05  # attempt_timeout given to the app in the timeout tests
SETTLE_YIELDS = 50

DECLINE_CODE = "insufficient_funds"


def run(scenario: Coroutine[Any, Any, T]) -> T:
    """Run one test's scenario on a fresh event loop, failing (not hanging) if it blocks."""
    __tracebackhide__ = True

    async def bounded() -> T:
        __tracebackhide__ = True
        try:
            return await asyncio.wait_for(scenario, RUN_TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"the scenario did not finish within {RUN_TIMEOUT}s: a request never returned"
            ) from None

    return asyncio.run(bounded())


async def within(awaitable: Awaitable[T], what: str, timeout: float = REQUEST_TIMEOUT) -> T:
    """Await a step that must complete on its own, within ``timeout`` seconds."""
    __tracebackhide__ = True
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        raise AssertionError(f"{what} did not complete within {timeout}s") from None


async def settle() -> None:
    """Let every task that can make progress do so (a fixed number of event-loop turns)."""
    for _ in range(SETTLE_YIELDS):
        await asyncio.sleep(0)


class FakeClock:
    """``clock()`` returns ``now`` (unix seconds), which only moves when a test changes it."""

    def __init__(self, start: float = float(NOW)) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """The app's injected ``sleep``: records each delay and returns at once (one loop turn)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


# --- signing -------------------------------------------------------------------------------

def hmac_hex(body: bytes, t: int | str, secret: bytes = SECRET) -> str:
    return hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(body: bytes, t: int, secret: bytes = SECRET) -> str:
    """What the real gateway sends: ``t=<unix seconds>,v1=<hex hmac of b"<t>." + body>``."""
    return f"t={t},v1={hmac_hex(body, t, secret)}"


def encode(event: dict[str, Any]) -> bytes:
    """The gateway's usual serialisation (``json.dumps`` defaults)."""
    return json.dumps(event).encode()


_event_numbers = itertools.count(1)


def event(type_: str, order_id: str, *, amount_cents: int = 2599,
          id: str | None = None) -> dict[str, Any]:
    """A webhook event; ids are fresh (``evt_grader_1``, ...) unless given."""
    return {
        "id": id if id is not None else f"evt_grader_{next(_event_numbers)}",
        "type": type_,
        "created": NOW,
        "data": {"order_id": order_id, "amount_cents": amount_cents},
    }


# --- the fake gateway ------------------------------------------------------------------------

OK = "ok"  # charge and return the charge id
UNAVAILABLE = "unavailable"  # raise GatewayUnavailable without charging
LOST = "lost"  # charge, then raise GatewayUnavailable (the answer was lost)
DECLINED = "declined"  # raise CardDeclined(DECLINE_CODE)
HANG = "hang"  # never answer (until cancelled)
CHARGE_THEN_HANG = "charge-then-hang"  # charge, then never answer


@dataclass(frozen=True)
class Call:
    order_id: Any
    amount_cents: Any
    idempotency_key: Any


class FakeGateway:
    """Records every ``create_charge`` call and answers from a script.

    - ``script(*outcomes)``: the next calls' outcomes, in order (``OK``, ``UNAVAILABLE``,
      ``LOST``, ``DECLINED``, ``HANG``, ``CHARGE_THEN_HANG``, or an ``asyncio.Event`` to wait for
      before answering OK); once the script runs out, calls answer OK.
    - ``calls``: every call, in order. ``charges``: every charge actually made, as
      ``(order_id, amount_cents, key)``; like a real gateway, a key that already charged returns
      the same charge id again without charging twice.
    - ``cancelled``: how many calls were cancelled while in flight.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.charges: list[tuple[Any, Any, Any]] = []
        self.cancelled = 0
        self._script: list[Any] = []
        self._charge_ids: dict[Any, str] = {}
        self._numbers = itertools.count(1)
        self._started: asyncio.Event | None = None

    def script(self, *outcomes: Any) -> None:
        self._script.extend(outcomes)

    def hold(self) -> asyncio.Event:
        """The next call waits for the returned event, then answers OK."""
        release = asyncio.Event()
        self._script.append(release)
        return release

    @property
    def started(self) -> asyncio.Event:
        """Set once a call has been made (create it inside the test's event loop)."""
        if self._started is None:
            self._started = asyncio.Event()
            if self.calls:
                self._started.set()
        return self._started

    @property
    def keys(self) -> list[Any]:
        return [call.idempotency_key for call in self.calls]

    async def create_charge(self, order_id: str, amount_cents: int, *,
                            idempotency_key: str) -> str:
        from app.gateway import CardDeclined, GatewayUnavailable

        self.calls.append(Call(order_id, amount_cents, idempotency_key))
        if self._started is not None:
            self._started.set()
        outcome = self._script.pop(0) if self._script else OK
        if isinstance(outcome, asyncio.Event):
            await self._wait(outcome)
            outcome = OK
        if outcome == UNAVAILABLE:
            raise GatewayUnavailable("503 Service Unavailable")
        if outcome == DECLINED:
            raise CardDeclined(DECLINE_CODE, "Your card has insufficient funds.")
        if outcome == HANG:
            await self._wait(asyncio.Event())
        charge_id = self._charge(order_id, amount_cents, idempotency_key)
        if outcome == LOST:
            raise GatewayUnavailable("connection reset by peer")
        if outcome == CHARGE_THEN_HANG:
            await self._wait(asyncio.Event())
        return charge_id

    def _charge(self, order_id: Any, amount_cents: Any, key: Any) -> str:
        if key not in self._charge_ids:
            self._charge_ids[key] = f"ch_{next(self._numbers)}"
            self.charges.append((order_id, amount_cents, key))
        return self._charge_ids[key]

    async def _wait(self, event: asyncio.Event) -> None:
        try:
            await event.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise


# --- the app under test ------------------------------------------------------------------------

class Shop:
    """One app under test, called in-process; ``async with`` opens its HTTP client."""

    def __init__(self, app: Any, clock: FakeClock) -> None:
        self.app = app
        self.clock = clock
        self.http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://shop.test")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.http is not None
        await self.http.aclose()

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        assert self.http is not None, "use `async with` on the Shop"
        return await within(self.http.request(method, url, **kwargs), f"{method} {url}")

    async def create_order(self, amount_cents: int = 2599) -> dict[str, Any]:
        response = await self.request("POST", "/orders", json={"amount_cents": amount_cents})
        assert response.status_code == 201, (
            f"setup: creating an order failed: {response.status_code} {response.text}")
        return response.json()

    async def order(self, order_id: str) -> dict[str, Any]:
        response = await self.request("GET", f"/orders/{order_id}")
        assert response.status_code == 200, (
            f"GET /orders/{order_id}: {response.status_code} {response.text}")
        return response.json()

    async def status(self, order_id: str) -> str:
        return (await self.order(order_id))["status"]

    async def pay(self, order_id: str) -> httpx.Response:
        return await self.request("POST", f"/orders/{order_id}/pay")

    async def paid_order(self, amount_cents: int = 2599) -> dict[str, Any]:
        """An order whose payment the gateway accepted and confirmed by webhook: ``paid``."""
        order = await self.create_order(amount_cents)
        response = await self.pay(order["id"])
        assert response.status_code == 202, f"setup: pay failed: {response.text}"
        await self.deliver_ok(event("payment.succeeded", order["id"], amount_cents=amount_cents))
        return await self.order(order["id"])

    async def post_webhook(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.request("POST", "/webhooks/payments", content=body,
                                  headers={"Content-Type": "application/json", **headers})

    async def deliver(self, event_or_body: dict[str, Any] | bytes, *, t: int | None = None,
                      secret: bytes = SECRET) -> httpx.Response:
        """Send a webhook signed like the gateway does (timestamp: the fake clock's now)."""
        body = event_or_body if isinstance(event_or_body, bytes) else encode(event_or_body)
        stamp = int(self.clock.now) if t is None else t
        header = signature_header(body, stamp, secret)
        return await self.post_webhook(body, {"Gateway-Signature": header})

    async def deliver_ok(self, event_or_body: dict[str, Any] | bytes) -> None:
        response = await self.deliver(event_or_body)
        assert response.status_code == 200, (
            f"a correctly signed webhook was refused: {response.status_code} {response.text}")


MakeShop = Callable[..., Shop]
