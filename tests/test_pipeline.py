"""One submission end to end in a real sandbox: what lands in the output folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.pipeline import grade_submission
from runner.results import SCHEMA_VERSION, Outcome, Result, Status
from runner.sandbox import Engine, ImageRef
from runner.spec import load_challenge
from tests.conftest import SUBMISSIONS, TINY, tiny_challenge_with

pytestmark = pytest.mark.docker

TINY_DRIVER = TINY.parent / "tiny-driver"


def grade_tiny(engine: Engine, image: ImageRef, submission: str, out: Path,
               challenge: Path = TINY) -> Result:
    return grade_submission(challenge=load_challenge(challenge), source=str(SUBMISSIONS / submission),
                            out_dir=out, engine=engine, image=image)


def outcomes(result: Result) -> dict[str, Outcome]:
    return {t.name: t.outcome for t in result.tests}


def test_correct_submission_scores_full_and_writes_every_output(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    result = grade_tiny(engine, python_image, "tiny-correct", tmp_path)
    assert (result.status, result.score, result.max_score, result.percent) == (Status.GRADED, 100, 100, 100)
    assert result.flags == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "junit.xml", "output.log", "report.html", "report.md", "result.json"]
    written = json.loads((tmp_path / "result.json").read_text())
    assert written["schema_version"] == SCHEMA_VERSION == 2
    assert written["submission"]["kind"] == "directory"
    assert len(written["submission"]["sha256"]) == 64
    assert written["sandbox"]["image_id"] == python_image.id
    assert b"4 passed" in (tmp_path / "output.log").read_bytes()


def test_partial_submission_scores_by_category_and_test_weight(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    result = grade_tiny(engine, python_image, "tiny-partial", tmp_path)
    assert result.status is Status.GRADED
    # basics: 60 of 60; text: test_words (weight 3 of 4) fails, test_empty passes -> 40 * 1/4
    assert result.score == 70
    assert {c.name: c.score for c in result.categories} == {"basics": 60, "text": 10}
    failed = result.tests[2]
    assert failed.outcome is Outcome.FAILED
    assert "hello,-world" in failed.message


def test_timeout_grades_what_finished_and_marks_the_rest_missing(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    challenge = tiny_challenge_with(tmp_path, timeout_seconds=4, test_timeout_seconds=300, grace_seconds=5)
    result = grade_tiny(engine, python_image, "tiny-hang", tmp_path / "out", challenge)
    assert result.status is Status.TIMEOUT
    assert "4 s" in result.reason
    assert outcomes(result)["test_tiny.py::test_add"] is Outcome.PASSED
    assert outcomes(result)["test_tiny.py::TestSlugify::test_empty"] is Outcome.MISSING
    assert result.score == 60
    assert {"timeout", "missing-tests"} <= {f.code for f in result.flags}


def test_per_test_timeout_fails_only_the_hanging_test(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    challenge = tiny_challenge_with(tmp_path, timeout_seconds=60, test_timeout_seconds=2)
    result = grade_tiny(engine, python_image, "tiny-hang", tmp_path / "out", challenge)
    assert result.status is Status.GRADED
    assert outcomes(result)["test_tiny.py::TestSlugify::test_words"] is Outcome.FAILED
    assert "Timeout" in result.tests[2].message


def test_no_report_at_all_is_status_error_not_a_silent_zero(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    result = grade_tiny(engine, python_image, "tiny-exit-at-import", tmp_path)
    assert result.status is Status.ERROR
    assert result.reason.startswith("no JUnit report was written")
    assert set(outcomes(result).values()) == {Outcome.MISSING}
    assert not (tmp_path / "junit.xml").exists()
    assert Result.read(tmp_path / "result.json").status is Status.ERROR


def test_memory_bomb_is_reported_as_such(engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    challenge = tiny_challenge_with(tmp_path, memory_mb=128)
    result = grade_tiny(engine, python_image, "tiny-memory-bomb", tmp_path / "out", challenge)
    assert result.status is Status.ERROR
    assert result.sandbox is not None and result.sandbox.oom_killed
    assert "memory limit of 128 MB" in result.reason
    assert "memory-limit" in {f.code for f in result.flags}


def test_output_log_carries_no_terminal_sequence_of_the_candidates(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    tree = tmp_path / "s"
    tree.mkdir()
    (tree / "solution.py").write_text(
        (SUBMISSIONS / "tiny-correct" / "solution.py").read_text()
        + "\nprint('\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mvisible words\\x1b[0m\\x07')\n")
    # Out of process, the candidate's own output reaches output.log uncaptured by pytest.
    result = grade_submission(challenge=load_challenge(TINY_DRIVER), source=str(tree),
                              out_dir=tmp_path / "out", engine=engine, image=python_image)
    assert result.percent == 100
    log = (tmp_path / "out" / "output.log").read_bytes()
    assert b"visible words\\x07" in log
    assert b"\x1b" not in log and b"\x07" not in log and b"pwned" not in log
