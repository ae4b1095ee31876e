"""Attacks that only running the candidate's code out of the test process stops.

rest-api serves the candidate's app from a container of its own, and its hidden tests reach
it over HTTP. Each attack below is the rest-api starter (an honest 0) with code that runs
when the candidate's module is imported. Graded as bundled, every attack must earn exactly
the starter's 0. The same submission graded in process (the challenge without its
[service] table) must do better, be caught by the canary, or leak: that proves each attack
is real, so the first assertion could fail.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from runner.pipeline import OUTPUT_FILE, grade_submission
from runner.results import Result, Status
from runner.sandbox import Engine, ImageRef
from runner.spec import load_challenge
from tests.test_redteam import EMPTY_THE_TESTS, PATCH_REPORTS

pytestmark = pytest.mark.docker

REST_API = Path(__file__).resolve().parent.parent / "challenges" / "rest-api"

# Every response the tests get is an object equal to anything.
ALWAYS_EQUAL = """\
import httpx


class _Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __getattr__(self, name):
        return _Anything()

    def __getitem__(self, key):
        return _Anything()

    def __call__(self, *args, **kwargs):
        return _Anything()

    def __contains__(self, item):
        return True

    def __iter__(self):
        return iter(())


httpx.Client.send = lambda self, request, **kwargs: _Anything()
"""

# Empties every test still to run, when the candidate's module is imported.
FRAME_WALK = EMPTY_THE_TESTS + "\n\n_empty_the_tests()\n"

# Prints the hidden tests, which would then reach the output the grader keeps.
READ_HIDDEN_TESTS = """\
import glob
import os

for _path in sorted(glob.glob("/grader/tests/*.py")):
    with open(_path) as _f:
        os.write(2, _f.read().encode())
"""
HIDDEN_MARKER = "def test_rejects_malformed_authorization"


def submission_with(attack: str, root: Path) -> Path:
    tree = root / "submission"
    shutil.copytree(REST_API / "starter", tree)
    main = tree / "app" / "main.py"
    main.write_text(attack + "\n" + main.read_text())
    return tree


def in_process_variant(root: Path) -> Path:
    """rest-api with its [service] table removed: the tests import the candidate's app."""
    variant = root / "variant" / "rest-api"
    shutil.copytree(REST_API, variant, ignore=shutil.ignore_patterns("reference", "wrong", "starter"))
    spec = variant / "challenge.toml"
    spec.write_text(re.sub(r"(?ms)^\[service\]\n.*?\n\n", "", spec.read_text()))
    assert "[service]" not in spec.read_text()
    return variant


def grade(challenge: Path, tree: Path, out: Path, engine: Engine, image: ImageRef) -> Result:
    return grade_submission(challenge=load_challenge(challenge), source=str(tree), out_dir=out,
                            engine=engine, image=image)


@pytest.mark.parametrize("attack", [PATCH_REPORTS, ALWAYS_EQUAL, FRAME_WALK],
                         ids=["patch-pytest-reports", "always-equal-responses", "frame-walk-to-the-runner"])
def test_attack_on_the_test_process_earns_nothing_from_a_separate_container(
        attack: str, engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    tree = submission_with(attack, tmp_path)

    bundled = grade(REST_API, tree, tmp_path / "bundled", engine, python_image)
    assert (bundled.status, bundled.score) == (Status.GRADED, 0), bundled.reason
    assert [f.code for f in bundled.flags] == []

    in_process = grade(in_process_variant(tmp_path), tree, tmp_path / "in-process", engine, python_image)
    # In process, the attack changes outcomes: it scores, or the canary's pass gives it away.
    canary_passed = any(f.code == "tampering-suspected" and "passed" in f.evidence for f in in_process.flags)
    assert in_process.percent >= 50 or canary_passed, "the attack does nothing even in process"


def test_hidden_tests_are_not_in_the_candidates_container(engine: Engine, python_image: ImageRef,
                                                          tmp_path: Path) -> None:
    tree = submission_with(READ_HIDDEN_TESTS, tmp_path)

    bundled = grade(REST_API, tree, tmp_path / "bundled", engine, python_image)
    assert bundled.score == 0
    assert HIDDEN_MARKER not in (tmp_path / "bundled" / OUTPUT_FILE).read_text()

    grade(in_process_variant(tmp_path), tree, tmp_path / "in-process", engine, python_image)
    assert HIDDEN_MARKER in (tmp_path / "in-process" / OUTPUT_FILE).read_text()


def test_the_service_output_is_kept_and_an_app_that_fails_to_import_fails_every_test(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    tree = submission_with("import sys\nprint('hello from the app', file=sys.stderr)\nraise ImportError('boom')\n",
                           tmp_path)
    result = grade(REST_API, tree, tmp_path / "out", engine, python_image)
    assert (result.status, result.score) == (Status.GRADED, 0)
    # Each test fails (or errors, in the fixture that creates the app) with the candidate's error.
    assert {t.outcome for t in result.tests} <= {"failed", "error"}
    assert all("ImportError: boom" in t.message for t in result.tests)
    output = (tmp_path / "out" / OUTPUT_FILE).read_text()
    assert "----- the service's output -----" in output and "hello from the app" in output


def test_honest_control_with_its_own_test_settings_scores_in_full(engine: Engine, python_image: ImageRef,
                                                                   tmp_path: Path) -> None:
    tree = tmp_path / "submission"
    shutil.copytree(REST_API / "reference", tree)
    (tree / "conftest.py").write_text("import pytest\n\n\n@pytest.fixture\ndef token():\n    return 'token-a'\n")
    (tree / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-x'\ntestpaths = ['tests']\n")
    result = grade(REST_API, tree, tmp_path / "out", engine, python_image)
    assert (result.status, result.percent) == (Status.GRADED, 100)
    assert result.flags == []


# --- results that equal anything --------------------------------------------------------------

QUERY_OPTIMIZATION = REST_API.parent / "query-optimization"

# Every report function answers with a list that equals anything, without running a query.
ALWAYS_EQUAL_ROWS = """\
class _Rows(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None


def prepare(conn):
    pass


def top_customers(conn, *args, **kwargs):
    return _Rows()


def monthly_revenue(conn, *args, **kwargs):
    return _Rows()
"""


def test_results_that_equal_anything_earn_what_empty_answers_earn(engine: Engine, python_image: ImageRef,
                                                                  tmp_path: Path) -> None:
    """query-optimization's answers cross from the candidate's container as JSON: a list
    claiming to equal anything arrives as the empty list it holds, and earns what honest empty
    answers earn (some cases expect none)."""
    tree = tmp_path / "submission"
    shutil.copytree(QUERY_OPTIMIZATION / "starter", tree)
    (tree / "app" / "report.py").write_text(ALWAYS_EQUAL_ROWS)
    honest = tmp_path / "honest"
    shutil.copytree(tree, honest)
    (honest / "app" / "report.py").write_text(ALWAYS_EQUAL_ROWS.replace("return _Rows()", "return []"))

    bundled = grade(QUERY_OPTIMIZATION, tree, tmp_path / "bundled", engine, python_image)
    honest_percent = grade(QUERY_OPTIMIZATION, honest, tmp_path / "honest-out", engine, python_image).percent
    assert (bundled.status, bundled.percent) == (Status.GRADED, honest_percent)
    assert honest_percent < 50
