"""Indexes: prepare() creates them, the reports' queries use them, the reports change nothing.

The statements a report runs are captured with the trace callback (bound values inlined) and
each SELECT is explained with EXPLAIN QUERY PLAN on the same connection. A plan passes when
no step reads orders or order_items in full (a SCAN, or an AUTOMATIC index that sqlite builds
by scanning the table on every run) and at least one step finds rows of orders or order_items
through an index of yours (SEARCH ... USING [COVERING] INDEX).
"""

import re

import pytest
from conftest import query, traced

TABLES = ("orders", "order_items")
KEYWORDS = {
    "as", "cross", "except", "full", "group", "having", "indexed", "inner", "intersect", "join",
    "left", "limit", "natural", "not", "on", "order", "outer", "right", "union", "using",
    "where", "window",
}
TABLE_REFERENCE = re.compile(
    r"""(?:\bfrom|\bjoin|,)\s+(?:main\.)?(["`]?)(orders|order_items)\1(?![\w.])"""
    r"""(?:\s+(?:as\s+)?(["`]?)(\w+)\3)?""",
    re.IGNORECASE,
)
PLAN_STEP = re.compile(r"^(SCAN|SEARCH)\s+(?:TABLE\s+)?(\S+)(.*)$")

CASES = [
    ("top_customers", "quarter", {"start": "2023-04-01", "end": "2023-07-01"}),
    ("top_customers", "month-with-country",
     {"start": "2024-02-01", "end": "2024-03-01", "limit": 20, "country": "US"}),
    ("top_customers", "one-week", {"start": "2023-11-20", "end": "2023-11-27", "limit": 100}),
    ("monthly_revenue", "year", {"year": 2023}),
    ("monthly_revenue", "category", {"year": 2024, "category": "electronics"}),
]


def names_of_tables(sql):
    """orders / order_items and their aliases in ``sql`` (lower-cased), mapped to the table."""
    names = {table: table for table in TABLES}
    for match in TABLE_REFERENCE.finditer(sql):
        table, alias = match.group(2).lower(), match.group(4)
        if alias and alias.lower() not in KEYWORDS:
            names[alias.lower()] = table
    return names


def plan_problems(conn, statements):
    """(problems, index_used) over every SELECT in ``statements``."""
    problems, index_used, explained = [], False, 0
    for sql in statements:
        words = sql.lstrip(" \t\n(").split(None, 1)
        if not words or words[0].lower() not in ("select", "with", "values"):
            continue
        explained += 1
        try:
            plan = query(conn, "EXPLAIN QUERY PLAN " + sql)
        except Exception as e:  # noqa: BLE001 - reported as a failure
            problems.append(f"cannot EXPLAIN {sql[:200]!r}: {e}")
            continue
        names = names_of_tables(sql)
        for step in plan:
            detail = step[3]
            found = PLAN_STEP.match(detail)
            name = found.group(2).strip('"').lower() if found else None
            if name not in names:
                continue
            table = names[name]
            if found.group(1) == "SCAN":
                problems.append(f"reads all of {table}: {detail!r} in {sql[:300]!r}")
            elif "AUTOMATIC" in detail:
                problems.append(f"builds a throw-away index on {table}: {detail!r} in {sql[:300]!r}")
            elif "USING INDEX" in detail or "USING COVERING INDEX" in detail:
                index_used = True
    if not explained:
        problems.append("the report ran no SELECT statement")
    return problems, index_used


@pytest.mark.parametrize(("name", "kwargs"), [(name, kwargs) for name, _, kwargs in CASES],
                         ids=[f"{name}-{case}" for name, case, _ in CASES])
def test_report_queries_use_indexes(name, kwargs, shop, report):
    with traced(shop) as statements:
        getattr(report, name)(shop, **kwargs)

    problems, index_used = plan_problems(shop, statements)

    assert not problems, "\n".join(problems)
    assert index_used, (
        "no step of the plans finds orders or order_items rows through an index:\n"
        + "\n".join(statement[:300] for statement in statements[:5])
    )


def indexes(conn):
    return sorted(
        (table, name)
        for name, table in query(
            conn, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    )


def test_prepare_creates_indexes(fresh_shop, report):
    assert indexes(fresh_shop) == []

    report.prepare(fresh_shop)

    tables = {table for table, _ in indexes(fresh_shop)}
    assert tables & set(TABLES), f"prepare() created no index on orders or order_items: {indexes(fresh_shop)}"


def test_prepare_can_run_twice(mini, report):
    before = indexes(mini)
    march = report.top_customers(mini, start="2024-03-01", end="2024-04-01")
    year = report.monthly_revenue(mini, year=2024, category="books")

    report.prepare(mini)  # the fixture already ran it once

    assert indexes(mini) == before
    assert report.top_customers(mini, start="2024-03-01", end="2024-04-01") == march
    assert report.monthly_revenue(mini, year=2024, category="books") == year


def test_reports_do_not_change_the_database(fresh_shop, report):
    report.prepare(fresh_shop)
    schema = query(fresh_shop, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    changes = fresh_shop.total_changes

    report.top_customers(fresh_shop, start="2023-01-01", end="2024-01-01", limit=5)
    report.top_customers(fresh_shop, start="2024-01-01", end="2024-04-01", country="DE")
    report.monthly_revenue(fresh_shop, year=2023)
    report.monthly_revenue(fresh_shop, year=2024, category="books")

    after = query(fresh_shop, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    assert after == schema, "the reports changed the schema: indexes belong in prepare()"
    assert fresh_shop.total_changes == changes, "the reports wrote to the database"
