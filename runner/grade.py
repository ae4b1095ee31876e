"""Score the JUnit cases against the challenge's rubric. Pure logic: no I/O.

Only tests the challenge defines can score. A defined test absent from the report counts
as failed (``missing``); a reported test the challenge does not define scores nothing and
is flagged; so is a test reported twice (its worst outcome counts).

Canaries, tests the grader adds to every run that are built to fail, check the report
itself: if one passed, or vanished from a run whose tests ran, something changed outcomes or
the report, and nothing in it can be trusted: the score is 0 and the run is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner.junit import JunitCase, junit_key, truncate
from runner.results import CategoryScore, Flag, Outcome, Status, TestResult
from runner.spec import ChallengeSpec

__all__ = ["Grading", "SandboxFacts", "grade"]

# Worst first: when a test is reported twice, the worse outcome stands.
_SEVERITY = [Outcome.ERROR, Outcome.FAILED, Outcome.MISSING, Outcome.SKIPPED, Outcome.PASSED]
_EVIDENCE_NAMES = 20
_TEARDOWN_ERROR = "failed on teardown"


@dataclass(frozen=True)
class SandboxFacts:
    """What the grader observed of the run itself, outside the container."""

    timed_out: bool = False
    timeout_seconds: float = 0.0
    oom_killed: bool = False
    memory_mb: int = 0
    exit_code: int | None = 0
    output_truncated: bool = False
    output_kb: int = 0
    pid_limit_hits: int = 0  # forks the kernel refused, when the grader could read it
    pids: int = 0


@dataclass(frozen=True)
class Grading:
    status: Status
    reason: str
    score: float
    max_score: float
    percent: float
    categories: list[CategoryScore]
    tests: list[TestResult]
    flags: list[Flag]


def grade(spec: ChallengeSpec, cases: list[JunitCase] | None, facts: SandboxFacts, *,
          junit_problem: str = "", canaries: tuple[str, ...] = ()) -> Grading:
    """Grade one run. ``cases`` is None when no usable JUnit exists (``junit_problem`` says why);
    ``canaries`` are the node ids of the tests the grader added to fail."""
    flags = _sandbox_flags(facts)
    by_key: dict[tuple[str, str], list[JunitCase]] = {}
    for case in cases or []:
        by_key.setdefault((case.classname, case.name), []).append(case)
    tampered = ""
    if cases is not None:
        ran = any(c.outcome in (Outcome.PASSED, Outcome.FAILED) for c in cases)
        uncollected = {case.name for case in cases if not case.classname and case.outcome is Outcome.ERROR}
        tampered = "; ".join(filter(None, (
            _canary_evidence(canary, by_key.pop(junit_key(canary), []), facts, ran=ran,
                             uncollected=uncollected)
            for canary in canaries)))
        if tampered:
            flags.append(Flag(code="tampering-suspected",
                              message="a test built to fail did not fail: the report cannot be trusted "
                                      "and scores 0", evidence=tampered))

    tests: list[TestResult] = []
    for test in spec.tests:
        reported = by_key.pop(junit_key(test.id), [])
        worst = min(reported, key=lambda c: _SEVERITY.index(c.outcome)) if reported else None
        tests.append(TestResult(
            name=test.id, category=test.category, weight=test.weight,
            outcome=worst.outcome if worst else Outcome.MISSING,
            duration=worst.duration if worst else None,
            message=worst.message if worst else "",
        ))
        # pytest reports a test a second time when its teardown fails: that is no forgery.
        if len([c for c in reported if not c.message.startswith(_TEARDOWN_ERROR)]) > 1:
            flags.append(Flag(code="duplicate-tests", message=f"{test.id} was reported {len(reported)} times",
                              evidence="the worst outcome was counted"))

    if cases is not None:
        _completeness_flags(tests, by_key, flags)
    flags.extend(_grader_fault_flags(tests, cases or [], facts))
    # Collection and import errors are reported too, under names the challenge does not define.
    flags.extend(_limit_flags([(t.name, t.message) for t in tests]
                              + [(f"{c}::{n}", case.message) for (c, n), same in by_key.items() for case in same],
                              facts))

    categories, exact_score = _category_scores(spec, tests)
    if tampered:
        categories = [c.model_copy(update={"score": 0.0}) for c in categories]
        exact_score = 0.0
    max_score = sum(c.max_score for c in categories)
    score = round(exact_score, 2)
    if cases is None and facts.timed_out:
        status, reason = Status.TIMEOUT, (
            f"the suite ran past {facts.timeout_seconds:g} s and was stopped before it wrote "
            "a report; no test could be graded")
    elif cases is None:
        status, reason = Status.ERROR, _error_reason(junit_problem, facts)
    elif facts.timed_out:
        status, reason = Status.TIMEOUT, (
            f"the suite ran past {facts.timeout_seconds:g} s and was stopped; the tests that "
            "finished were graded")
    else:
        status, reason = Status.GRADED, ""
    return Grading(status=status, reason=reason, score=score, max_score=max_score,
                   percent=round(100 * exact_score / max_score, 1) if max_score else 0.0,
                   categories=categories, tests=tests, flags=flags)


def _category_scores(spec: ChallengeSpec,
                     tests: list[TestResult]) -> tuple[list[CategoryScore], float]:
    """Each category's score (rounded for display) and the unrounded total.

    The total and percent come from the unrounded scores: summing rounded ones drifts
    (three categories at 1/3 of 1 point each would make 0.99 points and 33.0%).
    """
    scores = []
    exact_total = 0.0
    for category in spec.categories:
        mine = [t for t in tests if t.category == category.name]
        total_weight = sum(t.weight for t in mine)
        passed = [t for t in mine if t.outcome is Outcome.PASSED]
        share = sum(t.weight for t in passed) / total_weight if total_weight else 0.0
        exact_total += category.weight * share
        scores.append(CategoryScore(
            name=category.name, description=category.description,
            score=round(category.weight * share, 2), max_score=category.weight,
            passed=len(passed), total=len(mine),
        ))
    return scores, exact_total


def _canary_evidence(canary: str, reported: list[JunitCase], facts: SandboxFacts, *, ran: bool,
                     uncollected: set[str]) -> str:
    """Why the canary shows tampering, or "" if it did not pass (or could not have run)."""
    if not reported:
        # A run stopped by a limit may never have reached it, and one interrupted by a
        # collection error runs no test at all, nor does a module that failed to import (a
        # look-alike canary lives in one of the suite's own); a run whose tests ran, and whose
        # module of the canary was collected, must have run it.
        module = canary.split("::")[0].removesuffix(".py").replace("/", ".")
        if facts.timed_out or facts.oom_killed or not ran or module in uncollected:
            return ""
        return f"the canary {canary} is missing from a report whose tests ran"
    if any(c.outcome is Outcome.PASSED for c in reported):
        return f"the canary {canary} was reported passed"
    return ""


def _sandbox_flags(facts: SandboxFacts) -> list[Flag]:
    flags = []
    if facts.timed_out:
        flags.append(Flag(code="timeout", message=f"the time limit of {facts.timeout_seconds:g} s was reached"))
    if facts.oom_killed:
        flags.append(Flag(code="memory-limit", message=f"the memory limit of {facts.memory_mb} MB was reached",
                          evidence="the container was killed by the kernel's OOM killer"))
    if facts.output_truncated:
        flags.append(Flag(code="output-truncated",
                          message=f"the output exceeded {facts.output_kb} KB and was cut"))
    return flags


# A limit hit inside the container shows in the errors of the tests that hit it. A candidate
# can print these words on purpose, but only to flag their own run for review.
_LIMIT_ERRORS = {
    "pid-limit": ("[Errno 11] Resource temporarily unavailable", "can't start new thread"),
    "disk-limit": ("[Errno 28] No space left on device", "[Errno 27] File too large"),
}


def _limit_flags(reported: list[tuple[str, str]], facts: SandboxFacts) -> list[Flag]:
    """pid-limit and disk-limit, from what the kernel counted and from the reported errors
    (``(name, message)`` pairs: the defined tests' and any collection error's)."""
    def hit_in(code: str) -> list[str]:
        return [name for name, message in reported if any(sign in message for sign in _LIMIT_ERRORS[code])]

    flags = []
    forks, disk = hit_in("pid-limit"), hit_in("disk-limit")
    if facts.pid_limit_hits or forks:
        evidence = [f"the kernel refused {facts.pid_limit_hits} forks"] if facts.pid_limit_hits else []
        evidence += [f"in {_names(forks)}"] if forks else []
        flags.append(Flag(code="pid-limit", message=f"the process limit of {facts.pids} was reached",
                          evidence="; ".join(evidence)))
    if disk:
        flags.append(Flag(code="disk-limit", message="a scratch-space or file-size limit was reached",
                          evidence=f"in {_names(disk)}"))
    return flags


# pytest's exit codes that say the run itself broke, not a test: internal error, usage error
# (a bad option or configuration), no tests collected.
_HARNESS_EXIT_CODES = {3: "an internal error", 4: "a usage error", 5: "no tests collected"}
_MIN_TESTS_FOR_SAME_FAILURE = 3
_SUBMISSION_PATH = "/submission/"  # where the candidate's files are, in either container


def _grader_fault_flags(tests: list[TestResult], cases: list[JunitCase], facts: SandboxFacts) -> list[Flag]:
    """A broken grader must not pass for a candidate's 0: a run whose every defined test
    failed the same way, or that pytest itself reports as broken, goes to a reviewer."""
    flags = []
    if facts.exit_code in _HARNESS_EXIT_CODES and not facts.timed_out and not facts.oom_killed:
        flags.append(Flag(code="grader-fault-suspected",
                          message=f"pytest reported {_HARNESS_EXIT_CODES[facts.exit_code]} (exit code "
                                  f"{facts.exit_code}): the suite may not have run as written",
                          evidence="see output.log"))
    elif any("INTERNALERROR" in c.message for c in cases):
        flags.append(Flag(code="grader-fault-suspected", message="pytest reported an internal error",
                          evidence="see output.log"))
    failing = [t for t in tests if t.outcome in (Outcome.FAILED, Outcome.ERROR)]
    if len(tests) >= _MIN_TESTS_FOR_SAME_FAILURE and len(failing) == len(tests):
        firsts = {_first_line(t.message) for t in failing}
        # A starter's stubs fail alike by design (NotImplementedError), and so does code that
        # cannot be imported: a failure raised in the candidate's own files is theirs to fix.
        if len(firsts) == 1 and "NotImplementedError" not in (first := firsts.pop()) \
                and not all(_SUBMISSION_PATH in t.message for t in failing):
            flags.append(Flag(
                code="grader-fault-suspected",
                message=f"all {len(tests)} tests failed with the same message: the grader or the "
                        "challenge may be broken rather than the submission",
                evidence=truncate(first, 300)))
    return flags


def _first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


def _completeness_flags(tests: list[TestResult], unknown: dict[tuple[str, str], list[JunitCase]],
                        flags: list[Flag]) -> None:
    missing = [t.name for t in tests if t.outcome is Outcome.MISSING]
    if missing:
        flags.append(Flag(code="missing-tests",
                          message=f"{len(missing)} of {len(tests)} tests did not report a result",
                          evidence=_names(missing)))
    skipped = [t.name for t in tests if t.outcome is Outcome.SKIPPED]
    if skipped:
        flags.append(Flag(code="skipped-tests", message=f"{len(skipped)} tests were skipped",
                          evidence=_names(skipped)))
    if unknown:
        flags.append(Flag(code="unknown-tests",
                          message=f"{len(unknown)} reported tests are not part of the challenge",
                          evidence=_names([f"{c}::{n}" for c, n in unknown])))


def _error_reason(junit_problem: str, facts: SandboxFacts) -> str:
    causes = []
    if facts.oom_killed:
        causes.append(f"the memory limit of {facts.memory_mb} MB was reached")
    if facts.timed_out:
        causes.append(f"the time limit of {facts.timeout_seconds:g} s was reached")
    if not causes and facts.exit_code not in (0, 1, None):
        causes.append(f"pytest exited with code {facts.exit_code}")
    return "; ".join([junit_problem or "no usable JUnit report", *causes])


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_EVIDENCE_NAMES])
    return shown + (f" (+{len(names) - _EVIDENCE_NAMES} more)" if len(names) > _EVIDENCE_NAMES else "")
