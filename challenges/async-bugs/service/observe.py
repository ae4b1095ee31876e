"""How a scenario runs and what it hands back: its own event loop under a deadline, the
measurements taken beside the wallet (event-loop lag, unhandled task problems, log records),
and the conversion of everything the wallet gave into plain data.

Nothing the candidate's code returned leaves this container as it is: receipts, balances and
exceptions become dicts, lists, strings and numbers, which the driver sends as JSON. The
verdicts are the tests' (hidden_tests/); a scenario only says what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import reprlib
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar

import fakes

DEADLINE = 5.0  # seconds: the whole scenario of one test, a deadlock fails instead of hanging
HEARTBEAT = 0.005  # seconds between heartbeat ticks
T = TypeVar("T")

# The classes an exception is checked against (isinstance), reported by name as its "kinds":
# the contract's errors, looked up in app.wallet, and the built-in ones the tests expect.
_WALLET_ERRORS = ("WalletError", "UnknownAccount", "InsufficientFunds", "WalletClosed")
_BUILTIN_ERRORS: dict[str, type[BaseException]] = {
    "Exception": Exception,
    "ValueError": ValueError,
    "KeyError": KeyError,
    "ConnectionError": ConnectionError,
    "TimeoutError": TimeoutError,
    "CancelledError": asyncio.CancelledError,
}


def wallet_module() -> Any:
    """The candidate's ``app.wallet``, imported when a scenario first needs it: a submission
    that fails to import fails each test with its own error."""
    from app import wallet

    return wallet


def make_wallet(store: Any, notifier: Any | None = None, kdf: Any = fakes.fast_kdf) -> Any:
    return wallet_module().Wallet(
        store, notifier if notifier is not None else fakes.Notifier(), kdf=kdf
    )


# ------------------------------------------------------------------------------ event loops


class DeadlineExceeded(Exception):
    """The scenario did not finish in time: a deadlock, or a coroutine that never returns."""


def run(scenario: Callable[[], Awaitable[T]], *, deadline: float = DEADLINE) -> T:
    """Run ``scenario()`` in a fresh event loop, failing (not hanging) after ``deadline``."""

    async def main() -> T:
        # The scenario runs in this task (the only one of the harness), under a timeout.
        timeout = asyncio.timeout(deadline)
        try:
            async with timeout:
                return await scenario()
        except TimeoutError:
            if timeout.expired():
                raise DeadlineExceeded(
                    f"the scenario did not finish within {deadline} s (a "
                    "deadlock, or a coroutine that never returns)"
                ) from None
            raise

    try:
        return asyncio.run(main())
    except Exception as exc:
        # The driver shows the outermost frames of a step's traceback: leave out the event
        # loop's and this module's, so that the scenario's and the wallet's are the ones shown.
        raise exc.with_traceback(_past_the_harness(exc.__traceback__))


def _past_the_harness(tb: TracebackType | None) -> TracebackType | None:
    while tb is not None and str(tb.tb_frame.f_globals.get("__name__")).partition(".")[0] in (
        "asyncio", __name__
    ):
        tb = tb.tb_next
    return tb


def run_strict(
    scenario: Callable[[], Awaitable[Any]], *, deadline: float = DEADLINE
) -> dict[str, Any]:
    """Like ``run``, and also what the event loop and the warnings said about sloppy task
    handling: ``{"value": ..., "never_awaited": [...], "loop_problems": [...]}`` ('coroutine
    ... was never awaited' warnings; 'Task exception was never retrieved', 'Task was destroyed
    but it is pending' and other reports of the loop's exception handler)."""
    problems: list[str] = []

    async def main() -> Any:
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: problems.append(str(context.get("message")))
        )
        return await scenario()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = run(main, deadline=deadline)
        gc.collect()
    never_awaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    return {"value": value, "never_awaited": never_awaited, "loop_problems": problems}


async def settle(rounds: int = 50) -> None:
    """Let every runnable coroutine run for a while."""
    for _ in range(rounds):
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def heartbeat() -> AsyncIterator[dict[str, float]]:
    """Measure event-loop lag: a task ticks every 5 ms; ``stats['max_gap']`` is the longest time
    between two ticks (or between the last tick and the end of the block)."""
    loop = asyncio.get_running_loop()
    stats = {"max_gap": 0.0, "ticks": 0, "last": loop.time()}

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            now = loop.time()
            stats["max_gap"] = max(stats["max_gap"], now - stats["last"])
            stats["ticks"] += 1
            stats["last"] = now

    task = asyncio.create_task(beat())
    await asyncio.sleep(HEARTBEAT * 4)  # the heartbeat is up and ticking
    try:
        yield stats
    finally:
        stats["max_gap"] = max(stats["max_gap"], loop.time() - stats["last"])
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.contextmanager
def log_records(level: int) -> Iterator[list[list[Any]]]:
    """``[[logger name, level number], ...]`` of what is logged at ``level`` or above, as
    pytest's ``caplog.at_level(level)`` sees it (a handler on the root logger, whose level is
    set for the duration)."""
    records: list[list[Any]] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append([str(record.name), int(record.levelno)])

    root = logging.getLogger()
    handler = Recorder(level)
    saved = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield records
    finally:
        root.setLevel(saved)
        root.removeHandler(handler)


# ---------------------------------------------------------------------- what the wallet gave


async def attempt(
    call: Callable[..., Awaitable[Any]], *args: Any, describe: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """Await ``call(*args)``: ``{"returned": describe(value)}``, or ``{"raised": ...}`` (see
    ``raised``) if it raised an ``Exception``. Cancellation and other BaseExceptions propagate,
    as they would through ``pytest.raises``."""
    try:
        value = await call(*args)
    except Exception as exc:  # noqa: BLE001 - what the wallet raised is the observation
        return raised(exc)
    return {"returned": (describe or plain)(value)}


def outcome(value: Any, describe: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """One result of ``asyncio.gather(..., return_exceptions=True)``, as ``attempt`` gives it."""
    if isinstance(value, BaseException):
        return raised(value)
    return {"returned": (describe or plain)(value)}


def raised(exc: BaseException) -> dict[str, Any]:
    """``{"raised": class name, "kinds": [...], "message": ...}``: ``kinds`` names each of the
    contract's error classes (in app.wallet) and of the built-in ones the exception is an
    instance of."""
    wallet = wallet_module()
    kinds = [name for name, cls in _BUILTIN_ERRORS.items() if isinstance(exc, cls)]
    for name in _WALLET_ERRORS:
        cls = getattr(wallet, name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            kinds.append(name)
    return {"raised": type(exc).__name__, "kinds": kinds, "message": _message(exc)}


def receipt(value: Any) -> dict[str, Any]:
    """A transfer's return value: whether it is an ``app.wallet.Receipt``, and its fields
    (None where it has no such attribute)."""
    cls = getattr(wallet_module(), "Receipt", None)
    return {
        "is_receipt": isinstance(cls, type) and isinstance(value, cls),
        **{field: plain(getattr(value, field, None)) for field in ("id", "src", "dst", "amount")},
    }


def plain(value: Any) -> Any:
    """``value`` rebuilt from built-in types only; anything else becomes a string naming its
    type and showing its repr (for the failure message, never to be parsed)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else repr(float(value))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {(str(k) if isinstance(k, str) else _foreign(k)): plain(v) for k, v in value.items()}
    return _foreign(value)


def shown(value: Any) -> str:
    """``value``'s repr, shortened, for a failure message (never to be parsed)."""
    try:
        return reprlib.repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ of the candidate's
        return f"(unprintable: {type(exc).__name__})"


def _foreign(value: Any) -> str:
    return f"<{type(value).__qualname__}> {shown(value)}"


def _message(exc: BaseException) -> str:
    try:
        return str(exc)[:500]
    except Exception as inner:  # noqa: BLE001 - a broken __str__ of the candidate's
        return f"(unprintable: {type(inner).__name__})"
