"""What a shop under test is built on, in the candidate's container: a scripted gateway that
records its calls, a clock the tests set, and a ``sleep`` that records its delays.

They hold observations (what the app called, with what, how often, what it cancelled); what
those should be is for the hidden tests to say. Each lives on one session's event loop
(scenarios.py) and is only touched from it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

# What the next gateway call does; the tests script them as {"do": <one of these>, ...}.
OK = "ok"  # charge and return the charge id
UNAVAILABLE = "unavailable"  # raise GatewayUnavailable without charging
LOST = "lost"  # charge, then raise GatewayUnavailable (the answer was lost)
DECLINED = "declined"  # raise CardDeclined(code, message), both given by the test
HANG = "hang"  # never answer (until cancelled)
CHARGE_THEN_HANG = "charge-then-hang"  # charge, then never answer
HOLD = "hold"  # wait until the test releases the hold, then answer OK
OUTCOMES = frozenset({OK, UNAVAILABLE, LOST, DECLINED, HANG, CHARGE_THEN_HANG})


def plain(value: Any) -> Any:
    """``value`` if it is JSON data, else a description of it: the app may pass anything."""
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        try:
            described = repr(value)[:200]
        except Exception:  # noqa: BLE001 - the app's object may not even have a repr
            described = "?"
        return {"opaque": type(value).__name__, "repr": described}


class FakeClock:
    """``clock()`` returns ``now`` (unix seconds), which only moves when a test sets it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """The app's injected ``sleep``: records each delay and returns at once (one loop turn)."""

    def __init__(self) -> None:
        self.delays: list[Any] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(plain(delay))
        await asyncio.sleep(0)


class FakeGateway:
    """Records every ``create_charge`` call and answers from a script.

    - ``script(outcomes)``: the next calls' outcomes, in order; once the script runs out,
      calls answer OK. ``hold()`` scripts a call that waits for ``release(hold)``.
    - ``record()``: every call, as ``[order_id, amount_cents, idempotency_key]``; every charge
      actually made, the same way (like a real gateway, a key that already charged returns
      the same charge id again without charging twice); and how many calls were cancelled
      while in flight.
    """

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []
        self.charges: list[list[Any]] = []
        self.cancelled = 0
        self._script: list[dict[str, Any]] = []
        self._charge_ids: dict[Any, str] = {}
        self._numbers = itertools.count(1)
        self._holds: dict[int, asyncio.Event] = {}
        self._called = asyncio.Event()

    def script(self, outcomes: list[dict[str, Any]]) -> None:
        for outcome in outcomes:
            if outcome.get("do") not in OUTCOMES:
                raise ValueError(f"not a gateway outcome: {outcome!r}")
        self._script.extend(outcomes)

    def hold(self) -> int:
        number = len(self._holds) + 1
        self._holds[number] = asyncio.Event()
        self._script.append({"do": HOLD, "hold": number})
        return number

    def release(self, hold: int) -> None:
        self._holds[hold].set()

    async def wait_for_calls(self, count: int) -> None:
        while len(self.calls) < count:
            self._called.clear()
            await self._called.wait()

    def record(self) -> dict[str, Any]:
        return {"calls": [list(call) for call in self.calls],
                "charges": [list(charge) for charge in self.charges],
                "cancelled": self.cancelled}

    async def create_charge(self, order_id: str, amount_cents: int, *,
                            idempotency_key: str) -> str:
        from app.gateway import CardDeclined, GatewayUnavailable

        self.calls.append([plain(order_id), plain(amount_cents), plain(idempotency_key)])
        self._called.set()
        outcome = self._script.pop(0) if self._script else {"do": OK}
        do = outcome["do"]
        if do == HOLD:
            await self._wait(self._holds[outcome["hold"]])
            do = OK
        if do == UNAVAILABLE:
            raise GatewayUnavailable("503 Service Unavailable")
        if do == DECLINED:
            raise CardDeclined(outcome["code"], outcome["message"])
        if do == HANG:
            await self._wait(asyncio.Event())
        charge_id = self._charge(order_id, amount_cents, idempotency_key)
        if do == LOST:
            raise GatewayUnavailable("connection reset by peer")
        if do == CHARGE_THEN_HANG:
            await self._wait(asyncio.Event())
        return charge_id

    def _charge(self, order_id: Any, amount_cents: Any, key: Any) -> str:
        if key not in self._charge_ids:
            self._charge_ids[key] = f"ch_{next(self._numbers)}"
            self.charges.append([plain(order_id), plain(amount_cents), plain(key)])
        return self._charge_ids[key]

    async def _wait(self, event: asyncio.Event) -> None:
        try:
            await event.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
