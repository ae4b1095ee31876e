"""Robustness: failures and cancellations leave the books consistent and the wallet usable.

A transfer that fails (insufficient funds, unknown account, a store error) must not leave
anything locked. A transfer that is cancelled (a client timeout) must happen entirely or not at
all: never a debit without its credit, even when the cancellation arrives between the writes.
"""

import asyncio

import pytest

from support import FakeStore, FlakyStore, GatedStore, make_wallet, run, settle, wallet_module


def test_failed_transfers_release_their_locks():
    async def scenario():
        store = FakeStore({"alice": 100, "bob": 100})
        wallet = make_wallet(store)
        with pytest.raises(wallet_module().InsufficientFunds):
            await wallet.transfer("alice", "bob", 1000)
        with pytest.raises(wallet_module().UnknownAccount):
            await wallet.transfer("alice", "mallory", 1)
        with pytest.raises(wallet_module().UnknownAccount):
            await wallet.transfer("mallory", "bob", 1)
        # Each of these needs the locks the failed transfers took.
        await wallet.transfer("alice", "bob", 30)
        await wallet.transfer("bob", "alice", 50)
        await wallet.close()
        return store.balances

    assert run(scenario, deadline=3) == {"alice": 120, "bob": 80}


def test_store_errors_release_locks():
    async def scenario():
        store = FlakyStore({"alice": 100, "carol": 100}, broken={"carol"})
        wallet = make_wallet(store)
        with pytest.raises(Exception):  # noqa: B017 (store errors may propagate as they are)
            await wallet.transfer("alice", "carol", 10)
        with pytest.raises(Exception):  # noqa: B017 (store errors may propagate as they are)
            await wallet.transfer("carol", "alice", 10)
        store.broken.clear()  # the database is back
        await wallet.transfer("alice", "carol", 10)
        await wallet.transfer("carol", "alice", 30)
        await wallet.close()
        return store.balances

    assert run(scenario, deadline=3) == {"alice": 120, "carol": 80}


def test_cancellation_between_the_writes_keeps_the_books_consistent():
    async def scenario():
        store = GatedStore({"alice": 1000, "bob": 1000})
        wallet = make_wallet(store)
        first = asyncio.create_task(wallet.transfer("alice", "bob", 300))
        await asyncio.wait_for(store.first_save_landed.wait(), 1)
        first.cancel()  # the client gave up while the first write was being acknowledged
        await settle(5)
        # A second transfer between the same accounts: it must not see a half-done first one.
        second = asyncio.create_task(wallet.transfer("bob", "alice", 100))
        await settle()
        store.gate.set()
        results = await asyncio.gather(first, second, return_exceptions=True)
        await wallet.close()
        await settle()
        return results, store.balances

    (first, second), balances = run(scenario, deadline=3)
    assert isinstance(second, wallet_module().Receipt), f"the second transfer failed: {second!r}"
    assert sum(balances.values()) == 2000, f"money was created or destroyed: {balances}"
    # Either the cancelled transfer happened entirely, or not at all.
    assert balances in ({"alice": 800, "bob": 1200}, {"alice": 1100, "bob": 900}), balances


def test_timeout_between_the_writes_keeps_the_books_consistent():
    async def scenario():
        store = GatedStore({"alice": 1000, "bob": 1000})
        wallet = make_wallet(store)
        asyncio.get_running_loop().call_later(0.3, store.gate.set)
        try:
            outcome = await asyncio.wait_for(wallet.transfer("alice", "bob", 300), 0.05)
        except TimeoutError:
            outcome = "timeout"
        await asyncio.wait_for(store.gate.wait(), 1)
        await settle()
        after_timeout = dict(store.balances)
        await wallet.transfer("bob", "alice", 100)  # the wallet still works
        await wallet.close()
        return outcome, after_timeout, store.balances

    outcome, after_timeout, balances = run(scenario, deadline=3)
    assert after_timeout in ({"alice": 700, "bob": 1300}, {"alice": 1000, "bob": 1000}), (
        f"a timed-out transfer was applied half-way: {after_timeout}"
    )
    assert sum(balances.values()) == 2000, balances


def test_cancelling_a_queued_transfer_is_harmless():
    async def scenario():
        store = GatedStore({"alice": 1000, "bob": 1000, "carol": 1000})
        wallet = make_wallet(store)
        first = asyncio.create_task(wallet.transfer("alice", "bob", 100))
        await asyncio.wait_for(store.first_save_landed.wait(), 1)
        queued = asyncio.create_task(wallet.transfer("alice", "carol", 50))  # needs alice: waits
        await settle()
        queued.cancel()
        await settle()
        store.gate.set()
        results = await asyncio.gather(first, queued, return_exceptions=True)
        await wallet.transfer("alice", "carol", 10)  # alice is not left locked
        await wallet.close()
        return results, store.balances

    (first, queued), balances = run(scenario, deadline=3)
    assert isinstance(first, wallet_module().Receipt), f"the first transfer failed: {first!r}"
    assert sum(balances.values()) == 3000, f"money was created or destroyed: {balances}"
    assert balances in (
        {"alice": 890, "bob": 1100, "carol": 1010},  # the cancelled transfer did not happen
        {"alice": 840, "bob": 1100, "carol": 1060},  # or it did, entirely
    ), balances
