"""Fixtures for the graded suite: the databases, reached through the steps of the driver.

The candidate's code never runs in this process. Graded runs serve the steps of
service/scenarios.py from the candidate's own container (``ASSESS_SERVICE_URL`` set): the
databases live there, are built with the graders' copy of the starter's seed
(service/grader_seed.py, never the candidate's seed.py), and the candidate's ``app.report``
runs on them. Each step returns plain JSON: the rows a report gave, the statements it ran,
query plans, timings. The expected answers and every assertion stay here.

A local run beside a solution (``PYTHONPATH=reference pytest hidden_tests`` in the challenge
folder) calls the same steps in this process, through the same JSON round trip.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shop_cases

try:
    import assess_driver  # in the sandbox: the grader's copy of runner/driver.py
except ImportError:  # a local run beside a solution, with assess installed
    from runner import driver as assess_driver

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "service" / "scenarios.py"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
# Under the per-test timeout (60 s): a report that hangs fails its test with this message.
STEP_TIMEOUT_SECONDS = 50
START_TIMEOUT_SECONDS = 20  # the candidate's container starts while this one does
# Run under the trace callback once a report returned: a report that took the callback away
# (set_trace_callback(None)) would hide its statements; this one then goes missing.
TRACE_END = "SELECT 'assess: the report returned'"

Call = Callable[..., Any]


class Shop:
    """A database in the candidate's container; every method is one step on it.

    ``shop.top_customers(start=..., end=...)`` is the candidate's ``top_customers(conn, ...)``
    on it; what comes back is plain data, parsed from JSON.
    """

    def __init__(self, call: Call, seed: dict | None = None) -> None:
        self.call = call
        self.db = call("create", seed=seed)

    def prepare(self) -> None:
        self.call("prepare", db=self.db)

    def top_customers(self, **kwargs: Any) -> Any:
        return self.call("report", db=self.db, name="top_customers", kwargs=kwargs)

    def monthly_revenue(self, **kwargs: Any) -> Any:
        return self.call("report", db=self.db, name="monthly_revenue", kwargs=kwargs)

    def report_with_row_types(self, name: str, **kwargs: Any) -> dict:
        """``{"value": rows, "row_types": [{"type": "builtins.dict", "fields": {key: type}}]}``."""
        return self.call("report_with_row_types", db=self.db, name=name, kwargs=kwargs)

    def traced(self, name: str, **kwargs: Any) -> list[str]:
        """Every SQL statement one report call ran (trace callback, bound values inlined)."""
        statements = self.call("traced", db=self.db, name=name, kwargs=kwargs, end_marker=TRACE_END)
        assert statements[-1:] == [TRACE_END], (
            f"{name}({kwargs}) removed the connection's trace callback: the reports must leave"
            " the connection's settings as they found them"
        )
        return statements[:-1]

    def explain(self, statements: list[str]) -> list[dict]:
        """``EXPLAIN QUERY PLAN`` of each statement: ``{"plan": rows}`` or ``{"error": text}``."""
        return self.call("explain", db=self.db, statements=statements)

    def query(self, sql: str, params: tuple = ()) -> list[list]:
        """A grader query, rows as lists (whatever row_factory the candidate's code set)."""
        return self.call("query", db=self.db, sql=sql, params=list(params))

    def write(self, *statements: str | tuple[str, tuple]) -> None:
        """The graders' own changes, SQL or (SQL, params), in one transaction."""
        self.call("write", db=self.db, statements=[
            [statement, []] if isinstance(statement, str) else [statement[0], list(statement[1])]
            for statement in statements
        ])

    def total_changes(self) -> int:
        return self.call("total_changes", db=self.db)

    def fingerprint(self) -> str:
        return self.call("fingerprint", db=self.db)

    def close(self) -> None:
        try:
            self.call("close", db=self.db)
        except assess_driver.StepFailed:
            pass  # it lives in the candidate's container, which goes with the run


@pytest.fixture(scope="session")
def driver() -> Call:
    """``driver(step, **args)``: a step of service/scenarios.py, beside the candidate's code."""
    return assess_driver.Driver.for_tests(SCENARIOS, step_timeout=STEP_TIMEOUT_SECONDS,
                                          start_timeout=START_TIMEOUT_SECONDS)


def _shop(driver: Call, seed: dict | None, *, prepared: bool) -> Iterator[Shop]:
    shop = Shop(driver, seed)
    try:
        if prepared:
            shop.prepare()
        yield shop
    finally:
        shop.close()


@pytest.fixture(scope="session")
def shop(driver: Call) -> Iterator[Shop]:
    """SHOP (the database of expected.json), prepared once by the candidate's prepare()."""
    assert EXPECTED["shop"]["seed"] == shop_cases.SHOP, "expected.json is stale: run build_expected.py"
    shop = Shop(driver, shop_cases.SHOP)
    try:
        assert shop.fingerprint() == EXPECTED["shop"]["fingerprint"], (
            "the seeded database differs from the one expected.json was built on"
        )
        shop.prepare()
        yield shop
    finally:
        shop.close()


@pytest.fixture(scope="session")
def big_shop(driver: Call) -> Iterator[Shop]:
    """BIG_SHOP, prepared once by the candidate's prepare()."""
    yield from _shop(driver, shop_cases.BIG_SHOP, prepared=True)


@pytest.fixture(scope="session")
def baseline_shop(driver: Call) -> Iterator[Shop]:
    """BIG_SHOP as the starter had it: never prepared, only the primary keys."""
    yield from _shop(driver, shop_cases.BIG_SHOP, prepared=False)


@pytest.fixture
def fresh_shop(driver: Call) -> Iterator[Shop]:
    """A small seeded database, NOT prepared: for tests about prepare() itself."""
    yield from _shop(driver, shop_cases.FRESH_SHOP, prepared=False)


@pytest.fixture
def empty_shop(driver: Call) -> Iterator[Shop]:
    """The schema and no rows: tests insert their own data, then call prepare()."""
    yield from _shop(driver, None, prepared=False)


@pytest.fixture
def mini(empty_shop: Shop) -> Shop:
    """The hand-made shop of mini_shop.py, prepared by the candidate's prepare()."""
    import mini_shop

    mini_shop.fill(empty_shop)
    empty_shop.prepare()
    return empty_shop


def first_difference(actual: object, expected: list[dict]) -> str:
    """A short description of how a report's answer differs from the expected rows."""
    if not isinstance(actual, list):
        return f"expected a list of dicts, got {type(actual).__name__} {str(actual)[:200]}"
    for i, (got, want) in enumerate(zip(actual, expected)):
        if got != want:
            return f"row {i}: got {got!r}, expected {want!r}"
    if len(actual) != len(expected):
        extra = actual[len(expected)] if len(actual) > len(expected) else expected[len(actual)]
        return (f"got {len(actual)} rows, expected {len(expected)}"
                f" (first {'extra' if len(actual) > len(expected) else 'missing'} row: {extra!r})")
    return "equal"


@pytest.fixture
def check() -> Callable[[object, list[dict]], None]:
    """``check(actual, expected)``: assert equality of a report's rows with a readable message.

    ``actual`` comes from a step, already plain data (JSON has no tuple: the step tags one,
    so that a tuple still never equals a list, as when it was compared in process)."""

    def assert_equal(actual: object, expected: list[dict]) -> None:
        assert actual == expected, first_difference(actual, expected)

    return assert_equal
