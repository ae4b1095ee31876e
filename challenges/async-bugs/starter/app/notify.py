"""Customer notifications.

Production sends push notifications through a gateway with this interface; `LogNotifier` is
the stand-in used for local runs. Sending takes a while (a network round trip), and it can
fail: the gateway is sometimes down.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

log = logging.getLogger("wallet.notify")


class Notifier(Protocol):
    async def send(self, account: str, message: str) -> None:
        """Deliver ``message`` to the owner of ``account``. May raise on delivery failure."""
        ...


class LogNotifier:
    """Logs each notification after a simulated network delay, and keeps a copy."""

    def __init__(self, *, latency: float = 0.05) -> None:
        self._latency = latency
        self.delivered: list[tuple[str, str]] = []

    async def send(self, account: str, message: str) -> None:
        await asyncio.sleep(self._latency)
        self.delivered.append((account, message))
        log.info("to %s: %s", account, message)
