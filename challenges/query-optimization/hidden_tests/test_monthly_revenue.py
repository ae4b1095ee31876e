"""monthly_revenue: the expected answers on the seeded shop, and the edge cases on the mini shop."""

import pytest
from conftest import EXPECTED
from mini_shop import months
from shop_cases import MONTHLY_REVENUE_CASES

MINI_2024 = months(2024, m01=(1, 1998), m02=(1, 4000), m03=(8, 38396), m04=(1, 40000),
                   m12=(1, 1500))


@pytest.mark.parametrize("case", [case_id for case_id, _ in MONTHLY_REVENUE_CASES])
def test_matches_expected(case, shop, check):
    entry = EXPECTED["monthly_revenue"][case]
    check(shop.monthly_revenue(**entry["kwargs"]), entry["expected"])


def test_twelve_months_in_order_with_zeros(mini, check):
    answer = mini.report_with_row_types("monthly_revenue", year=2024)
    result = answer["value"]

    check(result, MINI_2024)
    for item, types in zip(result, answer["row_types"]):
        assert types["type"] == "builtins.dict", f"rows must be dicts, got {types['type']}"
        assert set(item) == {"month", "orders", "revenue_cents"}
        assert types["fields"]["orders"] == "builtins.int", item
        assert types["fields"]["revenue_cents"] == "builtins.int", item


def test_year_boundaries(mini, check):
    # o15 at 2023-12-31 23:59:59 and o16 at 2025-01-01 00:00:00 are outside 2024;
    # o18 at 2024-01-01 00:00:00 and o17 at 2024-12-31 23:59:59 are inside.
    check(mini.monthly_revenue(year=2023), months(2023, m12=(1, 3000)))
    check(mini.monthly_revenue(year=2025), months(2025, m01=(1, 999)))


def test_category_counts_only_its_items(mini, check):
    # Books: the novels of o2, o6 (sold at 1200) and o7, the free stickers of o12, and o17.
    check(mini.monthly_revenue(year=2024, category="books"),
          months(2024, m03=(4, 4200), m12=(1, 1500)))
    # Electronics: the cables of o18, o2 (three), o7 (sold at 700) and o9.
    check(mini.monthly_revenue(year=2024, category="electronics"),
          months(2024, m01=(1, 1998), m03=(3, 4696)))
    # Home: the lamps; those of the cancelled, refunded and pending orders do not count.
    check(mini.monthly_revenue(year=2024, category="home"),
          months(2024, m02=(1, 4000), m03=(2, 12000), m04=(1, 40000)))


def test_years_and_categories_without_orders_are_all_zeros(mini, check):
    check(mini.monthly_revenue(year=2022), months(2022))
    check(mini.monthly_revenue(year=2024, category="garden"), months(2024))
    check(mini.monthly_revenue(year=2024, category="Books"), months(2024))


def test_results_reflect_the_current_data(mini, check):
    check(mini.monthly_revenue(year=2024), MINI_2024)
    mini.write("UPDATE orders SET status = 'paid' WHERE id = 3")  # 5 x 4000 in March

    check(mini.monthly_revenue(year=2024),
          months(2024, m01=(1, 1998), m02=(1, 4000), m03=(9, 58396), m04=(1, 40000),
                 m12=(1, 1500)))
