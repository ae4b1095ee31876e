"""The steps of the hidden suite: every action on the candidate's code, run beside it.

The driver (runner/driver.py) serves each public function here as a step, in the
candidate's container; the hidden tests call them with JSON arguments and get JSON back.
A step builds or changes a database, runs the candidate's ``prepare`` or a report on it, and
returns what it saw: the rows a report returned, the SQL statements it ran (trace callback),
the query plans of those statements, the schema, timings. It never says whether that is
right: the expected answers and every assertion stay in the tests' container.

Databases live here between steps, named by a handle (``create`` returns one), and are built
with the graders' copy of the starter's seed (grader_seed.py), never the candidate's. The
candidate's ``app.report`` is imported by each step that needs it, so a submission that fails
to import fails every test with its own error.
"""

from __future__ import annotations

import gc
import importlib
import time
import types

import baseline_report
import shops

REPORTS = ("top_customers", "monthly_revenue")


def _candidate() -> types.ModuleType:
    return importlib.import_module("app.report")


def _report(module: types.ModuleType, name: str):
    if name not in REPORTS:
        raise ValueError(f"not a report: {name!r}")
    return getattr(module, name)


# --- databases, and the graders' own reads and writes on them ---------------------------


def create(seed: dict | None = None) -> int:
    """A new database with the schema, empty or seeded with ``seed`` (the seed's arguments)."""
    return shops.new(seed)


def close(db: int) -> None:
    shops.close(db)


def fingerprint(db: int) -> str:
    """A digest of every row: call it before the candidate's code touches the database."""
    database = shops.get(db)
    with database.lock:
        return shops.fingerprint(database.conn)


def write(db: int, statements: list) -> None:
    """The graders' own changes, ``[sql, params]`` each, in one transaction."""
    database = shops.get(db)
    with database.lock, database.conn:
        for sql, params in statements:
            database.conn.execute(sql, params)


def query(db: int, sql: str, params: list | None = None) -> list[list]:
    """A graders' query, rows as lists, whatever ``row_factory`` the candidate's code set."""
    database = shops.get(db)
    with database.lock:
        return _rows(database.conn, sql, params or [])


def explain(db: int, statements: list[str]) -> list[dict]:
    """``EXPLAIN QUERY PLAN`` of each statement on the same connection: ``{"plan": rows}``,
    or ``{"error": message}`` when sqlite cannot explain it."""
    database = shops.get(db)
    explained = []
    with database.lock:
        for sql in statements:
            try:
                explained.append({"plan": _rows(database.conn, "EXPLAIN QUERY PLAN " + sql, [])})
            except Exception as e:  # noqa: BLE001 - the tests report it as the plan's failure
                explained.append({"error": f"{type(e).__name__}: {e}"})
    return explained


def total_changes(db: int) -> int:
    database = shops.get(db)
    with database.lock:
        return int(database.conn.total_changes)


def _rows(conn, sql: str, params: list) -> list[list]:
    cursor = conn.cursor()
    cursor.row_factory = None
    try:
        return [list(row) for row in cursor.execute(sql, params).fetchall()]
    finally:
        cursor.close()


# --- the candidate's code -----------------------------------------------------------------


def prepare(db: int) -> None:
    """The candidate's ``prepare(conn)``."""
    database = shops.get(db)
    with database.lock:
        _candidate().prepare(database.conn)


def report(db: int, name: str, kwargs: dict) -> object:
    """What the candidate's report ``name(conn, **kwargs)`` returned, as plain data."""
    database = shops.get(db)
    with database.lock:
        return shops.plain(_report(_candidate(), name)(database.conn, **kwargs))


def report_with_row_types(db: int, name: str, kwargs: dict) -> dict:
    """``{"value": the report as plain data, "row_types": each row's and field's exact type}``."""
    database = shops.get(db)
    with database.lock:
        value = _report(_candidate(), name)(database.conn, **kwargs)
        return {"value": shops.plain(value), "row_types": shops.row_types(value)}


def traced(db: int, name: str, kwargs: dict, end_marker: str) -> list[str]:
    """Every SQL statement sqlite ran on the connection during one report call (the trace
    callback: bound values inlined, each execution of each statement), then ``end_marker``,
    a statement of the tests' run once the report returned: if it is not last, the report
    took the trace callback away."""
    database = shops.get(db)
    statements: list[str] = []
    with database.lock:
        function = _report(_candidate(), name)
        database.conn.set_trace_callback(statements.append)
        try:
            function(database.conn, **kwargs)
            _rows(database.conn, end_marker, [])
        finally:
            database.conn.set_trace_callback(None)
    return [str(statement) for statement in statements]


def _timed(function, conn, kwargs: dict) -> tuple[object, float]:
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        result = function(conn, **kwargs)
        return result, time.perf_counter() - started
    finally:
        gc.enable()


def timings(db: int, baseline_db: int, name: str, kwargs: dict, *, baseline_runs: int,
            candidate_runs: int, give_up_after: float) -> dict:
    """The starter's report (baseline_report.py) on ``baseline_db``, then the candidate's on
    ``db``, timed in this one process: the seconds of each run, and the rows each returned.

    The candidate's first run also warms up. Their further runs (at most ``candidate_runs``)
    stop once their runs took ``give_up_after`` times the baseline's best in all, and are
    skipped when the first answer is not a list of the baseline's length (the tests fail that).
    """
    baseline_database, database = shops.get(baseline_db), shops.get(db)
    with baseline_database.lock, database.lock:
        baseline_function = _report(baseline_report, name)
        baseline_rows, baseline_seconds = 0, []
        for _ in range(baseline_runs):
            answer, seconds = _timed(baseline_function, baseline_database.conn, kwargs)
            baseline_rows = len(answer)  # type: ignore[arg-type]
            baseline_seconds.append(seconds)

        function = _report(_candidate(), name)
        answer, seconds = _timed(function, database.conn, kwargs)
        answer_rows = list.__len__(answer) if isinstance(answer, list) else None
        candidate_seconds = [seconds]
        if answer_rows == baseline_rows:
            for _ in range(candidate_runs):
                if sum(candidate_seconds) > give_up_after * min(baseline_seconds):
                    break  # hopeless: do not spend the suite's time on it
                candidate_seconds.append(_timed(function, database.conn, kwargs)[1])
    return {"baseline_rows": baseline_rows, "baseline_seconds": baseline_seconds,
            "answer_rows": answer_rows, "candidate_seconds": candidate_seconds}
