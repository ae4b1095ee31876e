"""The wallet service: balances, transfers between accounts, PINs and notifications.

Its dependencies are injected, so the same code runs against the real database and push
gateway in production and against fakes in tests:

- ``store``: where balances live (see ``app/store.py``); every call is awaited I/O;
- ``notifier``: how customers are told about their transfers (see ``app/notify.py``);
- ``kdf``: the key derivation function that turns a PIN into the hash we keep; a plain,
  synchronous function, slow on purpose (that is what makes stolen hashes hard to crack).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from app.notify import Notifier
from app.store import Store

logger = logging.getLogger("wallet")

Kdf = Callable[[str, bytes], bytes]

PBKDF2_ITERATIONS = 600_000
SALT_BYTES = 16
_PIN = re.compile(r"[0-9]{4,12}")


def pbkdf2_kdf(pin: str, salt: bytes) -> bytes:
    """The production key derivation: PBKDF2-HMAC-SHA256, a few hundred milliseconds of CPU."""
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, PBKDF2_ITERATIONS)


class WalletError(Exception):
    """Base class of the errors the wallet raises on purpose."""


class UnknownAccount(WalletError):
    """The account does not exist."""


class InsufficientFunds(WalletError):
    """The source account's balance is lower than the amount."""


class WalletClosed(WalletError):
    """The wallet has been closed and takes no new transfers."""


@dataclass(frozen=True)
class Receipt:
    id: int
    src: str
    dst: str
    amount: int


class Wallet:
    def __init__(self, store: Store, notifier: Notifier, *, kdf: Kdf = pbkdf2_kdf) -> None:
        self._store = store
        self._notifier = notifier
        self._kdf = kdf
        self._pins: dict[str, tuple[bytes, bytes]] = {}  # account -> (salt, hash)
        self._receipt_ids = itertools.count(1)
        self._closed = False

    async def balance(self, account: str) -> int:
        """The account's balance in cents."""
        return await self._load(account)

    async def transfer(self, src: str, dst: str, amount: int) -> Receipt:
        """Move ``amount`` cents from ``src`` to ``dst`` and notify both account holders."""
        if self._closed:
            raise WalletClosed("the wallet is closed")
        _check_amount(amount)
        if src == dst:
            raise ValueError("cannot transfer to the same account")

        src_balance = await self._load(src)
        dst_balance = await self._load(dst)
        if src_balance < amount:
            raise InsufficientFunds(f"{src} has {src_balance}, cannot send {amount}")
        await self._store.save(src, src_balance - amount)
        await self._store.save(dst, dst_balance + amount)

        receipt = Receipt(next(self._receipt_ids), src, dst, amount)
        self._notify(src, f"sent {amount} to {dst}")
        self._notify(dst, f"received {amount} from {src}")
        return receipt

    async def set_pin(self, account: str, pin: str) -> None:
        """Set (or replace) the account's PIN: 4 to 12 digits."""
        if not isinstance(pin, str) or not _PIN.fullmatch(pin):
            raise ValueError("a PIN is 4 to 12 digits")
        await self._load(account)  # the account must exist
        salt = os.urandom(SALT_BYTES)
        self._pins[account] = (salt, self._kdf(pin, salt))

    async def check_pin(self, account: str, pin: str) -> bool:
        """Whether ``pin`` is the account's PIN (False when it has none)."""
        stored = self._pins.get(account)
        if stored is None or not isinstance(pin, str):
            return False
        salt, expected = stored
        return hmac.compare_digest(self._kdf(pin, salt), expected)

    async def close(self) -> None:
        """Shut the wallet down: no new transfers."""
        self._closed = True

    def _notify(self, account: str, message: str) -> None:
        # Notifications are best-effort and must not slow transfers down: send in the background.
        asyncio.create_task(self._notifier.send(account, message))

    async def _load(self, account: str) -> int:
        try:
            return await self._store.load(account)
        except KeyError:
            raise UnknownAccount(account) from None


def _check_amount(amount: object) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"amount must be a positive integer number of cents, not {amount!r}")
