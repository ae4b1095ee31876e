"""top_customers: the expected answers on the seeded shop, and the edge cases on the mini shop."""

import pytest
from conftest import EXPECTED
from mini_shop import row
from shop_cases import TOP_CUSTOMERS_CASES

MARCH = {"start": "2024-03-01", "end": "2024-04-01"}
MARCH_RANKING = [row(1, 2, 12497), row(3, 1, 10000), row(2, 1, 6200), row(4, 1, 6200),
                 row(9, 1, 2500), row(5, 1, 999)]


@pytest.mark.parametrize("case", [case_id for case_id, _ in TOP_CUSTOMERS_CASES])
def test_matches_expected(case, shop, check):
    entry = EXPECTED["top_customers"][case]
    check(shop.top_customers(**entry["kwargs"]), entry["expected"])


def test_ranking_and_row_shape(mini, check):
    answer = mini.report_with_row_types("top_customers", **MARCH, limit=10)
    result = answer["value"]

    check(result, MARCH_RANKING)
    for item, types in zip(result, answer["row_types"]):
        assert types["type"] == "builtins.dict", f"rows must be dicts, got {types['type']}"
        assert set(item) == {"customer_id", "name", "country", "orders", "revenue_cents"}
        for key in ("customer_id", "orders", "revenue_cents"):
            assert types["fields"][key] == "builtins.int", f"{key} must be an int: {item!r}"


def test_default_limit_is_10(empty_shop):
    from mini_shop import fill

    fill(empty_shop)
    # Twelve more customers with one paid March order each: 18 ranked customers in all.
    extra = []
    for n in range(12):
        cid, oid = 100 + n, 100 + n
        extra += [("INSERT INTO customers VALUES (?, ?, ?, 'SE', '2021-01-01 00:00:00')",
                   (cid, f"Extra {n}", f"extra{n}@example.com")),
                  ("INSERT INTO orders VALUES (?, ?, 'paid', '2024-03-02 12:00:00')", (oid, cid)),
                  (("INSERT INTO order_items (order_id, product_id, quantity,"
                    " unit_price_cents) VALUES (?, 1, 1, ?)"), (oid, 100 + n))]
    empty_shop.write(*extra)
    empty_shop.prepare()

    result = empty_shop.top_customers(**MARCH)

    assert [item["customer_id"] for item in result] == [1, 3, 2, 4, 9, 5, 111, 110, 109, 108]


def test_start_is_inclusive_and_end_exclusive(mini, check):
    # o1 at exactly 2024-03-01 00:00:00 counts, o5 at exactly 2024-04-01 00:00:00 does not.
    check(mini.top_customers(**MARCH)[:2], [row(1, 2, 12497), row(3, 1, 10000)])
    # The same with full timestamps: only o4, at 23:59:59, is in the second before midnight.
    check(mini.top_customers(start="2024-03-31 23:59:59", end="2024-04-01 00:00:00"),
          [row(3, 1, 10000)])
    check(mini.top_customers(start="2024-04-01 00:00:00", end="2024-04-01 00:00:01"),
          [row(3, 1, 40000)])
    check(mini.top_customers(start="2024-03-01 00:00:01", end="2024-03-15 10:00:00"),
          [row(2, 1, 6200), row(9, 1, 2500), row(5, 1, 999)])


def test_only_paid_orders_count(mini, check):
    # Ada's cancelled o3, Edsger's refunded o8 and Donald's pending and cancelled orders
    # are all in March; none of them counts.
    result = mini.top_customers(start="2024-03-05", end="2024-03-17", limit=20)

    check(result, [row(2, 1, 6200), row(1, 1, 4497), row(9, 1, 2500), row(5, 1, 999)])


def test_customers_without_revenue_are_left_out(mini):
    result = mini.top_customers(start="2020-01-01", end="2030-01-01", limit=100)

    ranked = [item["customer_id"] for item in result]
    assert 6 not in ranked, "Donald Knuth only has unpaid orders"
    assert 7 not in ranked, "Ken Thompson has no orders"
    assert 8 not in ranked, "Radia Perlman's only paid order is worth 0"
    assert ranked == [3, 1, 2, 4, 9, 5]


def test_ties_are_broken_by_customer_id(mini, check):
    # Grace Hopper (id 2) and Barbara Liskov (id 4) both spent 6200 in March.
    check(mini.top_customers(**MARCH, limit=4)[2:], [row(2, 1, 6200), row(4, 1, 6200)])
    check(mini.top_customers(**MARCH, limit=3)[2:], [row(2, 1, 6200)])
    check(mini.top_customers(**MARCH, limit=3, country="US")[:2],
          [row(2, 1, 6200), row(4, 1, 6200)])


def test_orders_counts_orders_not_items(mini, check):
    # Ada's two paid March orders have three items between them.
    check(mini.top_customers(**MARCH, limit=1), [row(1, 2, 12497)])


def test_revenue_uses_the_price_paid(mini, check):
    # The novel in o6 was sold at 1200 and the cable in o7 at 700, below their list prices.
    check(mini.top_customers(start="2024-03-10", end="2024-03-21", limit=3),
          [row(2, 1, 6200), row(4, 1, 6200), row(1, 1, 4497)])


def test_country_filter_applies_before_the_limit(mini, check):
    # The two best customers of March are British; the two best Americans come after them.
    check(mini.top_customers(**MARCH, limit=2, country="US"),
          [row(2, 1, 6200), row(4, 1, 6200)])
    check(mini.top_customers(**MARCH, limit=5, country="NL"), [row(5, 1, 999)])
    check(mini.top_customers(**MARCH, country="GB"), [row(1, 2, 12497), row(3, 1, 10000)])


def test_country_without_customers_is_empty(mini):
    assert mini.top_customers(**MARCH, country="FR") == []
    assert mini.top_customers(**MARCH, country="gb") == []  # exact match only


def test_limit_larger_than_the_result(mini, check):
    check(mini.top_customers(**MARCH, limit=1000), MARCH_RANKING)


def test_empty_and_reversed_ranges(mini):
    assert mini.top_customers(start="2024-03-01", end="2024-03-01") == []
    assert mini.top_customers(start="2024-04-01", end="2024-03-01") == []
    assert mini.top_customers(start="2024-03-01 00:00:00", end="2024-03-01 00:00:00") == []
    assert mini.top_customers(start="2026-01-01", end="2027-01-01") == []


def test_results_reflect_the_current_data(mini, check):
    check(mini.top_customers(**MARCH, limit=1), [row(1, 2, 12497)])
    mini.write("INSERT INTO orders VALUES (19, 7, 'paid', '2024-03-03 09:00:00')",
               "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
               " VALUES (19, 2, 5, 4000)",
               "UPDATE orders SET status = 'refunded' WHERE id = 1")

    check(mini.top_customers(**MARCH, limit=2), [row(7, 1, 20000), row(3, 1, 10000)])
