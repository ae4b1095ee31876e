"""Fixtures for the graded suite: the databases and the candidate's report module.

Every database is built with the graders' copy of the starter's seed (grader_seed.py), never
with the candidate's seed.py. The candidate's code is imported as ``app.report`` from
/submission, which is on sys.path.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import grader_seed
import pytest
import shop_cases

HERE = Path(__file__).resolve().parent
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))


def candidate() -> ModuleType:
    """The candidate's report module, imported when a test needs it (not at collection), so
    a submission that fails to import fails every test with its own error."""
    return importlib.import_module("app.report")


def seeded(params: dict) -> sqlite3.Connection:
    conn = grader_seed.connect()
    grader_seed.seed(conn, **params)
    return conn


@pytest.fixture
def report() -> ModuleType:
    return candidate()


@pytest.fixture(scope="session")
def shop() -> Iterator[sqlite3.Connection]:
    """SHOP (the database of expected.json), prepared once by the candidate's prepare()."""
    conn = seeded(shop_cases.SHOP)
    assert EXPECTED["shop"]["seed"] == shop_cases.SHOP, "expected.json is stale: run build_expected.py"
    assert shop_cases.fingerprint(conn) == EXPECTED["shop"]["fingerprint"], (
        "the seeded database differs from the one expected.json was built on"
    )
    candidate().prepare(conn)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def big_shop() -> Iterator[sqlite3.Connection]:
    """BIG_SHOP, prepared once by the candidate's prepare()."""
    conn = seeded(shop_cases.BIG_SHOP)
    candidate().prepare(conn)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def baseline_shop() -> Iterator[sqlite3.Connection]:
    """BIG_SHOP as the starter had it: never prepared, only the primary keys."""
    conn = seeded(shop_cases.BIG_SHOP)
    yield conn
    conn.close()


@pytest.fixture
def fresh_shop() -> Iterator[sqlite3.Connection]:
    """A small seeded database, NOT prepared: for tests about prepare() itself."""
    conn = seeded(shop_cases.FRESH_SHOP)
    yield conn
    conn.close()


@pytest.fixture
def empty_shop() -> Iterator[sqlite3.Connection]:
    """The schema and no rows: tests insert their own data, then call prepare()."""
    conn = grader_seed.connect()
    yield conn
    conn.close()


@contextmanager
def traced(conn: sqlite3.Connection) -> Iterator[list[str]]:
    """Collect every SQL statement run on ``conn`` inside the block (bound values inlined)."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        conn.set_trace_callback(None)


def query(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    """Run a grader query as plain tuples, whatever row_factory the candidate's code set."""
    cursor = conn.cursor()
    cursor.row_factory = None
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def first_difference(actual: object, expected: list[dict]) -> str:
    """A short description of how a report's answer differs from the expected rows."""
    if not isinstance(actual, list):
        return f"expected a list of dicts, got {type(actual).__name__}"
    for i, (got, want) in enumerate(zip(actual, expected)):
        if got != want:
            return f"row {i}: got {got!r}, expected {want!r}"
    if len(actual) != len(expected):
        extra = actual[len(expected)] if len(actual) > len(expected) else expected[len(actual)]
        return (f"got {len(actual)} rows, expected {len(expected)}"
                f" (first {'extra' if len(actual) > len(expected) else 'missing'} row: {extra!r})")
    return "equal"


_SCALARS = {bool: bool, int: int.__int__, float: float.__float__, str: str.__str__}


def plain(value: object) -> object:
    """``value`` rebuilt from built-in types only, so that comparing it runs their own ``==``.

    The candidate's code returns the value: an object of its own could claim to equal
    anything, and a subclass of list or dict could override ``__eq__``; the data it holds
    cannot. Subclasses are read through the base type's methods, never their own.
    """
    if value is None:
        return None
    for base, convert in _SCALARS.items():
        if isinstance(value, base):
            return convert(value)  # type: ignore[operator]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in dict.items(value)}
    if isinstance(value, list):
        return [plain(v) for v in list.__iter__(value)]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in tuple.__iter__(value))
    raise AssertionError(f"expected plain data (lists, dicts, numbers, strings), got {type(value).__name__}")


@pytest.fixture
def check() -> Callable[[object, list[dict]], None]:
    """``check(actual, expected)``: assert equality of plain data with a readable message."""

    def assert_equal(actual: object, expected: list[dict]) -> None:
        actual = plain(actual)
        assert actual == expected, first_difference(actual, expected)

    return assert_equal


@pytest.fixture
def mini(empty_shop: sqlite3.Connection, report: ModuleType) -> sqlite3.Connection:
    """The hand-made shop of mini_shop.py, prepared by the candidate's prepare()."""
    import mini_shop

    mini_shop.fill(empty_shop)
    report.prepare(empty_shop)
    return empty_shop
