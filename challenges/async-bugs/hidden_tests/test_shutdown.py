"""Shutdown: notifications go out in the background, and close() waits until they are all sent.

After ``await wallet.close()`` every notification of every completed transfer has been handed to
the notifier (or has failed, and the failure was logged), and none of the wallet's tasks is left
running. Transfers never wait for their notifications.
"""

import logging
import random

from support import assert_raised, clean, expected_notifications, failed, pairs, returned


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


def test_close_delivers_every_pending_notification(call):
    seen = clean(call("close_after_transfers", balances=accounts(), transfers=TRANSFERS,
                      notifier_delay=0.05))
    for result in seen["results"]:
        returned(result)
    assert pairs(seen["delivered"]) == expected_notifications(TRANSFERS)


def test_close_waits_for_slow_deliveries(call):
    # The push gateway is slow today: held back for 0.2 s after close() starts.
    seen = clean(call("close_while_deliveries_are_held", balances=accounts(),
                      transfers=TRANSFERS[:3], hold=0.2, close_timeout=2))
    assert not seen["returned_early"], "close() returned while notifications were still being sent"
    assert pairs(seen["delivered"]) == expected_notifications(TRANSFERS[:3])


def test_no_task_is_left_running_after_close(call):
    seen = clean(call("close_after_transfers", balances=accounts(), transfers=TRANSFERS,
                      notifier_delay=0.02))
    for result in seen["results"]:
        returned(result)
    left = seen["tasks_left"]
    assert left == [], f"tasks still pending after close(): {left[:3]}"


def test_transfer_does_not_wait_for_its_notifications(call):
    seen = call("transfer_with_a_stuck_notifier", balances=accounts(),
                transfer=["alice", "bob", 10], timeout=1.0)
    assert seen["receipt"] is not None, (
        "transfer() waited for the notifier (stuck for 1 s) instead of notifying in the background"
    )
    assert seen["stored"]["bob"] == 1010
    assert pairs(seen["delivered"]) == expected_notifications([("alice", "bob", 10)])


def test_a_failed_notification_is_logged_and_does_not_spread(call):
    transfers = [("alice", "bob", 10), ("carol", "dave", 20)]
    seen = call("close_with_failing_deliveries", balances=accounts(), transfers=transfers,
                notifier_delay=0.01, fail_for=["bob"])  # bob's phone is unreachable
    value = clean(seen)
    problem = value["close_raised"]
    assert problem is None, f"close() raised {problem['raised']}: {problem['message']}"
    expected = [n for n in expected_notifications(transfers) if n[0] != "bob"]
    assert pairs(value["delivered"]) == expected
    logged = [
        (name, level) for name, level in seen["log"]
        if name.split(".")[0] == "wallet" and level >= logging.ERROR
    ]
    assert logged, "the failed delivery must be logged at ERROR level on the 'wallet' logger"


def test_transfer_after_close_is_refused(call):
    seen = call("transfer_after_close", balances=accounts(), transfer=["alice", "bob", 10])
    assert_raised(seen["outcome"], "WalletClosed")
    assert seen["stored"] == accounts()
    assert seen["delivered"] == []


def test_close_can_be_called_twice(call):
    delivered = clean(call("close_twice", balances=accounts(), transfers=[["alice", "bob", 10]],
                           notifier_delay=0.01, second_timeout=1))
    assert pairs(delivered) == expected_notifications([("alice", "bob", 10)])


def test_every_successful_transfer_is_notified_exactly_once(call):
    rng = random.Random(5)
    names = sorted(accounts())
    transfers = [(*rng.sample(names, 2), rng.randint(1, 400)) for _ in range(300)]
    seen = clean(call("close_after_transfers", balances=accounts(), transfers=transfers,
                      notifier_delay=0.002, seed=3))
    succeeded = [t for t, r in zip(transfers, seen["results"], strict=True) if not failed(r)]
    assert succeeded
    assert pairs(seen["delivered"]) == expected_notifications(succeeded)
