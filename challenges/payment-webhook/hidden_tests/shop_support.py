"""Helpers for the graded suite (the fixtures are in conftest.py).

The candidate's app does not run in this process. It runs beside the steps of
``service/scenarios.py``, in the candidate's own container: there each test gets a *session*
(one event loop, in a thread, kept running between steps) with a fake gateway that records its
calls and answers from a script, a fake clock and a ``sleep`` that records its delays; the
apps of ``create_app`` are built on those and called in process through httpx's ASGI
transport, on the session's loop, as the brief says.

This module is the tests' side: it makes the inputs (signed webhook bodies, the gateway's
script, the timeouts), sends them through the driver, and turns what comes back (status
codes and bodies, the calls the gateway saw, the delays slept) into small objects built from
JSON-parsed data, which the tests assert on. Every expected value stays here and in the
tests.

Since the loop keeps running between steps, a test can hold a gateway call in flight
(``gateway.hold()``), send other requests meanwhile and then release it. Time is the fake
clock and the backoff ``sleep`` only records; the only real waiting is the per-attempt
timeout, which the timeout tests shrink to ``SHORT_TIMEOUT``. Every request is bounded
(``REQUEST_TIMEOUT``), so a broken submission fails its test instead of hanging it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SECRET = b"whsec_grader_7Qm2vX9pL4"
OTHER_SECRET = b"whsec_someone_else_0000"
NOW = 1_700_000_000  # the fake clock's start (unix seconds)

SETUP_TIMEOUT = 5.0  # building one app with create_app (the first one imports it)
REQUEST_TIMEOUT = 1.5  # one HTTP request (a pay request retries 4 times at most)
SHORT_TIMEOUT = 0.05  # attempt_timeout given to the app in the timeout tests

DECLINE_CODE = "insufficient_funds"
DECLINE_MESSAGE = "Your card has insufficient funds."

Steps = Callable[..., Any]  # assess_driver.Driver: calls a step in the candidate's container


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


# --- what comes back ------------------------------------------------------------------------

@dataclass(frozen=True)
class Response:
    """An HTTP answer of the candidate's app: its status code and body text."""

    status_code: Any
    text: Any

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass(frozen=True)
class Opaque:
    """A value the app passed to the gateway that is not JSON data (described by the fake)."""

    type: str
    repr: str


@dataclass(frozen=True)
class Call:
    order_id: Any
    amount_cents: Any
    idempotency_key: Any


def _value(recorded: Any) -> Any:
    if isinstance(recorded, dict) and "opaque" in recorded:
        return Opaque(str(recorded["opaque"]), str(recorded.get("repr")))
    return recorded


def _response(answer: Any, what: str, timeout: float) -> Response:
    __tracebackhide__ = True
    if answer.get("timed_out"):
        raise AssertionError(f"{what} did not complete within {timeout}s")
    return Response(answer["status_code"], answer["text"])


# --- the gateway, the clock and the sleep of one test -----------------------------------------

OK = "ok"  # charge and return the charge id
UNAVAILABLE = "unavailable"  # raise GatewayUnavailable without charging
LOST = "lost"  # charge, then raise GatewayUnavailable (the answer was lost)
DECLINED = "declined"  # raise CardDeclined(DECLINE_CODE, DECLINE_MESSAGE)
HANG = "hang"  # never answer (until cancelled)
CHARGE_THEN_HANG = "charge-then-hang"  # charge, then never answer


class Session:
    """One test's session in the candidate's container: its loop, gateway, clock and sleep."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps
        self.id = steps("open_session", clock_now=float(NOW))
        self.gateway = Gateway(self)
        self.clock = Clock(self, float(NOW))
        self.sleeper = RecordingSleep(self)

    def __call__(self, step: str, /, **args: Any) -> Any:
        __tracebackhide__ = True
        return self._steps(step, session=self.id, **args)

    def new_shop(self, *, webhook_secret: bytes = SECRET, **options: Any) -> Shop:
        """A fresh app from ``create_app`` on this session's fakes (``attempt_timeout`` is
        passed only when given)."""
        number = self("new_shop", webhook_secret_hex=webhook_secret.hex(), timeout=SETUP_TIMEOUT,
                      **options)
        return Shop(self, number)

    def close(self) -> None:
        self("close_session")


class Gateway:
    """The session's fake gateway. Each read of ``calls``, ``keys``, ``charges`` or
    ``cancelled`` asks the candidate's container for what the gateway has seen so far.

    - ``script(*outcomes)``: the next calls' outcomes, in order (``OK``, ``UNAVAILABLE``,
      ``LOST``, ``DECLINED``, ``HANG``, ``CHARGE_THEN_HANG``); once the script runs out,
      calls answer OK. ``hold()``: the next call waits until the returned hold is ``set()``.
    - ``calls``: every call, in order. ``charges``: every charge actually made, as
      ``(order_id, amount_cents, key)``; like a real gateway, a key that already charged
      returns the same charge id (``ch_1``, ``ch_2``... in charge order) without charging twice.
    - ``cancelled``: how many calls were cancelled while in flight.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def script(self, *outcomes: str) -> None:
        wire = [{"do": outcome, "code": DECLINE_CODE, "message": DECLINE_MESSAGE}
                if outcome == DECLINED else {"do": outcome} for outcome in outcomes]
        self._session("script_gateway", outcomes=wire)

    def hold(self) -> Hold:
        return Hold(self._session, self._session("hold_gateway"))

    def wait_for_call(self, what: str, timeout: float = REQUEST_TIMEOUT) -> None:
        """Wait until a call has been made (as ``what``), failing after ``timeout`` seconds."""
        __tracebackhide__ = True
        seen = self._session("wait_for_gateway_calls", count=1, timeout=timeout)
        if not (isinstance(seen, int) and seen >= 1):
            raise AssertionError(f"{what} did not happen within {timeout}s")

    def _record(self) -> dict[str, Any]:
        return self._session("gateway_record")

    @property
    def calls(self) -> list[Call]:
        return [Call(*map(_value, call)) for call in self._record()["calls"]]

    @property
    def keys(self) -> list[Any]:
        return [call.idempotency_key for call in self.calls]

    @property
    def charges(self) -> list[tuple[Any, ...]]:
        return [tuple(map(_value, charge)) for charge in self._record()["charges"]]

    @property
    def cancelled(self) -> Any:
        return self._record()["cancelled"]


class Hold:
    """A scripted gateway call that waits: ``set()`` lets it answer OK."""

    def __init__(self, session: Session, number: int) -> None:
        self._session = session
        self._number = number

    def set(self) -> None:
        self._session("release_gateway", hold=self._number)


class Clock:
    """The session's fake clock: ``clock()`` in the app returns ``now``, which only moves
    when a test sets it."""

    def __init__(self, session: Session, now: float) -> None:
        self._session = session
        self._now = now

    @property
    def now(self) -> float:
        return self._now

    @now.setter
    def now(self, value: float) -> None:
        self._session("set_clock", now=value)
        self._now = value


class RecordingSleep:
    """The app's injected ``sleep``, which records each delay and returns at once: ``delays``
    asks the candidate's container for them."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def delays(self) -> list[Any]:
        return [_value(delay) for delay in self._session("sleep_record")]


# --- the app under test ------------------------------------------------------------------------

def _wire(content: bytes | None, headers: dict[str, str] | None) -> dict[str, Any]:
    return {"content_b64": base64.b64encode(content).decode() if content is not None else None,
            "headers": headers}


def _json_body(payload: Any) -> tuple[bytes, dict[str, str]]:
    return json.dumps(payload).encode(), {"Content-Type": "application/json"}


class Pending:
    """A request left running in the candidate's container (``Shop.start``)."""

    def __init__(self, session: Session, number: int) -> None:
        self._session = session
        self._number = number

    def result(self, what: str, timeout: float = REQUEST_TIMEOUT) -> Response:
        """Its answer, failing (the request is cancelled) after ``timeout`` seconds."""
        __tracebackhide__ = True
        return _response(self._session("finish_request", task=self._number, timeout=timeout),
                         what, timeout)


class Shop:
    """One app under test, in the candidate's container, reached through the session."""

    def __init__(self, session: Session, number: int) -> None:
        self._session = session
        self._number = number

    def request(self, method: str, url: str, *, json: Any = None, content: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        __tracebackhide__ = True
        if json is not None:
            content, headers = _json_body(json)
        answer = self._session("request", shop=self._number, method=method, url=url,
                               timeout=REQUEST_TIMEOUT, **_wire(content, headers))
        return _response(answer, f"{method} {url}", REQUEST_TIMEOUT)

    def start(self, method: str, url: str) -> Pending:
        """Send a request without waiting for it: it runs on while the test sends others."""
        return Pending(self._session, self._session("start_request", shop=self._number,
                                                    method=method, url=url, **_wire(None, None)))

    def create_order(self, amount_cents: int = 2599) -> dict[str, Any]:
        response = self.request("POST", "/orders", json={"amount_cents": amount_cents})
        assert response.status_code == 201, (
            f"setup: creating an order failed: {response.status_code} {response.text}")
        return response.json()

    def order(self, order_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/orders/{order_id}")
        assert response.status_code == 200, (
            f"GET /orders/{order_id}: {response.status_code} {response.text}")
        return response.json()

    def status(self, order_id: str) -> Any:
        return self.order(order_id)["status"]

    def pay(self, order_id: str) -> Response:
        return self.request("POST", f"/orders/{order_id}/pay")

    def start_pay(self, order_id: str) -> Pending:
        return self.start("POST", f"/orders/{order_id}/pay")

    def paid_order(self, amount_cents: int = 2599) -> dict[str, Any]:
        """An order whose payment the gateway accepted and confirmed by webhook: ``paid``."""
        order = self.create_order(amount_cents)
        response = self.pay(order["id"])
        assert response.status_code == 202, f"setup: pay failed: {response.text}"
        self.deliver_ok(event("payment.succeeded", order["id"], amount_cents=amount_cents))
        return self.order(order["id"])

    def post_webhook(self, body: bytes, headers: dict[str, str]) -> Response:
        return self.request("POST", "/webhooks/payments", content=body,
                            headers={"Content-Type": "application/json", **headers})

    def deliver(self, event_or_body: dict[str, Any] | bytes, *, t: int | None = None,
                secret: bytes = SECRET) -> Response:
        """Send a webhook signed like the gateway does (timestamp: the fake clock's now)."""
        body = event_or_body if isinstance(event_or_body, bytes) else encode(event_or_body)
        stamp = int(self._session.clock.now) if t is None else t
        header = signature_header(body, stamp, secret)
        return self.post_webhook(body, {"Gateway-Signature": header})

    def deliver_ok(self, event_or_body: dict[str, Any] | bytes) -> None:
        response = self.deliver(event_or_body)
        assert response.status_code == 200, (
            f"a correctly signed webhook was refused: {response.status_code} {response.text}")


MakeShop = Callable[..., Shop]
