"""Charging an order through the gateway: retries with backoff, a timeout per attempt."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from app.gateway import GatewayUnavailable, PaymentGateway

MAX_ATTEMPTS = 4
BASE_DELAY = 0.1  # seconds before the 2nd attempt; doubled before each later one


class RetriesExhausted(Exception):
    def __init__(self, attempts: int) -> None:
        super().__init__(f"the payment gateway did not answer after {attempts} attempts")
        self.attempts = attempts


async def charge_with_retries(gateway: PaymentGateway, order_id: str, amount_cents: int, *,
                              idempotency_key: str, sleep: Callable[[float], Awaitable[object]],
                              attempt_timeout: float) -> str:
    """The charge id; CardDeclined propagates at once; RetriesExhausted after MAX_ATTEMPTS.

    Every attempt sends the same idempotency key, so however many attempts reach the gateway,
    the card is charged at most once.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await asyncio.wait_for(
                gateway.create_charge(order_id, amount_cents, idempotency_key=idempotency_key),
                attempt_timeout,
            )
        except (GatewayUnavailable, TimeoutError):
            if attempt == MAX_ATTEMPTS:
                raise RetriesExhausted(attempt) from None
        await sleep(BASE_DELAY * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
