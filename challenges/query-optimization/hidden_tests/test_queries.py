"""Statement counts: a report runs a few SQL statements, however much data there is.

Counted with the connection's trace callback, which sees every statement sqlite runs for the
connection (each execution of each statement, executemany rows included). The step ``traced``
sets it beside the candidate's code and returns the statements it saw.
"""

import pytest

MAX_STATEMENTS = 3

CASES = [
    ("top_customers", "quarter", {"start": "2023-04-01", "end": "2023-07-01"}),
    ("top_customers", "year-limit-50", {"start": "2023-01-01", "end": "2024-01-01", "limit": 50}),
    ("top_customers", "all-time-country",
     {"start": "2022-01-01", "end": "2025-01-01", "limit": 25, "country": "DE"}),
    ("monthly_revenue", "year", {"year": 2023}),
    ("monthly_revenue", "category", {"year": 2024, "category": "books"}),
]


@pytest.mark.parametrize(("name", "kwargs"), [(name, kwargs) for name, _, kwargs in CASES],
                         ids=[f"{name}-{case}" for name, case, _ in CASES])
def test_statement_count_is_small(name, kwargs, big_shop):
    statements = big_shop.traced(name, **kwargs)

    shown = "\n".join(statement[:200] for statement in statements[:5])
    assert 1 <= len(statements) <= MAX_STATEMENTS, (
        f"{name}({kwargs}) ran {len(statements)} SQL statements; at most {MAX_STATEMENTS}"
        f" are allowed, whatever the data. The first ones:\n{shown}"
    )
