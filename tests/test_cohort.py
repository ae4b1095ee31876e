"""Cohort reports: the three files, ranking, needs-review, histogram, categories, CSV, JSON,
escaping, self-containment, the empty and the large cohort."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from runner.cohort import (
    CohortEntry,
    build_cohort_view,
    rank_entries,
    render_cohort,
)
from runner.results import (
    CategoryScore,
    ChallengeInfo,
    Flag,
    Result,
    Status,
    SubmissionInfo,
    Timings,
)

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
CHALLENGE = ChallengeInfo(id="todo-api", title="Todo API")
HEADER = ["rank", "candidate", "source", "status", "score", "max_score", "percent",
          "correctness", "validation", "flags", "total_seconds", "error", "report"]


def make_result(percent: float, *, status: Status = Status.GRADED, flags: list[Flag] | None = None,
                seconds: float = 10.0, **overrides: Any) -> Result:
    """A result of ``percent`` out of 10 points: correctness (8 points) and validation (2),
    both at the same percent."""
    correctness, validation = 8 * percent / 100, 2 * percent / 100
    fields: dict[str, Any] = {
        "runner_version": "0.1.0",
        "challenge": CHALLENGE,
        "submission": SubmissionInfo(source="/subs/x.zip", kind="archive"),
        "status": status,
        "reason": {Status.TIMEOUT: "wall clock ran out", Status.ERROR: "no JUnit"}.get(status, ""),
        "score": correctness + validation,
        "max_score": 10,
        "percent": percent,
        "categories": [
            CategoryScore(name="correctness", description="Endpoints behave as specified",
                          score=correctness, max_score=8, passed=1, total=2),
            CategoryScore(name="validation", score=validation, max_score=2, passed=1, total=2),
        ],
        "tests": [],
        "flags": flags or [],
        "timings": Timings(total_seconds=seconds),
        "started_at": "2025-03-01T10:00:00+00:00",
        "finished_at": "2025-03-01T10:00:08+00:00",
    }
    fields.update(overrides)
    return Result(**fields)


def entry(candidate: str, percent: float | None, **kwargs: Any) -> CohortEntry:
    """An entry with a result (``percent`` given) or without one (None)."""
    source = kwargs.pop("source", f"/subs/{candidate}.zip")
    error = kwargs.pop("error", "")
    report = kwargs.pop("report_path", f"{candidate}/report.html")
    result = None if percent is None else make_result(percent, **kwargs)
    return CohortEntry(candidate=candidate, source=source, result=result, error=error,
                       report_path=report)


def render(entries: list[CohortEntry], tmp_path: Path,
           wall_seconds: float | None = None) -> tuple[str, list[list[str]], dict[str, Any]]:
    html_path, csv_path, json_path = render_cohort(entries, tmp_path / "cohort",
                                                   challenge=CHALLENGE, wall_seconds=wall_seconds)
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return (html_path.read_text(encoding="utf-8"), rows,
            json.loads(json_path.read_text(encoding="utf-8")))


def section(html: str, name: str) -> str:
    """The HTML of one section of the page, by its id."""
    match = re.search(rf'<section id="{name}".*?</section>', html, re.DOTALL)
    assert match, name
    return match[0]


MIXED = [
    entry("alice", 80),
    entry("bob", 90),
    entry("carol", 80),
    entry("dave", 70, flags=[Flag(code="missing-tests", message="1 test missing")]),
    entry("zed", 0, status=Status.ERROR),
    entry("tim", 40, status=Status.TIMEOUT),
    entry("eve", None, error="archive is not a zip"),
    entry("aaron", None, error="git clone failed"),
]


def test_three_files_are_written(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "cohort"
    paths = render_cohort(MIXED, out, challenge=CHALLENGE)
    assert paths == [out / "cohort.html", out / "cohort.csv", out / "cohort.json"]
    assert paths[0].read_text(encoding="utf-8").startswith("<!doctype html>")
    assert paths[1].read_text(encoding="utf-8").startswith("rank,candidate,source,")
    assert json.loads(paths[2].read_text(encoding="utf-8"))["schema_version"] == 1


def test_ranking_order_and_shared_ranks(tmp_path: Path) -> None:
    ranked = rank_entries(MIXED)
    assert [(r.rank, r.entry.candidate) for r in ranked] == [
        (1, "bob"), (2, "alice"), (2, "carol"), (4, "dave"), (5, "tim"), (6, "zed"),
        (None, "aaron"), (None, "eve"),
    ]
    html, rows, doc = render(MIXED, tmp_path)
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("1", "bob"), ("2", "alice"), ("2", "carol"), ("4", "dave"), ("5", "tim"), ("6", "zed"),
        ("", "aaron"), ("", "eve"),
    ]
    assert [(e["rank"], e["candidate"]) for e in doc["entries"]][-2:] == [
        (None, "aaron"), (None, "eve")]
    table = section(html, "ranking")
    shown = re.findall(r'<tr[^>]*><td class="num">([^<]*)</td><td class="name"[^>]*>'
                       r'(?:<a [^>]*>)?([^<]*)<', table)
    assert shown == [("1", "bob"), ("2", "alice"), ("2", "carol"), ("4", "dave"), ("5", "tim"),
                     ("6", "zed"), ("—", "aaron"), ("—", "eve")]


def test_percents_equal_but_for_float_noise_tie() -> None:
    entries = (entry(*e) for e in [("b", 200 / 3), ("a", 100 * (2 / 3)), ("c", 66.6)])
    ranked = rank_entries(entries)  # any iterable, read once
    assert [(r.rank, r.entry.candidate) for r in ranked] == [(1, "a"), (1, "b"), (3, "c")]


def test_needs_review_holds_exactly_flagged_timeout_error_and_ungraded(tmp_path: Path) -> None:
    view = build_cohort_view(MIXED, challenge=CHALLENGE)
    # Worst first (not graded, error, timeout, flagged), ranking order within.
    assert [(r.candidate, r.status) for r in view.review] == [
        ("aaron", "not graded"), ("eve", "not graded"), ("zed", "error"), ("tim", "timeout"),
        ("dave", "graded"),
    ]
    assert view.review[-1].flags == ("missing-tests",)
    assert view.review[0].note == "git clone failed"
    html = section(render(MIXED, tmp_path)[0], "review")
    for name in ("aaron", "eve", "zed", "tim", "dave"):
        assert f">{name}</a>" in html, name
    for name in ("alice", "bob", "carol"):
        assert name not in html, name
    assert '<code class="code">missing-tests</code>' in html
    assert '<a href="dave/report.html">dave</a>' in html


def test_nothing_to_review(tmp_path: Path) -> None:
    html, _, doc = render([entry("alice", 80), entry("bob", 90)], tmp_path)
    assert doc["summary"]["needs_review"] == 0
    assert "Nothing needs review" in section(html, "review")


def test_histogram_bins(tmp_path: Path) -> None:
    entries = [entry(f"c{i}", p) for i, p in enumerate([100, 95, 50, 50, 0, 59.99, 10])]
    entries.append(entry("none", None))  # not scored: not in the histogram
    view = build_cohort_view(entries, challenge=CHALLENGE)
    expected = [1, 1, 0, 0, 0, 3, 0, 0, 0, 2]
    assert [b.count for b in view.bars] == expected
    assert view.bars[0].label == "0–10" and view.bars[-1].label == "90–100"
    html, _, doc = render(entries, tmp_path)
    svg = section(html, "distribution")
    assert [int(n) for n in re.findall(r'<text class="count"[^>]*>(\d+)</text>', svg)] == expected
    assert re.findall(r'<text class="axis"[^>]*>([^<]+)</text>', svg)[5] == "50–60"
    assert "<script" not in svg and "<svg" in svg
    assert [b["count"] for b in doc["summary"]["histogram"]] == expected
    # Bars stand on the axis, scaled to the tallest, which reaches the top with its label inside.
    heights = [float(b.height) for b in view.bars]
    assert heights[9] / heights[5] == pytest.approx(2 / 3, rel=1e-3) and heights[2] == 0
    assert all(float(b.y) + float(b.height) == float(view.baseline_y) for b in view.bars)
    assert 0 < float(view.bars[5].count_y) < float(view.bars[5].y) <= 0.15 * view.svg_height


def test_category_averages_count_graded_entries_only(tmp_path: Path) -> None:
    entries = [entry("a", 75), entry("b", 25), entry("t", 0, status=Status.TIMEOUT),
               entry("n", None)]
    view = build_cohort_view(entries, challenge=CHALLENGE)
    assert [(c.name, c.mean_score, c.max_score, c.percent, c.bar, c.graded)
            for c in view.categories] == [
        ("correctness", "4", "8", "50", "50%", 2),
        ("validation", "1", "2", "50", "50%", 2),
    ]
    assert view.categories[0].description == "Endpoints behave as specified"
    _, _, doc = render(entries, tmp_path)
    assert doc["summary"]["categories"][0] == {
        "name": "correctness", "graded": 2, "mean_score": 4.0, "mean_max_score": 8.0,
        "mean_percent": 50.0}


def test_header_counts_scores_and_times(tmp_path: Path) -> None:
    entries = [entry("a", 90, seconds=1), entry("b", 60, seconds=30),
               entry("t", 30, status=Status.TIMEOUT, seconds=120), entry("n", None)]
    view = build_cohort_view(entries, challenge=CHALLENGE, wall_seconds=412.5)
    assert [(s.label, s.value, s.css) for s in view.counts] == [
        ("Submissions", "4", ""), ("Graded", "2", "ok"), ("Timeout", "1", "warn"),
        ("Error", "0", "muted"), ("Not graded", "1", "bad"), ("Needs review", "2", "warn")]
    assert [(s.label, s.value) for s in view.figures] == [
        ("Median score", "60%"), ("Mean score", "60%"), ("Batch wall time", "6 min 52 s"),
        ("Median grading time", "30 s")]
    html, _, _ = render(entries, tmp_path, wall_seconds=412.5)
    assert "Todo API" in html and "todo-api" in html and "6 min 52 s" in html


def test_csv_header_and_rows(tmp_path: Path) -> None:
    entries = [
        entry("alice", 75, seconds=8.5,
              flags=[Flag(code="missing-tests", message="m"), Flag(code="timeout", message="t")]),
        entry("eve", None, error="archive is not a zip", report_path=""),
    ]
    _, rows, _ = render(entries, tmp_path)
    assert rows == [
        HEADER,
        ["1", "alice", "/subs/alice.zip", "graded", "7.5", "10", "75", "6", "1.5",
         "missing-tests;timeout", "8.5", "", "alice/report.html"],
        ["", "eve", "/subs/eve.zip", "not graded", "", "", "", "", "", "", "",
         "archive is not a zip", ""],
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_guards_against_formula_injection(tmp_path: Path, start: str) -> None:
    payload = f"{start}HYPERLINK(\"http://evil\",\"x\")"
    entries = [entry(payload, 50, source=payload),
               entry("safe", None, source=f"{start}src", error=f"{start}1+1")]
    _, rows, doc = render(entries, tmp_path)
    by_rank = {row[0]: row for row in rows[1:]}
    assert by_rank["1"][1] == "'" + payload and by_rank["1"][2] == "'" + payload
    assert by_rank[""][1] == "safe"  # untouched
    assert by_rank[""][2] == f"'{start}src" and by_rank[""][11] == f"'{start}1+1"
    assert doc["entries"][0]["candidate"] == payload  # JSON keeps the real value


def test_json_round_trip(tmp_path: Path) -> None:
    entries = [*MIXED, entry("third", 100 / 3, seconds=2.25)]
    _, _, doc = render(entries, tmp_path, wall_seconds=99.5)
    assert doc["schema_version"] == 1
    assert doc["challenge"] == {"id": "todo-api", "title": "Todo API"}
    summary = doc["summary"]
    assert {k: summary[k] for k in ("submissions", "graded", "timeout", "error", "not_graded",
                                    "needs_review", "scored", "wall_seconds")} == {
        "submissions": 9, "graded": 5, "timeout": 1, "error": 1, "not_graded": 2,
        "needs_review": 5, "scored": 7, "wall_seconds": 99.5}
    percents = [80, 90, 80, 70, 0, 40, 100 / 3]
    assert summary["mean_percent"] == pytest.approx(sum(percents) / 7)
    assert summary["median_percent"] == 70
    assert summary["median_seconds"] == 10
    third = next(e for e in doc["entries"] if e["candidate"] == "third")
    assert third == {
        "rank": 6, "candidate": "third", "source": "/subs/third.zip", "status": "graded",
        "score": pytest.approx(10 / 3), "max_score": 10, "percent": 100 / 3,
        "categories": {"correctness": pytest.approx(8 / 3), "validation": pytest.approx(2 / 3)},
        "flags": [], "total_seconds": 2.25, "error": "", "report": "third/report.html"}
    dave = next(e for e in doc["entries"] if e["candidate"] == "dave")
    assert dave["flags"] == ["missing-tests"]
    zed = next(e for e in doc["entries"] if e["candidate"] == "zed")
    assert (zed["status"], zed["percent"], zed["error"]) == ("error", 0, "no JUnit")
    assert doc["entries"][-1] == {
        "rank": None, "candidate": "eve", "source": "/subs/eve.zip", "status": "not graded",
        "score": None, "max_score": None, "percent": None, "categories": {}, "flags": [],
        "total_seconds": None, "error": "archive is not a zip", "report": "eve/report.html"}


def test_html_escapes_candidate_controlled_strings(tmp_path: Path) -> None:
    flag = Flag(code="unknown-tests", message=f"extra {XSS}", evidence=XSS)
    entries = [
        entry(XSS, 60, source=XSS, flags=[flag], report_path=f"{XSS}/report.html"),
        entry(f"x{XSS}", 0, status=Status.ERROR, reason=f"pytest said {XSS}"),
        entry(f"y{XSS}", None, source=f"/subs/{XSS}", error=f"clone said {XSS}"),
    ]
    html, _, _ = render(entries, tmp_path)
    assert "<script" not in html
    assert f">{XSS_ESCAPED}</a>" in html  # the candidate, in its report link
    assert f"extra {XSS_ESCAPED}" in html and f"clone said {XSS_ESCAPED}" in html
    assert f"pytest said {XSS_ESCAPED}" in html and f"/subs/{XSS_ESCAPED}" in html


def test_report_links_are_relative_and_encoded(tmp_path: Path) -> None:
    entries = [entry("ann lee", 50, report_path="ann lee/report.html"),
               entry("js", 40, report_path="javascript:alert(1)"),
               entry("abs", 30, report_path="https://evil.example/r.html"),
               entry("none", 20, report_path="")]
    html, _, _ = render(entries, tmp_path)
    assert '<a href="ann%20lee/report.html">ann lee</a>' in html
    for name in ("js", "abs", "none"):
        assert f">{name}</td>" in html and f">{name}</a>" not in html
    assert "javascript:" not in html and "evil.example" not in html


def test_html_is_self_contained(tmp_path: Path) -> None:
    html, _, _ = render(MIXED, tmp_path)
    assert not re.search(r"""(src|href|xmlns)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "http:" not in html and "https:" not in html
    assert "<link" not in html.lower()
    assert "<script" not in html.lower()
    assert "url(" not in html.lower() and "@import" not in html.lower()
    assert "<style>" in html and "<svg" in html


def test_empty_cohort_renders(tmp_path: Path) -> None:
    html, rows, doc = render([], tmp_path)
    assert "No submissions." in html and "No scored submissions." in html
    assert "No graded submissions." in html
    assert rows == [["rank", "candidate", "source", "status", "score", "max_score", "percent",
                     "flags", "total_seconds", "error", "report"]]
    assert doc["entries"] == [] and doc["summary"]["submissions"] == 0
    assert doc["summary"]["mean_percent"] is None and doc["summary"]["median_seconds"] is None


def test_two_thousand_entries_render(tmp_path: Path) -> None:
    statuses = [Status.GRADED] * 8 + [Status.TIMEOUT, Status.ERROR]
    entries = [entry(f"cand-{i:04d}", (i * 37) % 101, status=statuses[i % 10])
               if i % 50 else entry(f"cand-{i:04d}", None, error="unreadable")
               for i in range(2000)]
    html, rows, doc = render(entries, tmp_path)
    assert len(rows) == 2001 and len(doc["entries"]) == 2000
    assert section(html, "ranking").count("<tr") == 2001  # the header row and one per entry
    assert sum(b["count"] for b in doc["summary"]["histogram"]) == 2000 - 40
