"""Speed: the candidate's reports against the starter's, timed in one process on BIG_SHOP.

The baseline is the starter's code (service/baseline_report.py) on a copy of BIG_SHOP that was
never prepared, as the starter left it; the candidate's code runs on BIG_SHOP after their
prepare(). Both are timed by the step ``timings``, in the candidate's container, one after the
other in the same process; only the ratio of the two is asserted, here, so the machine's
speed does not matter. Each side's time is the best of a few runs (a hiccup cannot make the
candidate look slow), and the candidate's answer must at least have as many rows as the
baseline's.
"""

import pytest

SPEEDUP = 10  # required: the reference is well over 100 times faster
BASELINE_RUNS = 2
CANDIDATE_RUNS = 7
GIVE_UP_AFTER = 3  # the candidate's runs stop once they took 3 times the baseline in all

CASES = [
    ("top_customers", "quarter", {"start": "2023-04-01", "end": "2023-07-01"}),
    ("top_customers", "year-by-country",
     {"start": "2024-01-01", "end": "2025-01-01", "limit": 20, "country": "GB"}),
    ("monthly_revenue", "year", {"year": 2023}),
    ("monthly_revenue", "category", {"year": 2022, "category": "kitchen"}),
]


@pytest.mark.parametrize(("name", "kwargs"), [(name, kwargs) for name, _, kwargs in CASES],
                         ids=[f"{name}-{case}" for name, case, _ in CASES])
def test_speedup(name, kwargs, big_shop, baseline_shop, driver):
    timing = driver("timings", db=big_shop.db, baseline_db=baseline_shop.db, name=name,
                    kwargs=kwargs, baseline_runs=BASELINE_RUNS, candidate_runs=CANDIDATE_RUNS,
                    give_up_after=GIVE_UP_AFTER)

    # Only a sanity check: whether the rows are right is for the correctness tests.
    assert timing["answer_rows"] == timing["baseline_rows"], (
        f"{name}({kwargs}) did not return a report of the same size as the starter's"
        f" ({timing['baseline_rows']} rows)"
    )
    baseline_seconds, best = min(timing["baseline_seconds"]), min(timing["candidate_seconds"])
    ratio = baseline_seconds / best
    assert ratio >= SPEEDUP, (
        f"{name}({kwargs}): {ratio:.1f} times as fast as the starter; at least {SPEEDUP} needed"
        f" (starter {baseline_seconds * 1000:.1f} ms, yours {best * 1000:.1f} ms, best runs)"
    )
