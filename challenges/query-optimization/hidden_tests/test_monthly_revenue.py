"""monthly_revenue: the expected answers on the seeded shop, and the edge cases on the mini shop."""

import pytest
from conftest import EXPECTED
from mini_shop import months
from shop_cases import MONTHLY_REVENUE_CASES

MINI_2024 = months(2024, m01=(1, 1998), m02=(1, 4000), m03=(8, 38396), m04=(1, 40000),
                   m12=(1, 1500))


@pytest.mark.parametrize("case", [case_id for case_id, _ in MONTHLY_REVENUE_CASES])
def test_matches_expected(case, shop, report, check):
    entry = EXPECTED["monthly_revenue"][case]
    check(report.monthly_revenue(shop, **entry["kwargs"]), entry["expected"])


def test_twelve_months_in_order_with_zeros(mini, report, check):
    result = report.monthly_revenue(mini, year=2024)

    check(result, MINI_2024)
    for item in result:
        assert type(item) is dict, f"rows must be dicts, got {type(item).__name__}"
        assert set(item) == {"month", "orders", "revenue_cents"}
        assert type(item["orders"]) is int and type(item["revenue_cents"]) is int, item


def test_year_boundaries(mini, report, check):
    # o15 at 2023-12-31 23:59:59 and o16 at 2025-01-01 00:00:00 are outside 2024;
    # o18 at 2024-01-01 00:00:00 and o17 at 2024-12-31 23:59:59 are inside.
    check(report.monthly_revenue(mini, year=2023), months(2023, m12=(1, 3000)))
    check(report.monthly_revenue(mini, year=2025), months(2025, m01=(1, 999)))


def test_category_counts_only_its_items(mini, report, check):
    # Books: the novels of o2, o6 (sold at 1200) and o7, the free stickers of o12, and o17.
    check(report.monthly_revenue(mini, year=2024, category="books"),
          months(2024, m03=(4, 4200), m12=(1, 1500)))
    # Electronics: the cables of o18, o2 (three), o7 (sold at 700) and o9.
    check(report.monthly_revenue(mini, year=2024, category="electronics"),
          months(2024, m01=(1, 1998), m03=(3, 4696)))
    # Home: the lamps; those of the cancelled, refunded and pending orders do not count.
    check(report.monthly_revenue(mini, year=2024, category="home"),
          months(2024, m02=(1, 4000), m03=(2, 12000), m04=(1, 40000)))


def test_years_and_categories_without_orders_are_all_zeros(mini, report, check):
    check(report.monthly_revenue(mini, year=2022), months(2022))
    check(report.monthly_revenue(mini, year=2024, category="garden"), months(2024))
    check(report.monthly_revenue(mini, year=2024, category="Books"), months(2024))


def test_results_reflect_the_current_data(mini, report, check):
    check(report.monthly_revenue(mini, year=2024), MINI_2024)
    with mini:
        mini.execute("UPDATE orders SET status = 'paid' WHERE id = 3")  # 5 x 4000 in March

    check(report.monthly_revenue(mini, year=2024),
          months(2024, m01=(1, 1998), m02=(1, 4000), m03=(9, 58396), m04=(1, 40000),
                 m12=(1, 1500)))
