"""Grading: scores by category and test weight, outcomes, statuses, reasons and flags."""

from __future__ import annotations

from typing import Any

import pytest

from runner.grade import Grading, SandboxFacts, grade
from runner.junit import JunitCase, junit_key
from runner.results import Flag, Outcome, Status
from runner.spec import ChallengeSpec

CREATE = "test_api.py::test_create"  # api, weight 2
LIST = "test_api.py::test_list"  # api, weight 1
GONE = "test_api.py::TestDelete::test_gone[soft]"  # api, weight 3
EMPTY = "test_validation.py::test_empty"  # validation, weight 1
LONG = "sub/test_validation.py::test_long"  # validation, weight 1
ALL = [CREATE, LIST, GONE, EMPTY, LONG]


def make_spec(**overrides: Any) -> ChallengeSpec:
    """api is worth 5 points over test weights 2+1+3; validation 3 points over 1+1."""
    fields: dict[str, Any] = {
        "id": "todo-api",
        "title": "Todo API",
        "categories": [
            {"name": "api", "weight": 5, "description": "Endpoints"},
            {"name": "validation", "weight": 3},
        ],
        "tests": [
            {"id": CREATE, "category": "api", "weight": 2},
            {"id": LIST, "category": "api"},
            {"id": GONE, "category": "api", "weight": 3},
            {"id": EMPTY, "category": "validation"},
            {"id": LONG, "category": "validation"},
        ],
    }
    fields.update(overrides)
    return ChallengeSpec.model_validate(fields)


def case(node_id: str, outcome: Outcome = Outcome.PASSED, message: str = "",
         duration: float | None = 0.1) -> JunitCase:
    classname, name = junit_key(node_id)
    return JunitCase(classname, name, outcome, duration, message)


def run(cases: list[JunitCase] | None, facts: SandboxFacts | None = None, *,
        spec: ChallengeSpec | None = None, junit_problem: str = "") -> Grading:
    return grade(spec or make_spec(), cases, facts or SandboxFacts(), junit_problem=junit_problem)


def outcomes(grading: Grading) -> dict[str, Outcome]:
    return {t.name: t.outcome for t in grading.tests}


def flag(grading: Grading, code: str) -> Flag:
    [found] = [f for f in grading.flags if f.code == code]
    return found


def codes(grading: Grading) -> list[str]:
    return [f.code for f in grading.flags]


def test_full_marks() -> None:
    grading = run([case(t) for t in ALL])
    assert (grading.status, grading.reason) == (Status.GRADED, "")
    assert (grading.score, grading.max_score, grading.percent) == (8, 8, 100.0)
    assert [(c.name, c.score, c.max_score, c.passed, c.total) for c in grading.categories] == [
        ("api", 5, 5, 3, 3), ("validation", 3, 3, 2, 2),
    ]
    assert grading.categories[0].description == "Endpoints"
    assert outcomes(grading) == dict.fromkeys(ALL, Outcome.PASSED)
    assert grading.flags == []


def test_partial_marks_use_category_and_test_weights() -> None:
    grading = run([
        case(CREATE), case(LIST), case(GONE, Outcome.FAILED, "assert 404 == 204"),
        case(EMPTY), case(LONG, Outcome.ERROR, "ImportError"),
    ])
    # api: tests of weight 2 and 1 passed out of 2+1+3 -> 5 x 3/6 = 2.5
    # validation: one of two equal tests -> 3 x 1/2 = 1.5; total 4.0 of 8 = 50%
    assert [(c.name, c.score, c.passed, c.total) for c in grading.categories] == [
        ("api", 2.5, 2, 3), ("validation", 1.5, 1, 2),
    ]
    assert (grading.score, grading.max_score, grading.percent) == (4.0, 8, 50.0)
    assert grading.status is Status.GRADED
    assert grading.flags == []


def test_heavier_test_is_worth_more() -> None:
    only_gone = run([case(GONE)] + [case(t, Outcome.FAILED) for t in ALL if t != GONE])
    only_list = run([case(LIST)] + [case(t, Outcome.FAILED) for t in ALL if t != LIST])
    assert only_gone.score == 2.5  # 5 x 3/6
    assert only_list.score == 0.83  # 5 x 1/6 = 0.8333...
    assert only_list.percent == 10.4  # 0.8333 / 8 = 10.42%


def test_failure_details_reach_the_test_result() -> None:
    grading = run([case(t) for t in ALL if t != GONE]
                  + [case(GONE, Outcome.FAILED, "assert 404 == 204", duration=1.25)])
    [gone] = [t for t in grading.tests if t.name == GONE]
    assert (gone.category, gone.weight, gone.outcome) == ("api", 3, Outcome.FAILED)
    assert (gone.message, gone.duration) == ("assert 404 == 204", 1.25)


def test_reported_keys_follow_pytest_classnames() -> None:
    # What pytest writes for these node ids, spelled out rather than derived.
    reported = [
        JunitCase("test_api", "test_create", Outcome.PASSED, 0.1, ""),
        JunitCase("test_api", "test_list", Outcome.PASSED, 0.1, ""),
        JunitCase("test_api.TestDelete", "test_gone[soft]", Outcome.PASSED, 0.1, ""),
        JunitCase("test_validation", "test_empty", Outcome.PASSED, 0.1, ""),
        JunitCase("sub.test_validation", "test_long", Outcome.PASSED, 0.1, ""),
    ]
    grading = run(reported)
    assert grading.percent == 100.0
    assert grading.flags == []


def test_percent_is_rounded_from_the_exact_score() -> None:
    spec = make_spec(
        categories=[{"name": n, "weight": 1} for n in ("a", "b", "c")],
        tests=[{"id": f"test_{n}.py::test_{i}", "category": n} for n in "abc" for i in range(3)],
    )
    grading = run([case(f"test_{n}.py::test_{i}", Outcome.PASSED if i == 0 else Outcome.FAILED)
                   for n in "abc" for i in range(3)], spec=spec)
    # each category: 1 x 1/3 = 0.333 shown as 0.33; the total is 1.0 of 3, i.e. 33.3%
    assert [c.score for c in grading.categories] == [0.33, 0.33, 0.33]
    assert (grading.score, grading.max_score, grading.percent) == (1.0, 3, 33.3)


@pytest.mark.parametrize(("passed", "score", "percent"), [
    (1, 0.67, 33.3),  # 2 x 1/3 = 0.666...
    (2, 1.33, 66.7),  # 2 x 2/3 = 1.333...
])
def test_scores_round_to_two_places_and_percent_to_one(passed: int, score: float,
                                                       percent: float) -> None:
    spec = make_spec(categories=[{"name": "only", "weight": 2}],
                     tests=[{"id": f"test_x.py::test_{i}", "category": "only"} for i in range(3)])
    grading = run([case(f"test_x.py::test_{i}", Outcome.PASSED if i < passed else Outcome.FAILED)
                   for i in range(3)], spec=spec)
    assert (grading.score, grading.percent) == (score, percent)


def test_missing_test_counts_as_failed_and_is_flagged() -> None:
    grading = run([case(t) for t in ALL if t != LIST])
    assert outcomes(grading)[LIST] is Outcome.MISSING
    assert [(c.name, c.score, c.passed, c.total) for c in grading.categories] == [
        ("api", 4.17, 2, 3), ("validation", 3, 2, 2),  # api: 5 x 5/6
    ]
    missing = flag(grading, "missing-tests")
    assert missing.message == "1 of 5 tests did not report a result"
    assert missing.evidence == LIST
    assert grading.status is Status.GRADED


def test_many_missing_tests_are_listed_with_a_count_of_the_rest() -> None:
    spec = make_spec(categories=[{"name": "only", "weight": 1}],
                     tests=[{"id": f"test_x.py::test_{i:02}", "category": "only"} for i in range(25)])
    missing = flag(run([], spec=spec), "missing-tests")
    assert missing.message == "25 of 25 tests did not report a result"
    assert missing.evidence.startswith("test_x.py::test_00, test_x.py::test_01, ")
    assert "test_x.py::test_19" in missing.evidence
    assert "test_x.py::test_20" not in missing.evidence
    assert missing.evidence.endswith(" (+5 more)")


def test_unknown_reported_test_scores_nothing_and_is_flagged() -> None:
    half = [case(CREATE), case(EMPTY)]
    baseline = run(half)
    grading = run([*half, case("test_extra.py::test_sneaky"), case("test_api.py::test_create_v2")])
    assert (grading.score, grading.percent) == (baseline.score, baseline.percent)
    assert [t.name for t in grading.tests] == ALL
    unknown = flag(grading, "unknown-tests")
    assert unknown.message == "2 reported tests are not part of the challenge"
    assert unknown.evidence == "test_extra::test_sneaky, test_api::test_create_v2"


@pytest.mark.parametrize("order", [
    [Outcome.PASSED, Outcome.FAILED], [Outcome.FAILED, Outcome.PASSED],
])
def test_duplicated_test_counts_its_worst_outcome(order: list[Outcome]) -> None:
    reported = [case(t) for t in ALL if t != CREATE]
    reported += [case(CREATE, o, message=o.value) for o in order]
    grading = run(reported)
    [create] = [t for t in grading.tests if t.name == CREATE]
    assert (create.outcome, create.message) == (Outcome.FAILED, "failed")
    assert grading.score == 6.33  # api: 5 x 4/6 = 3.333; validation 3
    duplicate = flag(grading, "duplicate-tests")
    assert duplicate.message == f"{CREATE} was reported 2 times"
    assert duplicate.evidence == "the worst outcome was counted"


def test_error_is_worse_than_failure_when_duplicated() -> None:
    grading = run([case(t) for t in ALL if t != CREATE]
                  + [case(CREATE, Outcome.FAILED), case(CREATE, Outcome.ERROR), case(CREATE)])
    assert outcomes(grading)[CREATE] is Outcome.ERROR
    assert flag(grading, "duplicate-tests").message == f"{CREATE} was reported 3 times"


def test_skipped_test_scores_nothing_and_is_flagged() -> None:
    grading = run([case(t) for t in ALL if t != EMPTY]
                  + [case(EMPTY, Outcome.SKIPPED, "not today")])
    assert outcomes(grading)[EMPTY] is Outcome.SKIPPED
    assert [(c.name, c.score, c.passed) for c in grading.categories] == [
        ("api", 5, 3), ("validation", 1.5, 1),
    ]
    skipped = flag(grading, "skipped-tests")
    assert (skipped.message, skipped.evidence) == ("1 tests were skipped", EMPTY)
    assert "missing-tests" not in codes(grading)


def test_no_report_is_an_error_with_zero_score() -> None:
    grading = run(None, junit_problem="no JUnit report was written")
    assert grading.status is Status.ERROR
    assert grading.reason == "no JUnit report was written"
    assert (grading.score, grading.max_score, grading.percent) == (0, 8, 0.0)
    assert outcomes(grading) == dict.fromkeys(ALL, Outcome.MISSING)
    assert [(c.score, c.passed) for c in grading.categories] == [(0, 0), (0, 0)]


def test_no_report_without_a_stated_problem() -> None:
    assert run(None).reason == "no usable JUnit report"


def test_no_report_after_the_memory_limit() -> None:
    grading = run(None, SandboxFacts(oom_killed=True, memory_mb=256, exit_code=137),
                  junit_problem="the JUnit report is empty")
    assert grading.status is Status.ERROR
    assert grading.reason == "the JUnit report is empty; the memory limit of 256 MB was reached"
    memory = flag(grading, "memory-limit")
    assert memory.message == "the memory limit of 256 MB was reached"
    assert "OOM" in memory.evidence


def test_no_report_after_the_time_limit_is_a_timeout() -> None:
    grading = run(None, SandboxFacts(timed_out=True, timeout_seconds=60, exit_code=None),
                  junit_problem="no JUnit report was written")
    assert grading.status is Status.TIMEOUT
    assert grading.reason == ("the suite ran past 60 s and was stopped before it wrote a report; "
                              "no test could be graded")
    assert outcomes(grading) == dict.fromkeys(ALL, Outcome.MISSING)
    assert codes(grading) == ["timeout"]


def test_every_test_failing_the_same_way_is_flagged_as_a_possible_grader_fault() -> None:
    grading = run([case(t, Outcome.ERROR, "ValueError: no option named 'trace'\ntraceback...")
                   for t in ALL])
    suspect = flag(grading, "grader-fault-suspected")
    assert "all 5 tests failed with the same message" in suspect.message
    assert suspect.evidence == "ValueError: no option named 'trace'"
    assert grading.score == 0


@pytest.mark.parametrize("messages", [
    ["assert 1 == 2", "assert 1 == 2", "assert 3 == 4", "assert 1 == 2", "assert 1 == 2"],
    ["NotImplementedError"] * 5,  # a starter's stubs fail alike by design
    # The candidate's code does not import: their error, raised in their files.
    ['SyntaxError: invalid syntax\n  File "/submission/app/main.py", line 3'] * 5,
])
def test_failures_that_differ_or_are_stubs_are_no_grader_fault(messages: list[str]) -> None:
    grading = run([case(t, Outcome.FAILED, m) for t, m in zip(ALL, messages, strict=True)])
    assert "grader-fault-suspected" not in codes(grading)


def test_one_test_passing_is_no_grader_fault() -> None:
    grading = run([case(CREATE)] + [case(t, Outcome.ERROR, "boom") for t in ALL[1:]])
    assert "grader-fault-suspected" not in codes(grading)


@pytest.mark.parametrize(("exit_code", "words"), [(3, "an internal error"), (4, "a usage error")])
def test_pytest_reporting_its_own_failure_is_flagged(exit_code: int, words: str) -> None:
    grading = run(None, SandboxFacts(exit_code=exit_code), junit_problem="no JUnit report was written")
    assert grading.status is Status.ERROR
    assert words in flag(grading, "grader-fault-suspected").message


def test_limit_errors_raised_while_collecting_are_flagged() -> None:
    collection = JunitCase("test_api", "test_api", Outcome.ERROR, None,
                           "collection failure\nOSError: [Errno 28] No space left on device")
    forks = JunitCase("sub.test_x", "sub.test_x", Outcome.ERROR, None,
                      "BlockingIOError: [Errno 11] Resource temporarily unavailable")
    grading = run([case(t) for t in ALL] + [collection, forks])
    assert flag(grading, "disk-limit").evidence == "in test_api::test_api"
    assert "sub.test_x" in flag(grading, "pid-limit").evidence


@pytest.mark.parametrize(("exit_code", "reason"), [
    (4, "no JUnit report was written; pytest exited with code 4"),
    (1, "no JUnit report was written"),  # 1 only means tests failed
])
def test_no_report_names_an_unusual_exit_code(exit_code: int, reason: str) -> None:
    grading = run(None, SandboxFacts(exit_code=exit_code), junit_problem="no JUnit report was written")
    assert grading.reason == reason


def test_timeout_grades_the_tests_that_finished() -> None:
    grading = run([case(CREATE), case(LIST), case(EMPTY)],
                  SandboxFacts(timed_out=True, timeout_seconds=120, exit_code=None))
    assert grading.status is Status.TIMEOUT
    assert grading.reason == ("the suite ran past 120 s and was stopped; "
                              "the tests that finished were graded")
    # api: 5 x 3/6 = 2.5; validation: 3 x 1/2 = 1.5
    assert (grading.score, grading.percent) == (4.0, 50.0)
    assert outcomes(grading)[GONE] is Outcome.MISSING
    assert flag(grading, "timeout").message == "the time limit of 120 s was reached"
    assert flag(grading, "missing-tests").evidence == f"{GONE}, {LONG}"


def test_fractional_timeout_is_shown_compactly() -> None:
    grading = run([case(t) for t in ALL], SandboxFacts(timed_out=True, timeout_seconds=2.5))
    assert grading.reason.startswith("the suite ran past 2.5 s ")


def test_truncated_output_is_flagged() -> None:
    grading = run([case(t) for t in ALL], SandboxFacts(output_truncated=True, output_kb=1024))
    assert grading.status is Status.GRADED
    assert grading.percent == 100.0
    assert codes(grading) == ["output-truncated"]
    assert flag(grading, "output-truncated").message == "the output exceeded 1024 KB and was cut"


def test_empty_report_is_graded_with_everything_missing() -> None:
    grading = run([])
    assert grading.status is Status.GRADED
    assert grading.score == 0
    assert flag(grading, "missing-tests").message == "5 of 5 tests did not report a result"


def test_teardown_error_reported_twice_is_an_error_but_not_a_forgery() -> None:
    cases = [case(CREATE, Outcome.FAILED, "assert False"),
             case(CREATE, Outcome.ERROR, 'failed on teardown with "ValueError: boom"')]
    grading = run(cases)
    assert outcomes(grading)[CREATE] is Outcome.ERROR
    assert "duplicate-tests" not in codes(grading)


# --- the canary: a test the grader adds to every run, built to fail ------------------------

CANARY = "test_zz5f3a9c.py::test_zz5f3a9c"
FIRST_CANARY = "test_0e41b7.py::test_0e41b7"


def with_canary(cases: list[JunitCase] | None, facts: SandboxFacts | None = None) -> Grading:
    """Graded with two canaries, the first of which failed as built, if any test ran."""
    ran = cases is not None and any(c.outcome in (Outcome.PASSED, Outcome.FAILED) for c in cases)
    first = [case(FIRST_CANARY, Outcome.FAILED)] if ran else []
    return grade(make_spec(), None if cases is None else first + cases, facts or SandboxFacts(),
                 canaries=(FIRST_CANARY, CANARY))


def test_a_failing_canary_is_neither_scored_nor_flagged() -> None:
    grading = with_canary([case(t) for t in ALL] + [case(CANARY, Outcome.FAILED, "assert [1, 2, 3] == [1, 2, 3, 4]")])
    assert grading.percent == 100
    assert grading.flags == []
    assert CANARY not in outcomes(grading)


@pytest.mark.parametrize("canary_outcome", [Outcome.PASSED, None], ids=["passed", "missing"])
def test_a_canary_that_passes_or_vanishes_zeroes_the_score_and_flags_tampering(
        canary_outcome: Outcome | None) -> None:
    cases = [case(t) for t in ALL] + ([case(CANARY, canary_outcome)] if canary_outcome else [])
    grading = with_canary(cases)
    assert (grading.status, grading.score, grading.percent) == (Status.GRADED, 0, 0)
    assert all(c.score == 0 for c in grading.categories)
    found = flag(grading, "tampering-suspected")
    assert CANARY in found.evidence
    assert ("passed" if canary_outcome else "missing") in found.evidence


@pytest.mark.parametrize("facts", [SandboxFacts(timed_out=True, timeout_seconds=5),
                                   SandboxFacts(oom_killed=True, memory_mb=64)], ids=["timeout", "oom"])
def test_a_canary_missing_from_a_run_stopped_by_a_limit_is_no_evidence(facts: SandboxFacts) -> None:
    grading = with_canary([case(CREATE)], facts)
    assert grading.score == 1.67  # test_create's 2 of api's 6 weight, of 5 points
    assert "tampering-suspected" not in [f.code for f in grading.flags]


def test_a_canary_missing_when_no_test_ran_at_all_is_no_evidence() -> None:
    # A collection error interrupts pytest before any test runs: the canary never ran either.
    grading = with_canary([JunitCase("", "test_api", Outcome.ERROR, None, "ImportError: no module named app")])
    assert "tampering-suspected" not in [f.code for f in grading.flags]


# --- limits hit inside the container --------------------------------------------------------


def test_refused_forks_counted_by_the_kernel_flag_the_process_limit() -> None:
    grading = run([case(t) for t in ALL], SandboxFacts(pid_limit_hits=37, pids=64))
    found = flag(grading, "pid-limit")
    assert found.message == "the process limit of 64 was reached"
    assert found.evidence == "the kernel refused 37 forks"


@pytest.mark.parametrize(("error", "code"), [
    ("BlockingIOError: [Errno 11] Resource temporarily unavailable", "pid-limit"),
    ("RuntimeError: can't start new thread", "pid-limit"),
    ("OSError: [Errno 28] No space left on device", "disk-limit"),
    ("OSError: [Errno 27] File too large", "disk-limit"),
])
def test_a_limit_named_in_a_tests_error_is_flagged_with_the_test(error: str, code: str) -> None:
    grading = run([case(t) for t in ALL if t != LIST] + [case(LIST, Outcome.FAILED, error)])
    assert flag(grading, code).evidence.endswith(f"in {LIST}")
    assert grading.percent < 100


def test_no_limit_flag_without_evidence() -> None:
    grading = run([case(t) for t in ALL if t != LIST] + [case(LIST, Outcome.FAILED, "assert 1 == 2")])
    assert not {"pid-limit", "disk-limit"} & {f.code for f in grading.flags}
