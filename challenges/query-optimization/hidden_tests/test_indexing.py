"""Indexes: prepare() creates them, the reports' queries use them, the reports change nothing.

The statements a report runs are captured with the trace callback (bound values inlined) and
each SELECT is explained with EXPLAIN QUERY PLAN on the same connection, by the steps
``traced`` and ``explain`` in the candidate's container; the plans are judged here. A plan
passes when no step reads orders or order_items in full (a SCAN, or an AUTOMATIC index that
sqlite builds by scanning the table on every run) and at least one step finds rows of orders
or order_items through an index of yours (SEARCH ... USING [COVERING] INDEX).
"""

import re

import pytest

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


def plan_problems(shop, statements):
    """(problems, index_used) over every SELECT in ``statements``."""
    problems, index_used = [], False
    selects = []
    for sql in statements:
        words = sql.lstrip(" \t\n(").split(None, 1)
        if words and words[0].lower() in ("select", "with", "values"):
            selects.append(sql)
    plans = shop.explain(selects) if selects else []
    if len(plans) != len(selects):
        problems.append(f"{len(selects)} statements to explain, {len(plans)} plans came back")
    for sql, explained in zip(selects, plans):
        if "plan" not in explained:
            problems.append(f"cannot EXPLAIN {sql[:200]!r}: {explained.get('error')}")
            continue
        plan = explained["plan"]
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
    if not selects:
        problems.append("the report ran no SELECT statement")
    return problems, index_used


@pytest.mark.parametrize(("name", "kwargs"), [(name, kwargs) for name, _, kwargs in CASES],
                         ids=[f"{name}-{case}" for name, case, _ in CASES])
def test_report_queries_use_indexes(name, kwargs, shop):
    statements = shop.traced(name, **kwargs)

    problems, index_used = plan_problems(shop, statements)

    assert not problems, "\n".join(problems)
    assert index_used, (
        "no step of the plans finds orders or order_items rows through an index:\n"
        + "\n".join(statement[:300] for statement in statements[:5])
    )


def indexes(shop):
    return sorted(
        (table, name)
        for name, table in shop.query(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    )


def test_prepare_creates_indexes(fresh_shop):
    assert indexes(fresh_shop) == []

    fresh_shop.prepare()

    tables = {table for table, _ in indexes(fresh_shop)}
    assert tables & set(TABLES), f"prepare() created no index on orders or order_items: {indexes(fresh_shop)}"


def test_prepare_can_run_twice(mini):
    before = indexes(mini)
    march = mini.top_customers(start="2024-03-01", end="2024-04-01")
    year = mini.monthly_revenue(year=2024, category="books")

    mini.prepare()  # the fixture already ran it once

    assert indexes(mini) == before
    assert mini.top_customers(start="2024-03-01", end="2024-04-01") == march
    assert mini.monthly_revenue(year=2024, category="books") == year


def test_reports_do_not_change_the_database(fresh_shop):
    fresh_shop.prepare()
    schema = fresh_shop.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    changes = fresh_shop.total_changes()

    fresh_shop.top_customers(start="2023-01-01", end="2024-01-01", limit=5)
    fresh_shop.top_customers(start="2024-01-01", end="2024-04-01", country="DE")
    fresh_shop.monthly_revenue(year=2023)
    fresh_shop.monthly_revenue(year=2024, category="books")

    after = fresh_shop.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    assert after == schema, "the reports changed the schema: indexes belong in prepare()"
    assert fresh_shop.total_changes() == changes, "the reports wrote to the database"
