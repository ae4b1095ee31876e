"""Shared fakes for the public tests. Run `pytest` from the repository root.

The tests are plain functions that drive a coroutine with ``asyncio.run`` (no pytest-asyncio
needed). They call the app in-process through httpx's ASGI transport, on the same event loop as
the fake gateway. The clock is fake, and the backoff ``sleep`` only records its delays, so
nothing really waits.
"""

import asyncio
import hashlib
import hmac
import json
import sys
from pathlib import Path

import httpx
import pytest

# Make `app` importable however pytest is started (the repository root holds the app/ package).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECRET = b"whsec_public_tests"
NOW = 1_750_000_000


class FakeGateway:
    """Answers from ``outcomes`` (exceptions to raise, or "ok"), then "ok"; records calls."""

    def __init__(self):
        self.outcomes = []
        self.calls = []  # (order_id, amount_cents, idempotency_key)

    async def create_charge(self, order_id, amount_cents, *, idempotency_key):
        self.calls.append((order_id, amount_cents, idempotency_key))
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if isinstance(outcome, Exception):
            raise outcome
        return f"ch_public_{len(self.calls)}"


class Sleeps:
    def __init__(self):
        self.delays = []

    async def __call__(self, delay):
        self.delays.append(delay)


def sign(body, t=NOW, secret=SECRET):
    """The Gateway-Signature header the gateway sends for ``body`` (bytes) at time ``t``."""
    digest = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def webhook(event_id, event_type, order_id, amount_cents=1500):
    """A webhook event, serialised the way the gateway does."""
    event = {"id": event_id, "type": event_type, "created": NOW,
             "data": {"order_id": order_id, "amount_cents": amount_cents}}
    return json.dumps(event).encode()


async def deliver(http, body, signature=None):
    """POST ``body`` to the webhook endpoint like the gateway does (JSON, signed if given)."""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Gateway-Signature"] = signature
    return await http.post("/webhooks/payments", content=body, headers=headers)


def run(scenario, timeout=5.0):
    """Run a test's coroutine; fail after `timeout` seconds instead of hanging."""
    return asyncio.run(asyncio.wait_for(scenario, timeout))


@pytest.fixture
def gateway():
    return FakeGateway()


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(gateway, sleeps):
    """``async with client() as http:`` an httpx client on a fresh app."""
    from app.main import create_app

    app = create_app(gateway=gateway, webhook_secret=SECRET, clock=lambda: float(NOW),
                     sleep=sleeps)

    def open_client():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    return open_client
