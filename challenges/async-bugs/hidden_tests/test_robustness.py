"""Robustness: failures and cancellations leave the books consistent and the wallet usable.

A transfer that fails (insufficient funds, unknown account, a store error) must not leave
anything locked. A transfer that is cancelled (a client timeout) must happen entirely or not at
all: never a debit without its credit, even when the cancellation arrives between the writes.
"""

from support import assert_raised, failed, returned


def test_failed_transfers_release_their_locks(call):
    seen = call("calls_in_turn", balances={"alice": 100, "bob": 100}, deadline=3, calls=[
        ["transfer", "alice", "bob", 1000],
        ["transfer", "alice", "mallory", 1],
        ["transfer", "mallory", "bob", 1],
        # Each of these needs the locks the failed transfers took.
        ["transfer", "alice", "bob", 30],
        ["transfer", "bob", "alice", 50],
    ])
    short, unknown_dst, unknown_src, *after = seen["outcomes"]
    assert_raised(short, "InsufficientFunds")
    assert_raised(unknown_dst, "UnknownAccount")
    assert_raised(unknown_src, "UnknownAccount")
    for outcome in after:
        returned(outcome)
    assert seen["stored"] == {"alice": 120, "bob": 80}


def test_store_errors_release_locks(call):
    seen = call("transfers_over_a_flaky_store", balances={"alice": 100, "carol": 100},
                broken=["carol"], deadline=3,
                failing=[["alice", "carol", 10], ["carol", "alice", 10]],
                then=[["alice", "carol", 10], ["carol", "alice", 30]])
    for outcome in seen["failing"]:
        assert_raised(outcome, "Exception")  # store errors may propagate as they are
    assert seen["stored"] == {"alice": 120, "carol": 80}


def test_cancellation_between_the_writes_keeps_the_books_consistent(call):
    seen = call("cancel_between_the_writes", balances={"alice": 1000, "bob": 1000}, deadline=3,
                first=["alice", "bob", 300], second=["bob", "alice", 100])
    _, second = seen["results"]
    balances = seen["stored"]
    assert not failed(second) and second["returned"]["is_receipt"], (
        f"the second transfer failed: {second}"
    )
    assert sum(balances.values()) == 2000, f"money was created or destroyed: {balances}"
    # Either the cancelled transfer happened entirely, or not at all.
    assert balances in ({"alice": 800, "bob": 1200}, {"alice": 1100, "bob": 900}), balances


def test_timeout_between_the_writes_keeps_the_books_consistent(call):
    seen = call("timeout_between_the_writes", balances={"alice": 1000, "bob": 1000}, deadline=3,
                transfer=["alice", "bob", 300], timeout=0.05, release_after=0.3,
                then=["bob", "alice", 100])  # the wallet still works
    after_timeout = seen["after_timeout"]
    assert after_timeout in ({"alice": 700, "bob": 1300}, {"alice": 1000, "bob": 1000}), (
        f"a timed-out transfer was applied half-way: {after_timeout}"
    )
    assert sum(seen["stored"].values()) == 2000, seen["stored"]


def test_cancelling_a_queued_transfer_is_harmless(call):
    seen = call("cancel_a_queued_transfer", balances={"alice": 1000, "bob": 1000, "carol": 1000},
                deadline=3, first=["alice", "bob", 100],
                queued=["alice", "carol", 50],  # needs alice: waits
                then=["alice", "carol", 10])  # alice is not left locked
    first, _ = seen["results"]
    balances = seen["stored"]
    assert not failed(first) and first["returned"]["is_receipt"], (
        f"the first transfer failed: {first}"
    )
    assert sum(balances.values()) == 3000, f"money was created or destroyed: {balances}"
    assert balances in (
        {"alice": 890, "bob": 1100, "carol": 1010},  # the cancelled transfer did not happen
        {"alice": 840, "bob": 1100, "carol": 1060},  # or it did, entirely
    ), balances
