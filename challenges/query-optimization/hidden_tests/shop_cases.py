"""The databases and parameter sets of the graded suite (grader-owned).

``build_expected.py`` (in the challenge folder, run by challenge authors) seeds ``SHOP``, runs
the reference solution on every case below and writes the answers to ``expected.json``; the
tests compare the candidate's answers with that file. Changing a case here means running
``build_expected.py`` again.

The tests pass these as the arguments of the steps: the candidate's container sees the
inputs of a case, never its answer.
"""

# Seed arguments of the databases the suite has built with service/grader_seed.py.
SHOP = {"customers": 300, "orders": 3000, "seed": 2024}  # correctness, indexing (prepared once)
BIG_SHOP = {"customers": 1000, "orders": 8000, "seed": 7}  # statement counts, performance
FRESH_SHOP = {"customers": 60, "orders": 600, "seed": 1}  # a new one per test, not prepared

# (id, keyword arguments of top_customers) on SHOP.
TOP_CUSTOMERS_CASES = [
    ("quarter", {"start": "2023-04-01", "end": "2023-07-01"}),
    # customers 119 and 126 tie at ranks 34 and 35: the cut must keep 119.
    ("quarter-limit-cuts-a-tie", {"start": "2023-04-01", "end": "2023-07-01", "limit": 34}),
    ("year-2022-limit-20", {"start": "2022-01-01", "end": "2023-01-01", "limit": 20}),
    ("all-time-full-ranking", {"start": "2022-01-01", "end": "2025-01-01", "limit": 1000}),
    # four customers tie at ranks 15-18; their names sort in another order than their ids.
    ("leap-february-limit-cuts-a-tie", {"start": "2024-02-01", "end": "2024-03-01", "limit": 16}),
    ("leap-february-full", {"start": "2024-02-01", "end": "2024-03-01", "limit": 100}),
    # two paid orders placed at exactly 2023-12-12 00:00:00.
    ("day-with-midnight-orders", {"start": "2023-12-12", "end": "2023-12-13", "limit": 50}),
    # a paid order at exactly `start` (included) and another at exactly `end` (excluded).
    ("timestamp-bounds", {"start": "2023-06-11 00:00:00", "end": "2023-06-11 16:46:22",
                          "limit": 50}),
    ("timestamps-within-days", {"start": "2023-03-15 12:00:00", "end": "2023-03-20 08:30:00",
                                "limit": 30}),
    ("country-de", {"start": "2022-01-01", "end": "2025-01-01", "limit": 15, "country": "DE"}),
    ("country-us-quarter-limit-5", {"start": "2024-07-01", "end": "2024-10-01", "limit": 5,
                                    "country": "US"}),
    ("small-country-limit-above-result", {"start": "2022-01-01", "end": "2025-01-01",
                                          "limit": 50, "country": "IS"}),
    ("unknown-country", {"start": "2022-01-01", "end": "2025-01-01", "country": "ZZ"}),
    ("limit-1", {"start": "2024-01-01", "end": "2025-01-01", "limit": 1}),
    ("before-any-order", {"start": "2019-01-01", "end": "2022-01-01"}),
    ("after-the-last-order", {"start": "2025-01-01", "end": "2026-01-01"}),
    ("empty-range", {"start": "2023-05-01", "end": "2023-05-01"}),
    ("reversed-range", {"start": "2023-07-01", "end": "2023-04-01"}),
]

# (id, keyword arguments of monthly_revenue) on SHOP.
MONTHLY_REVENUE_CASES = [
    ("2022", {"year": 2022}),
    ("2023", {"year": 2023}),
    ("2024-leap-year", {"year": 2024}),
    ("2023-books", {"year": 2023, "category": "books"}),
    ("2024-electronics", {"year": 2024, "category": "electronics"}),
    ("2022-toys", {"year": 2022, "category": "toys"}),
    ("2021-before-any-order", {"year": 2021}),
    ("2025-after-the-last-order", {"year": 2025}),
    ("unknown-category", {"year": 2023, "category": "groceries"}),
]

