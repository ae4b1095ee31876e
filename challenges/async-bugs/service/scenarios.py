"""The steps of the graded suite: each runs one scenario against the candidate's wallet, in
its own event loop, beside the candidate's code, and returns what happened as plain data.

The driver (runner/driver.py) serves every public function of this file as a step; the hidden
tests call them with the scenario's inputs (balances, transfers, delays, deadlines) and hold
every assertion and every expected value. A step never judges: it reports what the wallet
returned or raised (observe.attempt), what the fakes saw (fakes.py), and what was measured
beside the wallet (event-loop lag, elapsed time, the kdf's threads, unhandled task problems,
log records). Modules are imported whole, so that nothing but the steps is callable here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING

import fakes
import observe

if TYPE_CHECKING:
    from typing import Any

# One call at a time ---------------------------------------------------------------------

_METHODS = {"transfer": observe.receipt, "balance": None, "set_pin": None, "check_pin": None}


def calls_in_turn(
    balances: dict[str, int], calls: list[list[Any]], deadline: float = observe.DEADLINE
) -> dict[str, Any]:
    """Each of ``calls`` (``[method, *args]``, a method of the wallet) awaited in turn, then
    ``close()``: each call's outcome, the store's balances and the notifications delivered."""

    async def scenario() -> dict[str, Any]:
        store = fakes.FakeStore(balances)
        notifier = fakes.Notifier()
        wallet = observe.make_wallet(store, notifier)
        outcomes = []
        for name, *args in calls:
            if name not in _METHODS:
                raise ValueError(f"calls_in_turn: not a method of the contract: {name!r}")
            method = getattr(wallet, name)
            outcomes.append(await observe.attempt(method, *args, describe=_METHODS[name]))
        await wallet.close()
        return {
            "outcomes": outcomes,
            "stored": observe.plain(store.balances),
            "delivered": observe.plain(notifier.delivered),
        }

    return observe.run(scenario, deadline=deadline)


def transfers_then_settle(balances: dict[str, int], transfers: list[list[Any]]) -> list[Any]:
    """The transfers one after another, then a while for background work: what the notifier
    had delivered by then (before ``close()``)."""

    async def scenario() -> Any:
        notifier = fakes.Notifier()
        wallet = observe.make_wallet(fakes.FakeStore(balances), notifier)
        for transfer in transfers:
            await wallet.transfer(*transfer)
        await observe.settle()  # notifications are sent in the background
        delivered = observe.plain(notifier.delivered)
        await wallet.close()
        return delivered

    return observe.run(scenario)


def error_classes(names: list[str], base: str) -> dict[str, bool]:
    """Whether each of ``app.wallet``'s classes ``names`` is a subclass of its ``base``."""
    module = observe.wallet_module()
    return {name: issubclass(getattr(module, name), getattr(module, base)) for name in names}


# Concurrency ----------------------------------------------------------------------------


def concurrent_transfers(
    balances: dict[str, int],
    transfers: list[list[Any]],
    seed: int | None = None,
    yields: int = 1,
    deadline: float = observe.DEADLINE,
) -> dict[str, Any]:
    """All ``transfers`` at once (``asyncio.gather``) over a store that yields ``yields``
    times per call (a seeded random 0-3 with ``seed``), then ``close()``: each transfer's
    outcome, the store's balances and every negative balance ever written."""

    async def scenario() -> dict[str, Any]:
        store = fakes.FakeStore(balances, yields=yields, seed=seed)
        wallet = observe.make_wallet(store)
        results = await asyncio.gather(
            *(wallet.transfer(*t) for t in transfers), return_exceptions=True
        )
        await wallet.close()
        return {
            "results": [observe.outcome(r, observe.receipt) for r in results],
            "stored": observe.plain(store.balances),
            "negative_writes": observe.plain(store.negative_writes),
        }

    return observe.run(scenario, deadline=deadline)


# Responsiveness: the kdf sleeps in whatever thread runs it ------------------------------


def set_pin_under_heartbeat(
    balances: dict[str, int], account: str, pin: str, kdf_delay: float
) -> dict[str, Any]:
    """``set_pin`` with a kdf of ``kdf_delay`` s under the heartbeat, then ``check_pin`` of
    the same PIN: the longest event-loop gap, the check's result and the kdf's call count."""

    async def scenario() -> dict[str, Any]:
        kdf = fakes.SlowKdf(kdf_delay)
        wallet = observe.make_wallet(fakes.FakeStore(balances), kdf=kdf)
        async with observe.heartbeat() as lag:
            await wallet.set_pin(account, pin)
        ok = await wallet.check_pin(account, pin)
        await wallet.close()
        return {"max_gap": lag["max_gap"], "check": observe.plain(ok), "kdf_calls": kdf.calls}

    return observe.run(scenario)


def check_pins_under_heartbeat(
    balances: dict[str, int], account: str, pin: str, attempts: list[str], kdf_delay: float
) -> dict[str, Any]:
    """``pin`` set with an instant kdf, then ``check_pin`` of each of ``attempts`` in turn
    with a kdf of ``kdf_delay`` s, under the heartbeat: the results and the longest gap."""

    async def scenario() -> dict[str, Any]:
        kdf = fakes.SlowKdf(0.0)
        wallet = observe.make_wallet(fakes.FakeStore(balances), kdf=kdf)
        await wallet.set_pin(account, pin)
        kdf.delay = kdf_delay
        async with observe.heartbeat() as lag:
            results = [await wallet.check_pin(account, attempt) for attempt in attempts]
        await wallet.close()
        return {"max_gap": lag["max_gap"], "results": observe.plain(results)}

    return observe.run(scenario)


def concurrent_pin_checks(
    balances: dict[str, int], accounts: list[str], pin: str, kdf_delay: float
) -> dict[str, Any]:
    """``pin`` set for each account with an instant kdf, then all of their checks at once
    with a kdf of ``kdf_delay`` s, under the heartbeat: the results, the time the checks
    took together and the longest gap."""

    async def scenario() -> dict[str, Any]:
        kdf = fakes.SlowKdf(0.0)
        wallet = observe.make_wallet(fakes.FakeStore(balances), kdf=kdf)
        for account in accounts:
            await wallet.set_pin(account, pin)
        kdf.delay = kdf_delay
        loop = asyncio.get_running_loop()
        async with observe.heartbeat() as lag:
            start = loop.time()
            results = await asyncio.gather(*(wallet.check_pin(a, pin) for a in accounts))
            elapsed = loop.time() - start
        await wallet.close()
        return {"results": observe.plain(results), "elapsed": elapsed, "max_gap": lag["max_gap"]}

    return observe.run(scenario)


def transfer_during_pin_check(
    balances: dict[str, int], account: str, pin: str, kdf_delay: float, transfer: list[Any]
) -> dict[str, Any]:
    """A check of ``account``'s PIN (kdf of ``kdf_delay`` s) under way while ``transfer`` is
    made: the time from the check's start to the transfer's end, the check's result and the
    store's balances."""

    async def scenario() -> dict[str, Any]:
        kdf = fakes.SlowKdf(0.0)
        store = fakes.FakeStore(balances)
        wallet = observe.make_wallet(store, kdf=kdf)
        await wallet.set_pin(account, pin)
        kdf.delay = kdf_delay
        loop = asyncio.get_running_loop()
        start = loop.time()
        login = asyncio.create_task(wallet.check_pin(account, pin))
        await asyncio.sleep(0)  # the PIN check is under way
        await wallet.transfer(*transfer)
        elapsed = loop.time() - start
        ok = await login
        await wallet.close()
        return {
            "elapsed": elapsed,
            "check": observe.plain(ok),
            "stored": observe.plain(store.balances),
        }

    return observe.run(scenario)


def kdf_threads(
    balances: dict[str, int], pins: list[list[str]], checks: list[list[str]]
) -> dict[str, Any]:
    """``set_pin`` for each ``[account, pin]`` of ``pins``, then ``check_pin`` for each of
    ``checks``: the event loop's thread and the thread of each kdf call (identities)."""

    async def scenario() -> dict[str, Any]:
        kdf = fakes.SlowKdf(0.0)
        wallet = observe.make_wallet(fakes.FakeStore(balances), kdf=kdf)
        for account, pin in pins:
            await wallet.set_pin(account, pin)
        for account, pin in checks:
            await wallet.check_pin(account, pin)
        await wallet.close()
        return {"loop_thread": threading.get_ident(), "kdf_threads": list(kdf.threads)}

    return observe.run(scenario)


# Shutdown -------------------------------------------------------------------------------


def close_after_transfers(
    balances: dict[str, int],
    transfers: list[list[Any]],
    notifier_delay: float,
    seed: int | None = None,
) -> dict[str, Any]:
    """All ``transfers`` at once, notifications taking ``notifier_delay`` s each, then
    ``close()``, strictly watched (observe.run_strict): each transfer's outcome, the tasks
    still pending right after ``close()`` (their reprs) and the notifications delivered."""

    async def scenario() -> dict[str, Any]:
        notifier = fakes.Notifier(delay=notifier_delay)
        wallet = observe.make_wallet(fakes.FakeStore(balances, seed=seed), notifier)
        results = await asyncio.gather(
            *(wallet.transfer(*t) for t in transfers), return_exceptions=True
        )
        await wallet.close()
        left = asyncio.all_tasks() - {asyncio.current_task()}
        return {
            "results": [observe.outcome(r, observe.receipt) for r in results],
            "tasks_left": [observe.shown(task) for task in left],
            "delivered": observe.plain(notifier.delivered),
        }

    return observe.run_strict(scenario)


def close_while_deliveries_are_held(
    balances: dict[str, int], transfers: list[list[Any]], hold: float, close_timeout: float
) -> dict[str, Any]:
    """The transfers one after another with the notifier held back; ``close()`` started, and
    the notifier released ``hold`` s later; then ``close()`` awaited for at most
    ``close_timeout`` s, strictly watched: whether ``close()`` had returned before the
    release, and the notifications delivered."""

    async def scenario() -> dict[str, Any]:
        notifier = fakes.Notifier(gated=True)  # the push gateway is slow today
        wallet = observe.make_wallet(fakes.FakeStore(balances), notifier)
        for transfer in transfers:
            await wallet.transfer(*transfer)
        closing = asyncio.create_task(wallet.close())
        await asyncio.sleep(hold)
        returned_early = closing.done()
        notifier.gate.set()
        await asyncio.wait_for(closing, close_timeout)
        return {"returned_early": returned_early, "delivered": observe.plain(notifier.delivered)}

    return observe.run_strict(scenario)


def transfer_with_a_stuck_notifier(
    balances: dict[str, int], transfer: list[Any], timeout: float
) -> dict[str, Any]:
    """``transfer`` awaited for at most ``timeout`` s while the notifier is held back; then
    the notifier released and ``close()``: whether the transfer timed out (and its receipt if
    not), the store's balances and the notifications delivered."""

    async def scenario() -> dict[str, Any]:
        notifier = fakes.Notifier(gated=True)
        store = fakes.FakeStore(balances)
        wallet = observe.make_wallet(store, notifier)
        try:
            receipt = observe.receipt(await asyncio.wait_for(wallet.transfer(*transfer), timeout))
        except TimeoutError:
            receipt = None
        notifier.gate.set()
        await wallet.close()
        return {
            "receipt": receipt,
            "stored": observe.plain(store.balances),
            "delivered": observe.plain(notifier.delivered),
        }

    return observe.run(scenario)


def close_with_failing_deliveries(
    balances: dict[str, int], transfers: list[list[Any]], notifier_delay: float, fail_for: list[str]
) -> dict[str, Any]:
    """The transfers one after another, deliveries to ``fail_for`` raising, then ``close()``,
    strictly watched and with the log recorded at ERROR: what ``close()`` raised (None if
    nothing), the notifications delivered, and the log records ``[name, level]``."""

    async def scenario() -> dict[str, Any]:
        notifier = fakes.Notifier(delay=notifier_delay, fail_for=fail_for)
        wallet = observe.make_wallet(fakes.FakeStore(balances), notifier)
        for transfer in transfers:
            await wallet.transfer(*transfer)
        try:
            await wallet.close()
        except Exception as exc:  # noqa: BLE001 - what close() raised is the observation
            return {"close_raised": observe.raised(exc), "delivered": None}
        return {"close_raised": None, "delivered": observe.plain(notifier.delivered)}

    with observe.log_records(logging.ERROR) as records:
        seen = observe.run_strict(scenario)
    return {**seen, "log": records}


def transfer_after_close(balances: dict[str, int], transfer: list[Any]) -> dict[str, Any]:
    """``close()``, then ``transfer``, then a while for background work: the transfer's
    outcome, the store's balances and the notifications delivered."""

    async def scenario() -> dict[str, Any]:
        notifier = fakes.Notifier()
        store = fakes.FakeStore(balances)
        wallet = observe.make_wallet(store, notifier)
        await wallet.close()
        result = await observe.attempt(wallet.transfer, *transfer, describe=observe.receipt)
        await observe.settle()
        return {
            "outcome": result,
            "stored": observe.plain(store.balances),
            "delivered": observe.plain(notifier.delivered),
        }

    return observe.run(scenario)


def close_twice(
    balances: dict[str, int],
    transfers: list[list[Any]],
    notifier_delay: float,
    second_timeout: float,
) -> dict[str, Any]:
    """The transfers one after another, ``close()``, and ``close()`` again awaited for at most
    ``second_timeout`` s, strictly watched: the notifications delivered."""

    async def scenario() -> Any:
        notifier = fakes.Notifier(delay=notifier_delay)
        wallet = observe.make_wallet(fakes.FakeStore(balances), notifier)
        for transfer in transfers:
            await wallet.transfer(*transfer)
        await wallet.close()
        await asyncio.wait_for(wallet.close(), second_timeout)
        return observe.plain(notifier.delivered)

    return observe.run_strict(scenario)


# Robustness -----------------------------------------------------------------------------


def transfers_over_a_flaky_store(
    balances: dict[str, int],
    broken: list[str],
    failing: list[list[Any]],
    then: list[list[Any]],
    deadline: float = observe.DEADLINE,
) -> dict[str, Any]:
    """``failing`` transfers in turn while the store cannot load ``broken`` accounts; the
    database back, ``then`` transfers in turn; then ``close()``: the outcome of each failing
    transfer, the receipts of the others and the store's balances."""

    async def scenario() -> dict[str, Any]:
        store = fakes.FlakyStore(balances, broken=broken)
        wallet = observe.make_wallet(store)
        failed = [
            await observe.attempt(wallet.transfer, *t, describe=observe.receipt) for t in failing
        ]
        store.broken.clear()  # the database is back
        after = [observe.receipt(await wallet.transfer(*t)) for t in then]
        await wallet.close()
        return {"failing": failed, "then": after, "stored": observe.plain(store.balances)}

    return observe.run(scenario, deadline=deadline)


def cancel_between_the_writes(
    balances: dict[str, int],
    first: list[Any],
    second: list[Any],
    deadline: float = observe.DEADLINE,
) -> dict[str, Any]:
    """``first`` cancelled once its first write landed (the acknowledgement held back);
    ``second`` started meanwhile; the store released; both awaited, then ``close()``: the
    outcome of each and the store's balances."""

    async def scenario() -> dict[str, Any]:
        store = fakes.GatedStore(balances)
        wallet = observe.make_wallet(store)
        first_task = asyncio.create_task(wallet.transfer(*first))
        await asyncio.wait_for(store.first_save_landed.wait(), 1)
        first_task.cancel()  # the client gave up while the first write was being acknowledged
        await observe.settle(5)
        # A second transfer between the same accounts: it must not see a half-done first one.
        second_task = asyncio.create_task(wallet.transfer(*second))
        await observe.settle()
        store.gate.set()
        results = await asyncio.gather(first_task, second_task, return_exceptions=True)
        await wallet.close()
        await observe.settle()
        return {
            "results": [observe.outcome(r, observe.receipt) for r in results],
            "stored": observe.plain(store.balances),
        }

    return observe.run(scenario, deadline=deadline)


def timeout_between_the_writes(
    balances: dict[str, int],
    transfer: list[Any],
    timeout: float,
    release_after: float,
    then: list[Any],
    deadline: float = observe.DEADLINE,
) -> dict[str, Any]:
    """``transfer`` under ``asyncio.wait_for(..., timeout)``, its first write's
    acknowledgement held back until ``release_after`` s; once released and settled, the
    store's balances; then ``then`` made and ``close()``: what the transfer gave (``"timeout"``
    if it timed out), the balances after the timeout and at the end."""

    async def scenario() -> dict[str, Any]:
        store = fakes.GatedStore(balances)
        wallet = observe.make_wallet(store)
        asyncio.get_running_loop().call_later(release_after, store.gate.set)
        try:
            result: Any = observe.receipt(
                await asyncio.wait_for(wallet.transfer(*transfer), timeout)
            )
        except TimeoutError:
            result = "timeout"
        await asyncio.wait_for(store.gate.wait(), 1)
        await observe.settle()
        after_timeout = observe.plain(store.balances)
        await wallet.transfer(*then)  # the wallet still works
        await wallet.close()
        return {
            "outcome": result,
            "after_timeout": after_timeout,
            "stored": observe.plain(store.balances),
        }

    return observe.run(scenario, deadline=deadline)


def cancel_a_queued_transfer(
    balances: dict[str, int],
    first: list[Any],
    queued: list[Any],
    then: list[Any],
    deadline: float = observe.DEADLINE,
) -> dict[str, Any]:
    """``first`` stuck after its first write; ``queued`` (on a shared account) started and
    cancelled while it waits; the store released; both awaited; then ``then`` made and
    ``close()``: the outcome of ``first`` and ``queued``, and the store's balances."""

    async def scenario() -> dict[str, Any]:
        store = fakes.GatedStore(balances)
        wallet = observe.make_wallet(store)
        first_task = asyncio.create_task(wallet.transfer(*first))
        await asyncio.wait_for(store.first_save_landed.wait(), 1)
        queued_task = asyncio.create_task(wallet.transfer(*queued))
        await observe.settle()
        queued_task.cancel()
        await observe.settle()
        store.gate.set()
        results = await asyncio.gather(first_task, queued_task, return_exceptions=True)
        await wallet.transfer(*then)  # the shared account is not left locked
        await wallet.close()
        return {
            "results": [observe.outcome(r, observe.receipt) for r in results],
            "stored": observe.plain(store.balances),
        }

    return observe.run(scenario, deadline=deadline)
