"""The payment gateway's client interface (provided: keep these names and signatures).

The service is given a gateway object; the only call it makes is ``create_charge``. In
production that is the gateway's HTTP client; in the tests it is a fake that records calls and
scripts failures; ``DemoGateway`` below is a stand-in for trying the service by hand.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Protocol


class GatewayError(Exception):
    """Base class of the errors ``create_charge`` raises."""


class GatewayUnavailable(GatewayError):
    """A 5xx answer, a reset connection, a gateway that is down: transient, safe to retry.

    The gateway may or may not have processed the request (the answer may be what got lost),
    which is why a retry must send the same idempotency key.
    """


class CardDeclined(GatewayError):
    """The card was declined (a 4xx answer): final, retrying gives the same answer.

    ``code`` is the gateway's reason, e.g. ``"insufficient_funds"``.
    """

    def __init__(self, code: str, message: str = "the card was declined") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PaymentGateway(Protocol):
    async def create_charge(self, order_id: str, amount_cents: int, *,
                            idempotency_key: str) -> str:
        """Charge the order's card; returns the gateway's charge id (e.g. ``"ch_123"``).

        The outcome of the payment (succeeded, failed, refunded later) arrives by webhook.
        Two calls with the same ``idempotency_key`` make at most one charge: the second one
        returns the first one's result.
        """
        ...


class DemoGateway:
    """An always-successful stand-in: 50 ms per call, idempotent on the key."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._charges: dict[str, str] = {}

    async def create_charge(self, order_id: str, amount_cents: int, *,
                            idempotency_key: str) -> str:
        await asyncio.sleep(0.05)
        if idempotency_key not in self._charges:
            self._charges[idempotency_key] = f"ch_demo_{next(self._ids)}"
        return self._charges[idempotency_key]
