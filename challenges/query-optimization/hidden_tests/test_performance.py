"""Speed: the candidate's reports against the starter's, timed in this process on BIG_SHOP.

The baseline is the starter's code (baseline_report.py) on a copy of BIG_SHOP that was never
prepared, as the starter left it; the candidate's code runs on BIG_SHOP after their prepare().
Only the ratio of the two is asserted, so the machine's speed does not matter. Each side's
time is the best of a few runs (a hiccup cannot make the candidate look slow), and the
candidate's answer must at least have as many rows as the baseline's.
"""

import gc
import time

import baseline_report
import pytest

SPEEDUP = 10  # required: the reference is well over 100 times faster
BASELINE_RUNS = 2
CANDIDATE_RUNS = 7

CASES = [
    ("top_customers", "quarter", {"start": "2023-04-01", "end": "2023-07-01"}),
    ("top_customers", "year-by-country",
     {"start": "2024-01-01", "end": "2025-01-01", "limit": 20, "country": "GB"}),
    ("monthly_revenue", "year", {"year": 2023}),
    ("monthly_revenue", "category", {"year": 2022, "category": "kitchen"}),
]


def timed(function, conn, kwargs):
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        result = function(conn, **kwargs)
        return result, time.perf_counter() - started
    finally:
        gc.enable()


@pytest.mark.parametrize(("name", "kwargs"), [(name, kwargs) for name, _, kwargs in CASES],
                         ids=[f"{name}-{case}" for name, case, _ in CASES])
def test_speedup(name, kwargs, big_shop, baseline_shop, report):
    baseline, baseline_seconds = None, float("inf")
    for _ in range(BASELINE_RUNS):
        baseline, seconds = timed(getattr(baseline_report, name), baseline_shop, kwargs)
        baseline_seconds = min(baseline_seconds, seconds)

    function = getattr(report, name)
    answer, best = timed(function, big_shop, kwargs)  # also warms up
    # Only a sanity check: whether the rows are right is for the correctness tests.
    assert isinstance(answer, list) and len(answer) == len(baseline), (
        f"{name}({kwargs}) did not return a report of the same size as the starter's"
        f" ({len(baseline)} rows)"
    )
    spent = best
    for _ in range(CANDIDATE_RUNS):
        if spent > 3 * baseline_seconds:  # hopeless: do not spend the suite's time on it
            break
        _, seconds = timed(function, big_shop, kwargs)
        best, spent = min(best, seconds), spent + seconds

    ratio = baseline_seconds / best
    assert ratio >= SPEEDUP, (
        f"{name}({kwargs}): {ratio:.1f} times as fast as the starter; at least {SPEEDUP} needed"
        f" (starter {baseline_seconds * 1000:.1f} ms, yours {best * 1000:.1f} ms, best runs)"
    )
