"""The order service: orders, paying them through the gateway, and the gateway's webhooks."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.gateway import CardDeclined, PaymentGateway
from app.orders import PAYMENT_EVENTS, InvalidEvent, Order, apply_event, parse_event
from app.payments import RetriesExhausted, charge_with_retries
from app.signature import InvalidSignature, verify_signature


class NewOrder(BaseModel):
    amount_cents: int = Field(ge=1)


def create_app(*, gateway: PaymentGateway, webhook_secret: bytes,
               clock: Callable[[], float] = time.time,
               sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
               attempt_timeout: float = 5.0) -> FastAPI:
    app = FastAPI(title="Orders")
    orders: dict[str, Order] = {}
    order_numbers = itertools.count(1)
    processed_events: set[str] = set()

    def find(order_id: str) -> Order:
        order = orders.get(order_id)
        if order is None:
            raise HTTPException(status_code=404, detail=f"order {order_id!r} not found")
        return order

    @app.post("/orders", status_code=201)
    def create_order(body: NewOrder) -> dict[str, Any]:
        order = Order(id=f"ord_{next(order_numbers)}", amount_cents=body.amount_cents)
        orders[order.id] = order
        return order.public()

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> dict[str, Any]:
        return find(order_id).public()

    @app.post("/orders/{order_id}/pay", status_code=202)
    async def pay(order_id: str) -> Any:
        order = find(order_id)
        if order.status not in ("pending", "failed"):
            raise HTTPException(status_code=409,
                                detail=f"order {order_id!r} cannot be paid: it is {order.status}")
        previous = order.status
        order.payment_key = f"{order.id}-{uuid.uuid4().hex}"
        order.status = "processing"
        settled = False
        try:
            charge_id = await charge_with_retries(
                gateway, order.id, order.amount_cents, idempotency_key=order.payment_key,
                sleep=sleep, attempt_timeout=attempt_timeout)
            settled = True
        except CardDeclined as e:
            settled = True
            order.payment_key = None  # the attempt is over; a new one gets a new key
            order.advance("failed")
            return JSONResponse(status_code=402, content={"detail": e.message, "code": e.code})
        except RetriesExhausted as e:
            return JSONResponse(status_code=503, content={"detail": str(e), "attempts": e.attempts})
        finally:
            # 503 or a cancelled request: the payment attempt stays open (same key next time)
            # and the order goes back to where it was, unless a webhook moved it meanwhile.
            if not settled and order.status == "processing":
                order.status = previous
        order.payment_key = None
        order.charge_id = charge_id
        return JSONResponse(status_code=202, content=order.public())

    @app.post("/webhooks/payments")
    async def payment_webhook(request: Request) -> Any:
        body = await request.body()
        try:
            verify_signature(request.headers.get("gateway-signature"), body,
                             secret=webhook_secret, now=clock())
        except InvalidSignature as e:
            return JSONResponse(status_code=401, content={"detail": str(e)})
        try:
            event = parse_event(body)
        except InvalidEvent as e:
            return JSONResponse(status_code=400, content={"detail": str(e)})

        if event.id in processed_events:
            return {"received": True, "duplicate": True}
        processed_events.add(event.id)
        order = orders.get(event.data["order_id"]) if event.type in PAYMENT_EVENTS else None
        if order is not None:  # events for unknown orders, and other types, are acknowledged
            apply_event(order, event)
        return {"received": True, "duplicate": False}

    return app
