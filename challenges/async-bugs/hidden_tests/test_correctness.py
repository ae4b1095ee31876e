"""Correctness: what the wallet does one call at a time (the starter already gets this right)."""

import pytest

from support import (
    FakeStore,
    Notifier,
    expected_notifications,
    make_wallet,
    run,
    settle,
    wallet_module,
)


def accounts():
    return {"alice": 1000, "bob": 500, "carol": 0}


def test_transfer_moves_money_and_returns_a_receipt():
    async def scenario():
        store = FakeStore(accounts())
        wallet = make_wallet(store)
        receipt = await wallet.transfer("alice", "bob", 300)
        balances = (
            await wallet.balance("alice"),
            await wallet.balance("bob"),
            await wallet.balance("carol"),
        )
        await wallet.close()
        return receipt, balances, store.balances

    receipt, balances, stored = run(scenario)
    assert (receipt.src, receipt.dst, receipt.amount) == ("alice", "bob", 300)
    assert isinstance(receipt.id, int)
    assert balances == (700, 800, 0)
    assert stored == {"alice": 700, "bob": 800, "carol": 0}


def test_receipt_ids_are_distinct_and_increasing():
    async def scenario():
        wallet = make_wallet(FakeStore(accounts()))
        ids = [(await wallet.transfer("alice", "bob", 1)).id for _ in range(5)]
        await wallet.close()
        return ids

    ids = run(scenario)
    assert ids == sorted(ids) and len(set(ids)) == 5, ids


def test_an_account_can_be_emptied_exactly():
    async def scenario():
        store = FakeStore(accounts())
        wallet = make_wallet(store)
        await wallet.transfer("bob", "carol", 500)
        await wallet.close()
        return store.balances

    assert run(scenario) == {"alice": 1000, "bob": 0, "carol": 500}


def test_insufficient_funds_changes_nothing_and_notifies_nobody():
    async def scenario():
        store = FakeStore(accounts())
        notifier = Notifier()
        wallet = make_wallet(store, notifier)
        with pytest.raises(wallet_module().InsufficientFunds):
            await wallet.transfer("bob", "alice", 501)
        with pytest.raises(wallet_module().InsufficientFunds):
            await wallet.transfer("carol", "alice", 1)
        await wallet.close()
        return store.balances, notifier.delivered

    balances, delivered = run(scenario)
    assert balances == accounts()
    assert delivered == []


@pytest.mark.parametrize("src, dst", [("mallory", "bob"), ("alice", "mallory")], ids=["src", "dst"])
def test_unknown_account_is_rejected_and_changes_nothing(src, dst):
    async def scenario():
        store = FakeStore(accounts())
        wallet = make_wallet(store)
        with pytest.raises(wallet_module().UnknownAccount):
            await wallet.transfer(src, dst, 10)
        with pytest.raises(wallet_module().UnknownAccount):
            await wallet.balance("mallory")
        await wallet.close()
        return store.balances

    assert run(scenario) == accounts()


def test_amount_must_be_a_positive_int():
    async def scenario():
        store = FakeStore(accounts())
        wallet = make_wallet(store)
        for amount in [0, -5, 1.5, 10.0, "10", None, True]:
            with pytest.raises(ValueError):
                await wallet.transfer("alice", "bob", amount)
        with pytest.raises(ValueError):
            await wallet.transfer("alice", "alice", 10)
        await wallet.close()
        return store.balances

    assert run(scenario) == accounts()


def test_errors_share_a_base_class():
    module = wallet_module()
    for name in ["UnknownAccount", "InsufficientFunds", "WalletClosed"]:
        assert issubclass(getattr(module, name), module.WalletError), name


def test_each_transfer_notifies_both_parties():
    async def scenario():
        notifier = Notifier()
        wallet = make_wallet(FakeStore(accounts()), notifier)
        await wallet.transfer("alice", "bob", 300)
        await wallet.transfer("bob", "carol", 42)
        await settle()  # notifications are sent in the background
        delivered = list(notifier.delivered)
        await wallet.close()
        return delivered

    assert sorted(run(scenario)) == expected_notifications(
        [("alice", "bob", 300), ("bob", "carol", 42)]
    )


def test_pins_are_checked():
    async def scenario():
        wallet = make_wallet(FakeStore(accounts()))
        await wallet.set_pin("alice", "1234")
        await wallet.set_pin("bob", "987654321012")
        results = [
            await wallet.check_pin("alice", "1234"),
            await wallet.check_pin("alice", "4321"),
            await wallet.check_pin("bob", "987654321012"),
            await wallet.check_pin("bob", "1234"),
            await wallet.check_pin("carol", "1234"),  # no PIN set
            await wallet.check_pin("mallory", "1234"),  # no such account
        ]
        await wallet.set_pin("alice", "5555")  # replaces the old one
        results += [
            await wallet.check_pin("alice", "5555"),
            await wallet.check_pin("alice", "1234"),
        ]
        await wallet.close()
        return results

    assert run(scenario) == [True, False, True, False, False, False, True, False]


def test_set_pin_validates_its_input():
    async def scenario():
        wallet = make_wallet(FakeStore(accounts()))
        for pin in ["123", "1234567890123", "12a4", "", 1234, None]:
            with pytest.raises(ValueError):
                await wallet.set_pin("alice", pin)
        with pytest.raises(wallet_module().UnknownAccount):
            await wallet.set_pin("mallory", "1234")
        result = await wallet.check_pin("alice", "1234")
        await wallet.close()
        return result

    assert run(scenario) is False
