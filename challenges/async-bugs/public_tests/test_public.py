"""Public tests: a sample of what the hidden suite grades (it checks much more).

Plain synchronous tests, each running its own event loop with asyncio.run(): no pytest plugin
needed. The first two pass on the code you were given; the other three reproduce the bug report.
"""

import asyncio
import hashlib
import time

import pytest

from app.notify import LogNotifier
from app.store import MemoryStore
from app.wallet import InsufficientFunds, Wallet


def quick_kdf(pin: str, salt: bytes) -> bytes:
    return hashlib.sha256(salt + pin.encode()).digest()


def slow_kdf(pin: str, salt: bytes) -> bytes:
    time.sleep(0.25)  # stands in for PBKDF2: a blocking call of a known length
    return quick_kdf(pin, salt)


def test_transfer_moves_money():
    async def scenario():
        store = MemoryStore({"alice": 1000, "bob": 500})
        wallet = Wallet(store, LogNotifier(latency=0), kdf=quick_kdf)
        receipt = await wallet.transfer("alice", "bob", 300)
        await wallet.close()
        return receipt, store.snapshot()

    receipt, balances = asyncio.run(scenario())
    assert (receipt.src, receipt.dst, receipt.amount) == ("alice", "bob", 300)
    assert balances == {"alice": 700, "bob": 800}


def test_insufficient_funds_changes_nothing():
    async def scenario():
        store = MemoryStore({"alice": 100, "bob": 0})
        wallet = Wallet(store, LogNotifier(latency=0), kdf=quick_kdf)
        with pytest.raises(InsufficientFunds):
            await wallet.transfer("alice", "bob", 101)
        await wallet.close()
        return store.snapshot()

    assert asyncio.run(scenario()) == {"alice": 100, "bob": 0}


def test_concurrent_transfers_keep_the_total():
    names = [f"acct-{i}" for i in range(5)]
    transfers = [(names[i % 5], names[(i * 3 + 1) % 5], 1 + i % 7) for i in range(200)]
    transfers = [t for t in transfers if t[0] != t[1]]

    async def scenario():
        store = MemoryStore({name: 10_000 for name in names})
        wallet = Wallet(store, LogNotifier(latency=0), kdf=quick_kdf)
        await asyncio.wait_for(asyncio.gather(*(wallet.transfer(*t) for t in transfers)), 5)
        await wallet.close()
        return store.snapshot()

    balances = asyncio.run(scenario())
    assert sum(balances.values()) == 50_000, f"money was created or destroyed: {balances}"


def test_set_pin_does_not_stall_the_event_loop():
    async def scenario():
        loop = asyncio.get_running_loop()
        wallet = Wallet(MemoryStore({"alice": 0}), LogNotifier(latency=0), kdf=slow_kdf)
        longest_gap = 0.0
        last = loop.time()

        async def heartbeat():
            nonlocal longest_gap, last
            while True:
                await asyncio.sleep(0.005)
                longest_gap = max(longest_gap, loop.time() - last)
                last = loop.time()

        beat = asyncio.create_task(heartbeat())
        await asyncio.sleep(0.02)
        await wallet.set_pin("alice", "1234")
        longest_gap = max(longest_gap, loop.time() - last)
        beat.cancel()
        await wallet.close()
        return longest_gap

    gap = asyncio.run(scenario())
    assert gap < 0.1, f"the event loop stalled for {gap * 1000:.0f} ms"


def test_close_delivers_pending_notifications():
    async def scenario():
        notifier = LogNotifier(latency=0.05)
        wallet = Wallet(MemoryStore({"alice": 1000, "bob": 0}), notifier, kdf=quick_kdf)
        await wallet.transfer("alice", "bob", 10)
        await wallet.close()
        return sorted(notifier.delivered)

    assert asyncio.run(scenario()) == [
        ("alice", "sent 10 to bob"),
        ("bob", "received 10 from alice"),
    ]
