"""The order service: orders, paying them through the gateway, and the gateway's webhooks.

It works on a good day: see the brief for everything it gets wrong on a bad one.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from app.gateway import PaymentGateway


class NewOrder(BaseModel):
    amount_cents: int = Field(ge=1)


def create_app(*, gateway: PaymentGateway, webhook_secret: bytes,
               clock: Callable[[], float] = time.time,
               sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
               attempt_timeout: float = 5.0) -> FastAPI:
    app = FastAPI(title="Orders")
    orders: dict[str, dict[str, Any]] = {}
    order_numbers = itertools.count(1)

    def find(order_id: str) -> dict[str, Any]:
        order = orders.get(order_id)
        if order is None:
            raise HTTPException(status_code=404, detail=f"order {order_id!r} not found")
        return order

    @app.post("/orders", status_code=201)
    def create_order(body: NewOrder) -> dict[str, Any]:
        order_id = f"ord_{next(order_numbers)}"
        orders[order_id] = {"id": order_id, "amount_cents": body.amount_cents,
                            "status": "pending", "refunded_cents": 0, "charge_id": None}
        return orders[order_id]

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> dict[str, Any]:
        return find(order_id)

    @app.post("/orders/{order_id}/pay", status_code=202)
    async def pay(order_id: str) -> dict[str, Any]:
        order = find(order_id)
        if order["status"] not in ("pending", "failed"):
            status = order["status"]
            raise HTTPException(status_code=409,
                                detail=f"order {order_id!r} cannot be paid: it is {status}")
        # TODO: declines, retries, backoff, timeouts.
        charge_id = await gateway.create_charge(order_id, order["amount_cents"],
                                                idempotency_key=uuid.uuid4().hex)
        order["status"] = "processing"
        order["charge_id"] = charge_id
        return order

    @app.post("/webhooks/payments")
    async def payment_webhook(event: dict[str, Any]) -> dict[str, Any]:
        # TODO: verify the Gateway-Signature header.
        data = event["data"]
        order = orders[data["order_id"]]
        if event["type"] == "payment.succeeded":
            order["status"] = "paid"
        elif event["type"] == "payment.failed":
            order["status"] = "failed"
        elif event["type"] == "payment.refunded":
            order["refunded_cents"] += data["amount_cents"]
            if order["refunded_cents"] >= order["amount_cents"]:
                order["status"] = "refunded"
        return {"received": True}

    return app
