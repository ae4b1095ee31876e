"""Concurrency: many transfers in flight at once must behave as if they ran one after another.

The store yields to the event loop on every call, as a database round trip would, so concurrent
transfers interleave. Money must never be created or destroyed, no balance may go negative, and
the final balances must equal those of some one-at-a-time order. Deadlocks fail by timeout.
"""

import random
from collections import Counter

from support import failed, returned

ACCOUNTS = [f"acct-{i}" for i in range(10)]


def random_transfers(seed: int, count: int, max_amount: int) -> list[tuple[str, str, int]]:
    rng = random.Random(seed)
    transfers = []
    for _ in range(count):
        src, dst = rng.sample(ACCOUNTS, 2)
        transfers.append((src, dst, rng.randint(1, max_amount)))
    return transfers


def apply(balances: dict[str, int], transfers) -> dict[str, int]:
    out = dict(balances)
    for src, dst, amount in transfers:
        out[src] -= amount
        out[dst] += amount
    return out


def test_many_concurrent_transfers_keep_the_books(call):
    initial = {name: 1_000_000 for name in ACCOUNTS}
    transfers = random_transfers(seed=20240501, count=1000, max_amount=500)

    seen = call("concurrent_transfers", balances=initial, transfers=transfers, seed=7)
    receipts = [returned(r) for r in seen["results"]]
    assert len({r["id"] for r in receipts}) == len(transfers), "receipt ids must be distinct"
    assert sum(seen["stored"].values()) == sum(initial.values()), "money was created or destroyed"
    # Every transfer can succeed in any order here, so the result is order-independent.
    assert seen["stored"] == apply(initial, transfers)


def test_concurrent_transfers_with_scarce_funds_stay_consistent(call):
    initial = {name: 1000 for name in ACCOUNTS}
    transfers = random_transfers(seed=99, count=1000, max_amount=600)

    seen = call("concurrent_transfers", balances=initial, transfers=transfers, seed=11)
    results = seen["results"]
    unexpected = [r for r in results if failed(r) and "InsufficientFunds" not in r["kinds"]]
    assert not unexpected, f"transfers failed with unexpected errors: {unexpected[:3]}"
    succeeded = [t for t, r in zip(transfers, results, strict=True) if not failed(r)]
    assert 0 < len(succeeded) < len(transfers)
    assert seen["negative_writes"] == [], "a balance went negative (overdraft)"
    assert sum(seen["stored"].values()) == sum(initial.values()), "money was created or destroyed"
    # Whatever the order, the final balances are what the successful transfers add up to.
    assert seen["stored"] == apply(initial, succeeded)


def test_concurrent_withdrawals_cannot_overdraw(call):
    payees = [f"payee-{i}" for i in range(10)]

    seen = call("concurrent_transfers", balances={"shared": 500, **{p: 0 for p in payees}},
                transfers=[("shared", p, 100) for p in payees])
    outcomes = Counter(r["raised"] if failed(r) else "ok" for r in seen["results"])
    assert outcomes == {"ok": 5, "InsufficientFunds": 5}, (
        f"10 concurrent transfers of 100 from an account holding 500: {dict(outcomes)}"
    )
    assert seen["stored"]["shared"] == 0
    assert sum(seen["stored"][p] for p in payees) == 500
    assert seen["negative_writes"] == []


def test_concurrent_deposits_are_not_lost(call):
    payers = [f"payer-{i}" for i in range(20)]

    seen = call("concurrent_transfers", balances={"pot": 0, **{p: 100 for p in payers}},
                transfers=[(p, "pot", 100) for p in payers])
    for result in seen["results"]:
        returned(result)
    balances = seen["stored"]
    assert balances["pot"] == 2000, (
        f"20 concurrent deposits of 100 left {balances['pot']} instead of 2000"
    )
    assert all(balances[p] == 0 for p in payers)


def test_opposite_transfers_do_not_deadlock(call):
    # alice -> bob while bob -> alice (and bob -> carol holding bob's balance up front):
    # locks taken in argument order deadlock here; the test fails by timeout instead of hanging.
    pattern = [("bob", "carol", 1), ("bob", "alice", 2), ("alice", "bob", 3)]
    transfers = pattern * 20 + [("alice", "bob", 5), ("bob", "alice", 7)] * 20
    initial = {"alice": 10_000, "bob": 10_000, "carol": 10_000}

    seen = call("concurrent_transfers", balances=initial, transfers=transfers, deadline=3)
    for result in seen["results"]:
        returned(result)
    assert seen["stored"] == apply(initial, transfers), "updates were lost"


def test_transfers_around_a_cycle_do_not_deadlock(call):
    ring = [f"ring-{i}" for i in range(5)]
    transfers = []
    for round_ in range(10):
        for i, name in enumerate(ring):
            nxt = ring[(i + 1) % len(ring)]
            transfers.append(
                (name, nxt, 1 + round_) if round_ % 2 == 0 else (nxt, name, 1 + round_)
            )
    initial = {name: 1000 for name in ring}

    seen = call("concurrent_transfers", balances=initial, transfers=transfers, yields=2, deadline=3)
    for result in seen["results"]:
        returned(result)
    assert seen["stored"] == apply(initial, transfers), "updates were lost"
