"""Public tests: a sample of what the hidden suite grades (it checks much more)."""

from conftest import traced


def test_top_customers_ranks_by_revenue_then_id(tiny_shop, report):
    result = report.top_customers(tiny_shop, start="2024-01-01", end="2024-02-01")

    # Ada and Grace both spent 7000 in January: the lower id comes first. Ada's order of
    # 2024-02-01 00:00:00 is outside the range (end is exclusive).
    assert result == [
        {"customer_id": 1, "name": "Ada Lovelace", "country": "GB", "orders": 1,
         "revenue_cents": 7000},
        {"customer_id": 3, "name": "Grace Hopper", "country": "US", "orders": 1,
         "revenue_cents": 7000},
        {"customer_id": 2, "name": "Alan Turing", "country": "GB", "orders": 1,
         "revenue_cents": 1200},
    ]


def test_top_customers_filters_by_country_and_limits(tiny_shop, report):
    result = report.top_customers(tiny_shop, start="2024-01-01", end="2024-03-01", limit=1,
                                  country="GB")

    assert result == [{"customer_id": 1, "name": "Ada Lovelace", "country": "GB", "orders": 2,
                       "revenue_cents": 11000}]
    assert report.top_customers(tiny_shop, start="2024-01-01", end="2024-03-01",
                                country="FR") == []


def test_monthly_revenue_has_twelve_months(tiny_shop, report):
    result = report.monthly_revenue(tiny_shop, year=2024)

    assert [row["month"] for row in result] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert result[0] == {"month": "2024-01", "orders": 3, "revenue_cents": 15200}
    assert result[1] == {"month": "2024-02", "orders": 1, "revenue_cents": 4000}
    assert all(row["orders"] == 0 and row["revenue_cents"] == 0 for row in result[2:])
    books = report.monthly_revenue(tiny_shop, year=2024, category="books")
    assert books[0] == {"month": "2024-01", "orders": 3, "revenue_cents": 7200}


def test_reports_run_a_few_statements(seeded_shop, report):
    report.prepare(seeded_shop)

    for call in (
        lambda: report.top_customers(seeded_shop, start="2023-01-01", end="2023-04-01"),
        lambda: report.monthly_revenue(seeded_shop, year=2023),
    ):
        statements = traced(seeded_shop, call)
        assert 1 <= len(statements) <= 3, f"{len(statements)} statements, e.g. {statements[:3]}"


def test_queries_search_orders_through_an_index(seeded_shop, report):
    report.prepare(seeded_shop)
    statements = traced(
        seeded_shop,
        lambda: report.top_customers(seeded_shop, start="2023-01-01", end="2023-04-01"),
    )

    plans = [
        step[3]
        for sql in statements
        if sql.lstrip().upper().startswith(("SELECT", "WITH"))
        for step in seeded_shop.execute("EXPLAIN QUERY PLAN " + sql)
    ]
    # The hidden suite checks this more precisely (aliases, order_items, automatic indexes):
    # see the brief.
    assert any("USING INDEX" in step or "USING COVERING INDEX" in step for step in plans), plans
    assert not any(step.startswith(("SCAN orders", "SCAN order_items")) for step in plans), plans
