"""A hidden suite grades exactly as plain pytest runs it, outcome per test.

The oracle is plain ``python -m pytest`` in a container of the same image (same pytest, same
plugins, autoloaded), on the same suite and solution; the grader's run goes through the whole
pipeline. The compat fixture uses what real suites use: unittest.TestCase (setUp/tearDown,
setUpClass, subTest, skip decorators, expectedFailure), classes, parametrize with ids,
fixtures of every scope with yield, xfail/xpass strict and not, module-level skips,
pytest-asyncio, data files, helper modules and packages, conftest.py at three levels and the
suite's own pytest.ini.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from runner.junit import parse_junit
from runner.pipeline import grade_submission
from runner.results import Outcome, Status
from runner.sandbox import BindMount, Engine, ImageRef, RunRequest
from runner.spec import Limits, load_challenge
from tests.conftest import FIXTURES

pytestmark = pytest.mark.docker

COMPAT = FIXTURES / "challenges" / "compat"


def plain_pytest_outcomes(engine: Engine, image: ImageRef, suite: Path, solution: Path,
                          work: Path) -> Counter[tuple[str, str, Outcome]]:
    """What plain pytest reports for ``suite`` beside ``solution``, in a container."""
    tests, out = work / "tests", work / "out"
    shutil.copytree(suite, tests)
    out.mkdir()
    for folder in [work, tests, out, *(p for p in tests.rglob("*") if p.is_dir())]:
        folder.chmod(0o777)  # the sandbox's user writes pytest's cache and the report
    outcome = engine.run(RunRequest(
        image=image, limits=Limits(), environment={"PYTHONPATH": "/submission", "HOME": "/tmp"},
        command=["python", "-m", "pytest", "/plain/tests", "--junitxml=/plain/out/junit.xml", "-q"],
        mounts=[BindMount(source=work, target="/plain", read_only=False),
                BindMount(source=solution, target="/submission")]))
    assert outcome.exit_code in (0, 1), outcome.output.decode(errors="replace")
    cases = parse_junit((out / "junit.xml").read_bytes())
    return Counter((c.classname, c.name, c.outcome) for c in cases)


def graded_outcomes(junit: bytes, suite_tests: set[tuple[str, str]]) -> Counter[tuple[str, str, Outcome]]:
    """The graded run's outcomes of the suite's own tests. The rest must be the canaries the
    grader added (two sentinels and a look-alike, which may report a teardown error too),
    none of them passed."""
    cases = parse_junit(junit)
    added = [c for c in cases if (c.classname, c.name) not in suite_tests]
    assert len({(c.classname, c.name) for c in added}) == 3, added
    assert not any(c.outcome is Outcome.PASSED for c in added), added
    return Counter((c.classname, c.name, c.outcome) for c in cases if (c.classname, c.name) in suite_tests)


def test_every_outcome_equals_plain_pytest(engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    challenge = load_challenge(COMPAT)
    result = grade_submission(challenge=challenge, source=str(COMPAT / "reference"),
                              out_dir=tmp_path / "graded", engine=engine, image=python_image)
    plain = plain_pytest_outcomes(engine, python_image, COMPAT / "hidden_tests", COMPAT / "reference",
                                  tmp_path / "plain")
    graded = graded_outcomes((tmp_path / "graded" / "junit.xml").read_bytes(), {k[:2] for k in plain})
    assert graded == plain
    # The suite really exercises every kind of outcome, TestCase tests passing among them.
    kinds = Counter(outcome for _, _, outcome in plain.elements())
    assert {Outcome.PASSED, Outcome.FAILED, Outcome.ERROR, Outcome.SKIPPED} <= set(kinds)
    assert ("test_unittest_style.TestWithSetUp", "test_double", Outcome.PASSED) in plain
    assert ("test_async", "test_async_passes", Outcome.PASSED) in plain

    # And the grade is built from those outcomes: no flag but the ones the suite earns.
    assert result.status is Status.GRADED
    by_name = {t.name: t.outcome for t in result.tests}
    for classname, name, outcome in plain:
        node = next((t for t in by_name if _junit_key_matches(t, classname, name)), None)
        if node is not None and Counter(k[:2] for k in plain)[(classname, name)] == 1:
            assert by_name[node] is outcome, node
    assert {f.code for f in result.flags} <= {"skipped-tests", "duplicate-tests", "unknown-tests"}


def _junit_key_matches(node_id: str, classname: str, name: str) -> bool:
    from runner.junit import junit_key

    return junit_key(node_id) == (classname, name)
