"""Correctness: what the wallet does one call at a time (the starter already gets this right)."""

import pytest
from support import assert_raised, expected_notifications, pairs, returned


def accounts():
    return {"alice": 1000, "bob": 500, "carol": 0}


def test_transfer_moves_money_and_returns_a_receipt(call):
    seen = call("calls_in_turn", balances=accounts(), calls=[
        ["transfer", "alice", "bob", 300],
        ["balance", "alice"],
        ["balance", "bob"],
        ["balance", "carol"],
    ])
    receipt, *balances = (returned(o) for o in seen["outcomes"])
    assert (receipt["src"], receipt["dst"], receipt["amount"]) == ("alice", "bob", 300)
    assert isinstance(receipt["id"], int)
    assert balances == [700, 800, 0]
    assert seen["stored"] == {"alice": 700, "bob": 800, "carol": 0}


def test_receipt_ids_are_distinct_and_increasing(call):
    seen = call("calls_in_turn", balances=accounts(), calls=[["transfer", "alice", "bob", 1]] * 5)
    ids = [returned(o)["id"] for o in seen["outcomes"]]
    assert ids == sorted(ids) and len(set(ids)) == 5, ids


def test_an_account_can_be_emptied_exactly(call):
    seen = call("calls_in_turn", balances=accounts(), calls=[["transfer", "bob", "carol", 500]])
    returned(seen["outcomes"][0])
    assert seen["stored"] == {"alice": 1000, "bob": 0, "carol": 500}


def test_insufficient_funds_changes_nothing_and_notifies_nobody(call):
    seen = call("calls_in_turn", balances=accounts(), calls=[
        ["transfer", "bob", "alice", 501],
        ["transfer", "carol", "alice", 1],
    ])
    for outcome in seen["outcomes"]:
        assert_raised(outcome, "InsufficientFunds")
    assert seen["stored"] == accounts()
    assert seen["delivered"] == []


@pytest.mark.parametrize("src, dst", [("mallory", "bob"), ("alice", "mallory")], ids=["src", "dst"])
def test_unknown_account_is_rejected_and_changes_nothing(call, src, dst):
    seen = call("calls_in_turn", balances=accounts(), calls=[
        ["transfer", src, dst, 10],
        ["balance", "mallory"],
    ])
    for outcome in seen["outcomes"]:
        assert_raised(outcome, "UnknownAccount")
    assert seen["stored"] == accounts()


def test_amount_must_be_a_positive_int(call):
    calls = [["transfer", "alice", "bob", amount] for amount in [0, -5, 1.5, 10.0, "10", None, True]]
    calls.append(["transfer", "alice", "alice", 10])
    seen = call("calls_in_turn", balances=accounts(), calls=calls)
    for calling, outcome in zip(calls, seen["outcomes"], strict=True):
        assert_raised(outcome, "ValueError", calling)
    assert seen["stored"] == accounts()


def test_errors_share_a_base_class(call):
    names = ["UnknownAccount", "InsufficientFunds", "WalletClosed"]
    subclass = call("error_classes", names=names, base="WalletError")
    for name in names:
        assert subclass[name] is True, name


def test_each_transfer_notifies_both_parties(call):
    delivered = call("transfers_then_settle", balances=accounts(), transfers=[
        ["alice", "bob", 300],
        ["bob", "carol", 42],
    ])
    assert pairs(delivered) == expected_notifications([("alice", "bob", 300), ("bob", "carol", 42)])


def test_pins_are_checked(call):
    calls = [
        ["set_pin", "alice", "1234"],
        ["set_pin", "bob", "987654321012"],
        ["check_pin", "alice", "1234"],
        ["check_pin", "alice", "4321"],
        ["check_pin", "bob", "987654321012"],
        ["check_pin", "bob", "1234"],
        ["check_pin", "carol", "1234"],  # no PIN set
        ["check_pin", "mallory", "1234"],  # no such account
        ["set_pin", "alice", "5555"],  # replaces the old one
        ["check_pin", "alice", "5555"],
        ["check_pin", "alice", "1234"],
    ]
    seen = call("calls_in_turn", balances=accounts(), calls=calls)
    results = [returned(o) for o in seen["outcomes"]]  # every call succeeds
    checks = [r for (method, *_), r in zip(calls, results, strict=True) if method == "check_pin"]
    assert checks == [True, False, True, False, False, False, True, False]


def test_set_pin_validates_its_input(call):
    bad_pins = ["123", "1234567890123", "12a4", "", 1234, None]
    seen = call("calls_in_turn", balances=accounts(), calls=[
        *(["set_pin", "alice", pin] for pin in bad_pins),
        ["set_pin", "mallory", "1234"],
        ["check_pin", "alice", "1234"],
    ])
    *rejected, unknown, check = seen["outcomes"]
    for pin, outcome in zip(bad_pins, rejected, strict=True):
        assert_raised(outcome, "ValueError", pin)
    assert_raised(unknown, "UnknownAccount")
    assert returned(check) is False
