"""Responsiveness: the slow, synchronous kdf must not stall the event loop.

The kdf here sleeps (``time.sleep``) in place of hashing: a blocking call of a known length.
A heartbeat task ticks every 5 ms; run on the event loop, a 250 ms kdf call leaves a gap of at
least 250 ms between two ticks, run in a worker thread it leaves the loop free (gaps of a few
milliseconds). The bound is 100 ms. Both the kdf and the heartbeat run in the scenario's event
loop, beside the wallet (service/scenarios.py); the gaps come back as numbers.
"""

from support import LAG_BOUND


def accounts():
    return {"alice": 1000, "bob": 500, "carol": 0, "dave": 0}


def test_set_pin_does_not_block_the_event_loop(call):
    seen = call("set_pin_under_heartbeat", balances=accounts(), account="alice", pin="1234",
                kdf_delay=0.25)
    gap = seen["max_gap"]
    assert seen["check"] and seen["kdf_calls"] == 2, "the wallet must use the kdf it was given"
    assert gap < LAG_BOUND, f"the event loop stalled for {gap * 1000:.0f} ms during set_pin"


def test_check_pin_does_not_block_the_event_loop(call):
    seen = call("check_pins_under_heartbeat", balances=accounts(), account="alice", pin="1234",
                attempts=["1234", "0000"], kdf_delay=0.25)
    gap = seen["max_gap"]
    assert seen["results"] == [True, False]
    assert gap < LAG_BOUND, f"the event loop stalled for {gap * 1000:.0f} ms during check_pin"


def test_concurrent_pin_checks_run_in_parallel(call):
    # Four customers log in at once: their PIN checks must not queue behind each other.
    names = ["alice", "bob", "carol", "dave"]
    seen = call("concurrent_pin_checks", balances=accounts(), accounts=names, pin="1234",
                kdf_delay=0.3)
    elapsed, gap = seen["elapsed"], seen["max_gap"]
    assert seen["results"] == [True] * 4
    assert gap < LAG_BOUND, f"the event loop stalled for {gap * 1000:.0f} ms"
    # In parallel: about 0.3 s. One after another: 1.2 s.
    assert elapsed < 0.75, f"4 concurrent PIN checks of 0.3 s each took {elapsed:.2f} s"


def test_transfers_are_not_held_up_by_pin_checks(call):
    seen = call("transfer_during_pin_check", balances=accounts(), account="carol", pin="1234",
                kdf_delay=0.6, transfer=["alice", "bob", 10])
    elapsed = seen["elapsed"]
    assert seen["check"]
    assert seen["stored"]["bob"] == 510
    assert elapsed < 0.3, (
        f"a transfer took {elapsed:.2f} s while another customer's PIN was checked"
    )


def test_the_kdf_never_runs_on_the_event_loop_thread(call):
    seen = call("kdf_threads", balances=accounts(),
                pins=[["alice", "1234"], ["bob", "5678"]],
                checks=[["alice", "1234"], ["bob", "0000"]])
    on_loop_thread = [thread == seen["loop_thread"] for thread in seen["kdf_threads"]]
    assert len(on_loop_thread) == 4, "the wallet must use the kdf it was given"
    assert not any(on_loop_thread), "the kdf ran on the event loop's thread, blocking it"
