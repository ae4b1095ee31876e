"""Shutdown: notifications go out in the background, and close() waits until they are all sent.

After ``await wallet.close()`` every notification of every completed transfer has been handed to
the notifier (or has failed, and the failure was logged), and none of the wallet's tasks is left
running. Transfers never wait for their notifications.
"""

import asyncio
import logging
import random

import pytest

from support import (
    FakeStore,
    Notifier,
    expected_notifications,
    make_wallet,
    run,
    run_strict,
    settle,
    wallet_module,
)


def accounts():
    return {"alice": 1000, "bob": 1000, "carol": 1000, "dave": 1000}


TRANSFERS = [
    ("alice", "bob", 10),
    ("bob", "carol", 20),
    ("carol", "dave", 30),
    ("dave", "alice", 40),
    ("alice", "carol", 50),
    ("bob", "dave", 60),
    ("carol", "alice", 70),
    ("dave", "bob", 80),
]


def test_close_delivers_every_pending_notification():
    async def scenario():
        notifier = Notifier(delay=0.05)
        wallet = make_wallet(FakeStore(accounts()), notifier)
        await asyncio.gather(*(wallet.transfer(*t) for t in TRANSFERS))
        await wallet.close()
        return list(notifier.delivered)

    assert sorted(run_strict(scenario)) == expected_notifications(TRANSFERS)


def test_close_waits_for_slow_deliveries():
    async def scenario():
        notifier = Notifier(gated=True)  # the push gateway is slow today
        wallet = make_wallet(FakeStore(accounts()), notifier)
        for t in TRANSFERS[:3]:
            await wallet.transfer(*t)
        closing = asyncio.create_task(wallet.close())
        await asyncio.sleep(0.2)
        returned_early = closing.done()
        notifier.gate.set()
        await asyncio.wait_for(closing, 2)
        return returned_early, list(notifier.delivered)

    returned_early, delivered = run_strict(scenario)
    assert not returned_early, "close() returned while notifications were still being sent"
    assert sorted(delivered) == expected_notifications(TRANSFERS[:3])


def test_no_task_is_left_running_after_close():
    async def scenario():
        notifier = Notifier(delay=0.02)
        wallet = make_wallet(FakeStore(accounts()), notifier)
        await asyncio.gather(*(wallet.transfer(*t) for t in TRANSFERS))
        await wallet.close()
        left = asyncio.all_tasks() - {asyncio.current_task()}
        return [repr(task) for task in left]

    left = run_strict(scenario)
    assert left == [], f"tasks still pending after close(): {left[:3]}"


def test_transfer_does_not_wait_for_its_notifications():
    async def scenario():
        notifier = Notifier(gated=True)
        store = FakeStore(accounts())
        wallet = make_wallet(store, notifier)
        try:
            receipt = await asyncio.wait_for(wallet.transfer("alice", "bob", 10), 1.0)
        except TimeoutError:
            receipt = None
        notifier.gate.set()
        await wallet.close()
        return receipt, store.balances, list(notifier.delivered)

    receipt, balances, delivered = run(scenario)
    assert receipt is not None, (
        "transfer() waited for the notifier (stuck for 1 s) instead of notifying in the background"
    )
    assert balances["bob"] == 1010
    assert sorted(delivered) == expected_notifications([("alice", "bob", 10)])


def test_a_failed_notification_is_logged_and_does_not_spread(caplog):
    async def scenario():
        notifier = Notifier(delay=0.01, fail_for={"bob"})  # bob's phone is unreachable
        store = FakeStore(accounts())
        wallet = make_wallet(store, notifier)
        await wallet.transfer("alice", "bob", 10)
        await wallet.transfer("carol", "dave", 20)
        try:
            await wallet.close()
        except Exception as exc:  # noqa: BLE001
            return f"close() raised {exc!r}", None
        return None, list(notifier.delivered)

    with caplog.at_level(logging.ERROR):
        problem, delivered = run_strict(scenario)
    assert problem is None, problem
    expected = [
        n
        for n in expected_notifications([("alice", "bob", 10), ("carol", "dave", 20)])
        if n[0] != "bob"
    ]
    assert sorted(delivered) == expected
    logged = [
        r for r in caplog.records if r.name.split(".")[0] == "wallet" and r.levelno >= logging.ERROR
    ]
    assert logged, "the failed delivery must be logged at ERROR level on the 'wallet' logger"


def test_transfer_after_close_is_refused():
    async def scenario():
        notifier = Notifier()
        store = FakeStore(accounts())
        wallet = make_wallet(store, notifier)
        await wallet.close()
        with pytest.raises(wallet_module().WalletClosed):
            await wallet.transfer("alice", "bob", 10)
        await settle()
        return store.balances, list(notifier.delivered)

    balances, delivered = run(scenario)
    assert balances == accounts()
    assert delivered == []


def test_close_can_be_called_twice():
    async def scenario():
        notifier = Notifier(delay=0.01)
        wallet = make_wallet(FakeStore(accounts()), notifier)
        await wallet.transfer("alice", "bob", 10)
        await wallet.close()
        await asyncio.wait_for(wallet.close(), 1)
        return list(notifier.delivered)

    assert sorted(run_strict(scenario)) == expected_notifications([("alice", "bob", 10)])


def test_every_successful_transfer_is_notified_exactly_once():
    rng = random.Random(5)
    names = sorted(accounts())
    transfers = [(*rng.sample(names, 2), rng.randint(1, 400)) for _ in range(300)]

    async def scenario():
        notifier = Notifier(delay=0.002)
        wallet = make_wallet(FakeStore(accounts(), seed=3), notifier)
        results = await asyncio.gather(
            *(wallet.transfer(*t) for t in transfers), return_exceptions=True
        )
        await wallet.close()
        return results, list(notifier.delivered)

    results, delivered = run_strict(scenario)
    succeeded = [
        t for t, r in zip(transfers, results, strict=True) if not isinstance(r, BaseException)
    ]
    assert succeeded
    assert sorted(delivered) == expected_notifications(succeeded)
