"""Orders and the rules that move them between statuses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# An order only ever moves to a higher rank, whatever order the events arrive in.
# `pending` and `processing` share the bottom rank: which one an order is in depends only on
# whether a pay request is in progress.
RANK = {"pending": 0, "processing": 0, "failed": 1, "paid": 2, "refunded": 3}

PAYMENT_EVENTS = {"payment.succeeded", "payment.failed", "payment.refunded"}


@dataclass
class Order:
    id: str
    amount_cents: int
    status: str = "pending"
    refunded_cents: int = 0
    charge_id: str | None = None
    # The idempotency key of the payment attempt in progress (kept across a 503, dropped
    # once the gateway answers with a charge or a decline). Not part of the API.
    payment_key: str | None = None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "amount_cents": self.amount_cents,
            "status": self.status,
            "refunded_cents": self.refunded_cents,
            "charge_id": self.charge_id,
        }

    def advance(self, status: str) -> None:
        """Move to ``status`` unless that would be a step backwards (or sideways)."""
        if RANK[status] > RANK[self.status]:
            self.status = status


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    data: dict[str, Any]


class InvalidEvent(ValueError):
    pass


def parse_event(body: bytes) -> Event:
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidEvent("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise InvalidEvent("the event must be a JSON object")
    event_id, event_type, data = payload.get("id"), payload.get("type"), payload.get("data")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidEvent("'id' must be a non-empty string")
    if not isinstance(event_type, str):
        raise InvalidEvent("'type' must be a string")
    if not isinstance(data, dict):
        raise InvalidEvent("'data' must be an object")
    if event_type in PAYMENT_EVENTS and not isinstance(data.get("order_id"), str):
        raise InvalidEvent("'data.order_id' must be a string")
    if event_type == "payment.refunded":
        amount = data.get("amount_cents")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            raise InvalidEvent("'data.amount_cents' must be a positive integer")
    return Event(id=event_id, type=event_type, data=data)


def apply_event(order: Order, event: Event) -> None:
    if event.type == "payment.succeeded":
        order.status = "paid"
    elif event.type == "payment.failed":
        if order.status not in ("paid", "refunded"):
            order.status = "failed"
    elif event.type == "payment.refunded":
        # Every distinct refund event counts (duplicates are filtered out before this), and a
        # refund implies the payment succeeded, even if that event has not arrived yet.
        order.refunded_cents += event.data["amount_cents"]
        order.advance("refunded" if order.refunded_cents >= order.amount_cents else "paid")
