"""The report's view-model: a ``Result`` turned into display-ready strings, per view.

The candidate view is built from an allow-list, not by hiding parts of the reviewer view:
hidden test names, test messages, flag evidence, the error reason and sandbox internals never
enter its view-model, so no template can leak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from runner._render import STATUS_CSS, bar_width, duration, num
from runner.results import CategoryScore, Flag, Outcome, Result, Status, TestResult

View = Literal["reviewer", "candidate"]


_OUTCOME_CSS = {
    Outcome.PASSED: "ok",
    Outcome.FAILED: "bad",
    Outcome.ERROR: "bad",
    Outcome.SKIPPED: "muted",
    Outcome.MISSING: "warn",
}


_REVIEWER_STATUS = {
    Status.GRADED: "The suite ran to the end and its results were graded.",
    Status.TIMEOUT: "The wall clock ran out; the results written so far were graded.",
    Status.ERROR: "There were no usable test results, so the score is 0.",
}


_CANDIDATE_STATUS = {
    Status.GRADED: "Your submission was run against the assessment's tests and graded.",
    Status.TIMEOUT: (
        "The time limit was reached before every test finished. Tests that finished were"
        " graded; the others count as not passed."
    ),
    Status.ERROR: (
        "Your submission could not be graded, so the score is 0. This can happen when the"
        " code cannot be imported or does not start."
    ),
}


# Flags as a candidate reads them: one plain sentence per code, none of the grader's wording.
_CANDIDATE_FLAGS = {
    "timeout": "The time limit was reached.",
    "memory-limit": "The memory limit was reached.",
    "output-truncated": "Your code printed more output than is kept; the rest was cut off.",
    "missing-tests": "Some tests did not report a result; they count as not passed.",
    "unknown-tests": (
        "The run reported tests that are not part of the assessment; they were ignored."
    ),
    "skipped-tests": "Some tests were skipped; they count as not passed.",
    "duplicate-tests": "Some tests reported more than one result; the worse one counted.",
    "stripped-files": "Some files, such as version-control data, were removed before grading.",
    "pid-limit": "The limit on processes and threads was reached.",
    "disk-limit": "The limit on disk space or file size was reached.",
    "shadowed-modules": (
        "Some of your modules are named like standard or installed ones; those were used instead."
    ),
    "tampering-suspected": (
        "The test report could not be trusted, so no points were awarded; a reviewer will look at it."
    ),
}


_CANDIDATE_FLAG_OTHER = "The grader recorded a note for the reviewer."


_LIMIT_UNITS = {"_seconds": "s", "_mb": "MB", "_kb": "KB"}


@dataclass(frozen=True)
class CategoryRow:
    name: str
    description: str
    score: str  # "6.5"
    max_score: str
    percent: str  # "81.3"
    bar: str  # a CSS width: "81.3%"
    passed: int
    total: int


@dataclass(frozen=True)
class TestRow:
    name: str
    category: str
    weight: str
    outcome: str
    css: str  # ok | bad | warn | muted
    duration: str
    message: str


@dataclass(frozen=True)
class FlagRow:
    code: str  # empty in the candidate view
    message: str
    evidence: str  # empty in the candidate view


@dataclass(frozen=True)
class Tally:
    label: str  # an outcome: "passed"
    count: int
    css: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    mono: bool = False  # ids, hashes, paths: shown in a monospace font


@dataclass(frozen=True)
class FactGroup:
    title: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class ReportView:
    """What one report shows, as display-ready strings."""

    view: View
    kicker: str  # the line above the title
    title: str
    challenge_id: str
    status: str
    status_css: str
    status_text: str  # one sentence for the reader of this view
    reason: str  # reviewer only
    score: str
    max_score: str
    percent: str
    bar: str
    categories: tuple[CategoryRow, ...]
    flags_title: str
    flags: tuple[FlagRow, ...]
    show_tests: bool
    tests: tuple[TestRow, ...]
    messages: tuple[TestRow, ...]  # the tests that have a message
    tally: tuple[Tally, ...]
    facts: tuple[FactGroup, ...]
    note: str  # a closing paragraph
    footer: str


def build_view(result: Result, view: View = "reviewer") -> ReportView:
    """The view-model of one report; the candidate view is built only from what it may show."""
    if view not in get_args(View):
        raise ValueError(f"unknown report view {view!r} (expected reviewer or candidate)")
    reviewer = view == "reviewer"
    tests = tuple(_test(t) for t in result.tests) if reviewer else ()
    return ReportView(
        view=view,
        kicker="Assessment report" if reviewer else "Assessment feedback",
        title=result.challenge.title,
        challenge_id=result.challenge.id,
        status=result.status.value,
        status_css=STATUS_CSS[result.status],
        status_text=(_REVIEWER_STATUS if reviewer else _CANDIDATE_STATUS)[result.status],
        reason=result.reason if reviewer else "",
        score=num(result.score),
        max_score=num(result.max_score),
        percent=num(result.percent, 1),
        bar=bar_width(result.percent),
        categories=tuple(_category(c) for c in result.categories),
        flags_title="Flags" if reviewer else "Notes about the run",
        flags=tuple(_flag(f) for f in result.flags) if reviewer else _candidate_flags(result.flags),
        show_tests=reviewer,
        tests=tests,
        messages=tuple(t for t in tests if t.message),
        tally=_tally(result) if reviewer else (),
        facts=_facts(result) if reviewer else (),
        note=("" if reviewer else _candidate_note(result)),
        footer=(
            f"assess {result.runner_version} · result schema v{result.schema_version}"
            f" · finished {_when(result.finished_at)}"
            if reviewer
            else f"Graded {_when(result.finished_at)}"
        ),
    )


def _category(c: CategoryScore) -> CategoryRow:
    pct = percent_of(c.score, c.max_score)
    return CategoryRow(
        name=c.name,
        description=c.description,
        score=num(c.score),
        max_score=num(c.max_score),
        percent=num(pct, 1),
        bar=bar_width(pct),
        passed=c.passed,
        total=c.total,
    )


def _test(t: TestResult) -> TestRow:
    return TestRow(
        name=t.name,
        category=t.category,
        weight=num(t.weight),
        outcome=t.outcome.value,
        css=_OUTCOME_CSS[t.outcome],
        duration=duration(t.duration),
        message=t.message,
    )


def _flag(f: Flag) -> FlagRow:
    return FlagRow(code=f.code, message=f.message, evidence=f.evidence)


def _candidate_flags(flags: list[Flag]) -> tuple[FlagRow, ...]:
    sentences = dict.fromkeys(_CANDIDATE_FLAGS.get(f.code, _CANDIDATE_FLAG_OTHER) for f in flags)
    return tuple(FlagRow(code="", message=s, evidence="") for s in sentences)


def _tally(result: Result) -> tuple[Tally, ...]:
    counts = {o: sum(t.outcome == o for t in result.tests) for o in Outcome}
    return tuple(Tally(o.value, n, _OUTCOME_CSS[o]) for o, n in counts.items() if n)


def _facts(result: Result) -> tuple[FactGroup, ...]:
    s = result.submission
    submission = [Fact("Source", s.source, mono=True), Fact("Kind", s.kind)]
    submission += [Fact(label, value, mono=True) for label, value in (
        ("SHA-256", s.sha256), ("Commit", s.commit), ("Ref", s.ref)) if value is not None]
    submission += [Fact("Files", str(s.files)), Fact("Size", _size(s.bytes))]

    box = result.sandbox
    if box is None:
        sandbox = [Fact("Sandbox", "did not run")]
    else:
        output = _size(box.output_bytes) + (", truncated" if box.output_truncated else "")
        sandbox = [
            Fact("Image", box.image, mono=True),
            Fact("Image ID", box.image_id, mono=True),
            Fact("Exit code", "—" if box.exit_code is None else str(box.exit_code)),
            Fact("OOM killed", _yes(box.oom_killed)),
            Fact("Timed out", _yes(box.timed_out)),
            Fact("Output", output),
        ]
        sandbox += [_limit(k, v) for k, v in box.limits.items()]

    t = result.timings
    timings = [
        Fact("Ingest", duration(t.ingest_seconds)),
        Fact("Sandbox start", duration(t.sandbox_start_seconds)),
        Fact("Sandbox", duration(t.sandbox_seconds)),
        Fact("Grade", duration(t.grade_seconds)),
        Fact("Total", duration(t.total_seconds)),
        Fact("Started", _when(result.started_at)),
        Fact("Finished", _when(result.finished_at)),
        Fact("Runner", result.runner_version),
        Fact("Schema", f"v{result.schema_version}"),
    ]
    return (
        FactGroup("Submission", tuple(submission)),
        FactGroup("Sandbox", tuple(sandbox)),
        FactGroup("Run", tuple(timings)),
    )


def _candidate_note(result: Result) -> str:
    base = "Hidden test names and their output are not part of this feedback."
    if result.sandbox is None:
        return base
    limits = result.sandbox.limits
    parts = []
    if "timeout_seconds" in limits:
        parts.append(f"a time limit of {num(limits['timeout_seconds'])} s")
    if "memory_mb" in limits:
        parts.append(f"{num(limits['memory_mb'])} MB of memory")
    with_limits = f" with {' and '.join(parts)}" if parts else ""
    return f"Your code ran in an isolated sandbox{with_limits}. {base}"


def percent_of(score: float, max_score: float) -> float:
    return 100.0 * score / max_score if max_score > 0 else 0.0


def points(score: float, max_score: float, percent: float) -> str:
    return f"{num(score)}/{num(max_score)} ({num(percent, 1)}%)"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{num(n / 1024, 1)} KB"
    return f"{num(n / (1024 * 1024), 1)} MB"


def _when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.utcoffset() is not None else "")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _limit(key: str, value: float) -> Fact:
    for suffix, unit in _LIMIT_UNITS.items():
        if key.endswith(suffix):
            return Fact(_limit_label(key.removesuffix(suffix)), f"{num(value)} {unit}")
    return Fact(_limit_label(key), num(value))


def _limit_label(name: str) -> str:
    return f"{name.replace('_', ' ').capitalize()} limit"
