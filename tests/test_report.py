"""Reports: both files, both views, escaping, self-containment and the terminal summary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.console import Console

from runner.report import build_view, render_reports, summary_table
from runner.results import (
    CategoryScore,
    ChallengeInfo,
    Flag,
    Outcome,
    Result,
    SandboxInfo,
    Status,
    SubmissionInfo,
    Timings,
)
from runner.results import TestResult as TResult  # a Test* name would be collected

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def make_result(**overrides: Any) -> Result:
    """A graded result: two categories, four tests, one flag, a sandbox; override any field."""
    fields: dict[str, Any] = dict(
        runner_version="0.1.0",
        challenge=ChallengeInfo(id="todo-api", title="Todo API"),
        submission=SubmissionInfo(
            source="/subs/alice.zip", kind="archive", sha256="ab" * 32, files=12, bytes=4096
        ),
        status=Status.GRADED,
        score=7.5,
        max_score=10,
        percent=75.0,
        categories=[
            CategoryScore(
                name="correctness", description="Endpoints behave as specified",
                score=6, max_score=8, passed=3, total=4,
            ),
            CategoryScore(
                name="validation", description="Bad input is refused",
                score=1.5, max_score=2, passed=1, total=2,
            ),
        ],
        tests=[
            TResult(name="test_api.py::test_create", category="correctness", weight=2,
                       outcome=Outcome.PASSED, duration=0.042),
            TResult(name="test_api.py::test_delete", category="correctness", weight=2,
                       outcome=Outcome.FAILED, duration=1.5, message="assert 404 == 204"),
            TResult(name="test_api.py::test_list", category="correctness", weight=2,
                       outcome=Outcome.MISSING),
            TResult(name="test_validation.py::test_empty_title", category="validation",
                       weight=1.5, outcome=Outcome.ERROR, duration=0.3,
                       message="ImportError: no module named app"),
        ],
        flags=[Flag(code="missing-tests", message="1 test missing from the JUnit report",
                    evidence="test_api.py::test_list")],
        sandbox=SandboxInfo(
            image="assess-python:3.12", image_id="sha256:" + "cd" * 32, exit_code=1,
            output_bytes=2300, limits={"timeout_seconds": 120, "memory_mb": 512, "cpus": 1.0},
        ),
        timings=Timings(ingest_seconds=0.2, sandbox_start_seconds=0.01, sandbox_seconds=8.25,
                        grade_seconds=0.05, total_seconds=8.51),
        started_at="2025-03-01T10:00:00+00:00",
        finished_at="2025-03-01T10:00:08+00:00",
    )
    fields.update(overrides)
    return Result(**fields)


def render(result: Result, tmp_path: Path, view: str = "reviewer") -> tuple[str, str]:
    html_path, md_path = render_reports(result, tmp_path / view, view=view)  # type: ignore[arg-type]
    return html_path.read_text(encoding="utf-8"), md_path.read_text(encoding="utf-8")


def fences(md: str) -> list[Token]:
    return [t for t in MarkdownIt("commonmark").parse(md) if t.type == "fence"]


@pytest.mark.parametrize("view", ["reviewer", "candidate"])
def test_both_files_are_written(tmp_path: Path, view: str) -> None:
    out = tmp_path / "nested" / "out"
    paths = render_reports(make_result(), out, view=view)  # type: ignore[arg-type]
    assert paths == [out / "report.html", out / "report.md"]
    assert paths[0].read_text(encoding="utf-8").startswith("<!doctype html>")
    assert paths[1].read_text(encoding="utf-8").startswith("# Todo API\n")


def test_reviewer_shows_tests_outcomes_messages_flags_and_sandbox(tmp_path: Path) -> None:
    html, md = render(make_result(), tmp_path)
    for text in (html, md):
        for needle in ("test_api.py::test_delete", "assert 404 == 204", "missing-tests",
                       "1 test missing from the JUnit report", "test_api.py::test_list",
                       "ImportError: no module named app", "assess-python:3.12", "cd" * 32,
                       "/subs/alice.zip", "ab" * 32, "0.1.0", "8.51 s", "512 MB", "75%"):
            assert needle.replace("_", r"\_") in text or needle in text, needle
    assert '<span class="badge bad">failed</span>' in html
    assert '<span class="badge ok">passed</span>' in html
    assert '<span class="badge warn">missing</span>' in html
    assert "<details><summary>Message</summary><pre>assert 404 == 204</pre></details>" in html
    assert "42 ms" in html and "1.5 s" in html
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == 2  # categories and tests, each a real Markdown table


def test_candidate_view_hides_internals(tmp_path: Path) -> None:
    markers = {
        "test name": "HIDDENNAME1",
        "message": "HIDDENMSG2",
        "evidence": "HIDDENEVIDENCE3",
        "flag message": "HIDDENFLAGMSG4",
        "reason": "HIDDENREASON5",
        "image id": "HIDDENIMAGEID6",
        "image": "HIDDENIMAGE7",
        "source": "HIDDENSOURCE8",
    }
    result = make_result(
        status=Status.TIMEOUT,
        reason=f"wall clock ran out {markers['reason']}",
        tests=[TResult(name=f"test_x.py::test_{markers['test name']}", category="correctness",
                          weight=1, outcome=Outcome.FAILED,
                          message=f"expected 42 {markers['message']}")],
        flags=[Flag(code="timeout", message=markers["flag message"], evidence=markers["evidence"]),
               Flag(code="memory-limit", message="OOM", evidence=markers["evidence"])],
        sandbox=SandboxInfo(image=markers["image"], image_id=markers["image id"], timed_out=True,
                            limits={"timeout_seconds": 120, "memory_mb": 512, "pids": 128}),
        submission=SubmissionInfo(source=markers["source"], kind="directory"),
    )
    reviewer_html, _ = render(result, tmp_path, "reviewer")
    html, md = render(result, tmp_path, "candidate")
    for what, marker in markers.items():
        assert marker in reviewer_html, what  # the marker is really in the result
        assert marker not in html, what
        assert marker not in md, what
    for text in (html, md):
        assert "The time limit was reached." in text
        assert "The memory limit was reached." in text
        assert "Endpoints behave as specified" in text  # category description
        assert "3 / 4" in text  # passed / total
        assert "pids" not in text and "Exit code" not in text


def test_html_escapes_user_controlled_strings(tmp_path: Path) -> None:
    result = make_result(
        status=Status.ERROR,
        reason=f"pytest said {XSS}",
        tests=[TResult(name="test_a.py::test_x", category="correctness", weight=1,
                          outcome=Outcome.FAILED, message=f"got {XSS}")],
        flags=[Flag(code="unknown-tests", message="extra", evidence=XSS)],
        submission=SubmissionInfo(source=f"/subs/{XSS}", kind="directory"),
    )
    html, _ = render(result, tmp_path)
    assert html.count(XSS_ESCAPED) == 4
    assert "<script" not in html


def test_html_is_self_contained(tmp_path: Path) -> None:
    html, _ = render(make_result(), tmp_path)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html.lower()
    assert "<script" not in html.lower()
    assert "url(" not in html.lower() and "@import" not in html.lower()
    assert "<style>" in html


@pytest.mark.parametrize(
    ("status", "reason", "candidate_text"),
    [
        (Status.TIMEOUT, "wall clock of 120 s ran out", "The time limit was reached before"),
        (Status.ERROR, "pytest exited 4 without a JUnit report", "could not be graded"),
    ],
)
def test_timeout_and_error_render_their_reason(
    tmp_path: Path, status: Status, reason: str, candidate_text: str
) -> None:
    result = make_result(status=status, reason=reason)
    html, md = render(result, tmp_path)
    css = "warn" if status is Status.TIMEOUT else "bad"
    assert f'<span class="badge {css}">{status}</span>' in html
    assert f"<strong>Reason:</strong> {reason}</div>" in html
    assert any(f.content == reason + "\n" for f in fences(md))
    cand_html, cand_md = render(result, tmp_path, "candidate")
    for text in (cand_html, cand_md):
        assert candidate_text in text
        assert reason not in text


def test_empty_tests_list_renders(tmp_path: Path) -> None:
    result = make_result(
        status=Status.ERROR, reason="no JUnit", score=0, percent=0, tests=[], flags=[],
        sandbox=None,
        categories=[CategoryScore(name="correctness", score=0, max_score=10, passed=0, total=4)],
    )
    html, md = render(result, tmp_path)
    assert "Tests (0)" in html and "No test results were recorded." in html
    assert "No test results were recorded." in md
    assert "did not run" in html
    assert '<section class="flags">' not in html
    cand_html, _ = render(result, tmp_path, "candidate")
    assert "Tests (" not in cand_html


def test_markdown_messages_cannot_break_out_of_their_fence(tmp_path: Path) -> None:
    hostile = "before\n```\n# INJECTED HEADING\n````\n<b>raw</b>\n```````` after"
    result = make_result(
        tests=[TResult(name="test_a.py::test_x", category="correctness", weight=1,
                          outcome=Outcome.FAILED, message=hostile)],
        flags=[Flag(code="unknown-tests", message="x", evidence="~~~\n# EVIDENCE HEADING\n```")],
    )
    _, md = render(result, tmp_path)
    tokens = MarkdownIt("commonmark").parse(md)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "INJECTED HEADING" not in headings and "EVIDENCE HEADING" not in headings
    assert not any(t.type == "html_block" for t in tokens)
    contents = [f.content for f in fences(md)]
    assert hostile + "\n" in contents
    assert "~~~\n# EVIDENCE HEADING\n```\n" in contents


def test_markdown_escapes_inline_text_in_tables(tmp_path: Path) -> None:
    result = make_result(categories=[CategoryScore(
        name="correctness", description="a | b <i>x</i>\n# not a heading", score=1, max_score=2,
        passed=1, total=2)])
    _, md = render(result, tmp_path, "candidate")
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    opens = [i for i, t in enumerate(tokens) if t.type == "tr_open"]
    closes = [i for i, t in enumerate(tokens) if t.type == "tr_close"]
    cells = [t.content for t in tokens[opens[1]:closes[1]] if t.type == "inline"]
    # One row of five cells: the pipe stayed in its cell and the newline did not end the row.
    assert len(opens) == 2 and len(cells) == 5
    assert cells[4] == r"a | b \<i\>x\</i\> \# not a heading"
    inline = [c for t in tokens for c in (t.children or [])]
    assert not any(t.type in ("html_inline", "html_block") for t in [*tokens, *inline])


def test_unknown_view_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report view"):
        build_view(make_result(), "student")  # type: ignore[arg-type]


def test_summary_table_renders_score_categories_status_and_flags() -> None:
    result = make_result(
        challenge=ChallengeInfo(id="todo-api", title="Todo [bold]API[/bold]"),
        status=Status.TIMEOUT, reason="wall clock ran out",
    )
    console = Console(record=True, width=100)
    console.print(summary_table(result))
    text = console.export_text()
    assert "Todo [bold]API[/bold] (todo-api)" in text  # markup in data is printed, not applied
    assert "7.5/10 (75%)" in text
    assert "6/8 (75%)" in text and "1.5/2 (75%)" in text
    assert "correctness" in text and "validation" in text
    assert re.search(r"status\s+│\s+timeout\s+│", text)
    assert "wall clock ran out" in text
    assert re.search(r"flags\s+│\s+1\s+│\s+missing-tests", text)
