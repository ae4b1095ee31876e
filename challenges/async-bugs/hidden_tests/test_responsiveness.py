"""Responsiveness: the slow, synchronous kdf must not stall the event loop.

The kdf here sleeps (``time.sleep``) in place of hashing: a blocking call of a known length.
A heartbeat task ticks every 5 ms; run on the event loop, a 250 ms kdf call leaves a gap of at
least 250 ms between two ticks, run in a worker thread it leaves the loop free (gaps of a few
milliseconds). The bound is 100 ms.
"""

import asyncio
import threading

from support import LAG_BOUND, FakeStore, SlowKdf, heartbeat, make_wallet, run


def accounts():
    return {"alice": 1000, "bob": 500, "carol": 0, "dave": 0}


def test_set_pin_does_not_block_the_event_loop():
    async def scenario():
        kdf = SlowKdf(0.25)
        wallet = make_wallet(FakeStore(accounts()), kdf=kdf)
        async with heartbeat() as lag:
            await wallet.set_pin("alice", "1234")
        ok = await wallet.check_pin("alice", "1234")
        await wallet.close()
        return lag["max_gap"], ok, kdf.calls

    gap, ok, calls = run(scenario)
    assert ok and calls == 2, "the wallet must use the kdf it was given"
    assert gap < LAG_BOUND, f"the event loop stalled for {gap * 1000:.0f} ms during set_pin"


def test_check_pin_does_not_block_the_event_loop():
    async def scenario():
        kdf = SlowKdf(0.0)
        wallet = make_wallet(FakeStore(accounts()), kdf=kdf)
        await wallet.set_pin("alice", "1234")
        kdf.delay = 0.25
        async with heartbeat() as lag:
            right = await wallet.check_pin("alice", "1234")
            wrong = await wallet.check_pin("alice", "0000")
        await wallet.close()
        return lag["max_gap"], right, wrong

    gap, right, wrong = run(scenario)
    assert (right, wrong) == (True, False)
    assert gap < LAG_BOUND, f"the event loop stalled for {gap * 1000:.0f} ms during check_pin"


def test_concurrent_pin_checks_run_in_parallel():
    # Four customers log in at once: their PIN checks must not queue behind each other.
    names = ["alice", "bob", "carol", "dave"]

    async def scenario():
        kdf = SlowKdf(0.0)
        wallet = make_wallet(FakeStore(accounts()), kdf=kdf)
        for name in names:
            await wallet.set_pin(name, "1234")
        kdf.delay = 0.3
        loop = asyncio.get_running_loop()
        async with heartbeat() as lag:
            start = loop.time()
            results = await asyncio.gather(*(wallet.check_pin(name, "1234") for name in names))
            elapsed = loop.time() - start
        await wallet.close()
        return results, elapsed, lag["max_gap"]

    results, elapsed, gap = run(scenario)
    assert results == [True] * 4
    assert gap < LAG_BOUND, f"the event loop stalled for {gap * 1000:.0f} ms"
    # In parallel: about 0.3 s. One after another: 1.2 s.
    assert elapsed < 0.75, f"4 concurrent PIN checks of 0.3 s each took {elapsed:.2f} s"


def test_transfers_are_not_held_up_by_pin_checks():
    async def scenario():
        kdf = SlowKdf(0.0)
        store = FakeStore(accounts())
        wallet = make_wallet(store, kdf=kdf)
        await wallet.set_pin("carol", "1234")
        kdf.delay = 0.6
        loop = asyncio.get_running_loop()
        start = loop.time()
        login = asyncio.create_task(wallet.check_pin("carol", "1234"))
        await asyncio.sleep(0)  # the PIN check is under way
        await wallet.transfer("alice", "bob", 10)
        elapsed = loop.time() - start
        ok = await login
        await wallet.close()
        return elapsed, ok, store.balances

    elapsed, ok, balances = run(scenario)
    assert ok
    assert balances["bob"] == 510
    assert elapsed < 0.3, (
        f"a transfer took {elapsed:.2f} s while another customer's PIN was checked"
    )


def test_the_kdf_never_runs_on_the_event_loop_thread():
    class ThreadRecordingKdf(SlowKdf):
        def __init__(self):
            super().__init__(0.0)
            self.threads = []

        def __call__(self, pin, salt):
            self.threads.append(threading.current_thread() is threading.main_thread())
            return super().__call__(pin, salt)

    async def scenario():
        kdf = ThreadRecordingKdf()
        wallet = make_wallet(FakeStore(accounts()), kdf=kdf)
        await wallet.set_pin("alice", "1234")
        await wallet.set_pin("bob", "5678")
        await wallet.check_pin("alice", "1234")
        await wallet.check_pin("bob", "0000")
        await wallet.close()
        return kdf.threads

    on_loop_thread = run(scenario)
    assert len(on_loop_thread) == 4, "the wallet must use the kdf it was given"
    assert not any(on_loop_thread), "the kdf ran on the event loop's thread, blocking it"
