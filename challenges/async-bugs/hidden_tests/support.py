"""What the graded tests share: the bounds and the expected values of the contract, and how to
read what a step answered.

The scenarios themselves run beside the candidate's wallet (service/scenarios.py, called through
the ``call`` fixture of conftest.py), and answer with plain data: a call's outcome is
``{"returned": value}`` or ``{"raised": class name, "kinds": [...], "message": ...}`` where
``kinds`` names the classes (the contract's errors in app.wallet, and built-in ones) the
exception is an instance of; a receipt is ``{"is_receipt", "id", "src", "dst", "amount"}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

LAG_BOUND = 0.100  # seconds: the longest the event loop may go without running the heartbeat


def returned(outcome: dict[str, Any]) -> Any:
    """What the call returned; the test fails with the candidate's error if it raised."""
    __tracebackhide__ = True
    if "returned" not in outcome:
        pytest.fail(f"raised {outcome['raised']}: {outcome['message']}")
    return outcome["returned"]


def failed(outcome: dict[str, Any]) -> bool:
    """Whether the call raised (anything)."""
    return "raised" in outcome


def assert_raised(outcome: dict[str, Any], kind: str, what: object = "") -> None:
    """The call raised an instance of ``kind``, as ``pytest.raises(kind)`` would require;
    ``what`` says which call, for the failure message."""
    __tracebackhide__ = True
    about = f" ({what!r})" if what != "" else ""
    if "returned" in outcome:
        pytest.fail(f"DID NOT RAISE {kind}{about}: returned {outcome['returned']!r}")
    if kind not in outcome["kinds"]:
        pytest.fail(f"raised {outcome['raised']} instead of {kind}{about}: {outcome['message']}")


def clean(seen: dict[str, Any]) -> Any:
    """The value of a strictly watched scenario, once there is no trace of sloppy task
    handling: no 'coroutine ... was never awaited' warning, no 'Task exception was never
    retrieved' and no 'Task was destroyed but it is pending' report."""
    __tracebackhide__ = True
    never_awaited = seen["never_awaited"]
    assert not never_awaited, f"coroutines were never awaited: {never_awaited}"
    problems = seen["loop_problems"]
    assert not problems, f"the event loop reported unhandled task problems: {problems}"
    return seen["value"]


def pairs(delivered: Iterable[list[str]]) -> list[tuple[str, str]]:
    """Delivered notifications, ``[account, message]`` each, as sorted tuples."""
    return sorted(tuple(d) for d in delivered)  # type: ignore[misc]


def expected_notifications(transfers: Iterable[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """The notifications the contract prescribes for these (successful) transfers, sorted."""
    out = []
    for src, dst, amount in transfers:
        out.append((src, f"sent {amount} to {dst}"))
        out.append((dst, f"received {amount} from {src}"))
    return sorted(out)
