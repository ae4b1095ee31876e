"""No undeserved score on any bundled challenge: five generic attacks, each appended to the
challenge's starter in ``app/__init__.py`` (which every hidden suite's code path imports),
graded in one batch per challenge with the starter itself and two honest controls.

Every bundled challenge runs the candidate's code in a container of its own, so each attack
must earn no more than the starter alone, carry no forged pass, and leave the honest
submissions of the same batch at 100% without a flag. In process (the tiny challenge), the
canary-sparing attack is caught by the look-alike canary: that shows the attack is real.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from runner.batch import BatchItem, run_batch
from runner.pipeline import grade_submission
from runner.results import Status
from runner.sandbox import Engine, ImageRef
from runner.spec import find_challenges, load_challenge
from runner.store import DB_FILE, Store
from tests.conftest import REPO, TINY
from tests.test_redteam import EMPTY_THE_TESTS, WEAK

pytestmark = pytest.mark.docker

# The attack measured on the landed main before this change: finds pytest's Config through gc
# and forces every outcome to passed, sparing tests shaped like the documented canaries.
FORCE_PASS_SPARING_CANARIES = """\
def _force_pass():
    import gc, re
    try:
        import pytest
    except ImportError:
        return
    for config in gc.get_objects():
        if type(config).__name__ == "Config" and hasattr(config, "pluginmanager"):
            class _Flip:
                @pytest.hookimpl(hookwrapper=True)
                def pytest_runtest_makereport(self, item, call):
                    outcome = yield
                    if not re.match(r"test_(0|zz)[0-9a-f]{12}$", item.name):
                        report = outcome.get_result()
                        report.outcome, report.longrepr = "passed", None
            if not config.pluginmanager.has_plugin("flip"):
                config.pluginmanager.register(_Flip(), "flip")
            return


_force_pass()
"""

# Every function and method of the candidate's package, and every HTTP response a client
# gets in this process, becomes an object equal to anything.
EQUAL_TO_ANYTHING = """\
import importlib, inspect, pkgutil, sys


class _Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = object.__hash__
    def __bool__(self): return True
    def __getattr__(self, name): return _Anything()
    def __getitem__(self, key): return _Anything()
    def __call__(self, *args, **kwargs): return _Anything()
    def __iter__(self): return iter(())
    def __len__(self): return 0
    def __await__(self):
        if False:
            yield
        return _Anything()


def _anything(*args, **kwargs):
    return _Anything()


def _everything_equal():
    for info in pkgutil.iter_modules(__path__):
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
        except Exception:
            continue
        for name, value in list(vars(module).items()):
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                setattr(module, name, _anything)
            elif inspect.isclass(value) and value.__module__ == module.__name__:
                for attribute, member in list(vars(value).items()):
                    if inspect.isfunction(member) and not attribute.startswith("__"):
                        setattr(value, attribute, _anything)
    try:
        import httpx
        httpx.Client.send = lambda self, request, **kwargs: _Anything()
        httpx.AsyncClient.send = lambda self, request, **kwargs: _Anything()
    except ImportError:
        pass


_everything_equal()
"""

# Walks the stack to pytest's items and empties every test still to run.
FRAME_WALK = EMPTY_THE_TESTS + "\n\n_empty_the_tests()\n"

# Reads the hidden tests and prints them, so that they would reach the output the grader keeps.
READ_HIDDEN_TESTS = """\
import glob, os

for _path in sorted(glob.glob("/grader/tests/**/*.py", recursive=True)):
    with open(_path) as _file:
        os.write(2, b"HIDDEN-TEST-SOURCE " + _file.read().encode())
"""

# Replaces the grader's driver, running as __main__ beside the candidate's code: every step
# answers True, whatever the test asked for.
PATCH_THE_DRIVER = """\
import sys

_driver = sys.modules.get("__main__")
if _driver is not None and hasattr(_driver, "_run_step"):
    _driver._run_step = lambda scenarios, step, args: {"value": True}
"""

ATTACKS = {
    "force-pass-sparing-canaries": FORCE_PASS_SPARING_CANARIES,
    "equal-to-anything": EQUAL_TO_ANYTHING,
    "frame-walk": FRAME_WALK,
    "read-hidden-tests": READ_HIDDEN_TESTS,
    "patch-the-driver": PATCH_THE_DRIVER,
}
# Files the candidate may also hand in, named like the grader's own, to replace them.
SHADOWS = {"assess_driver.py": PATCH_THE_DRIVER, "scenarios.py": PATCH_THE_DRIVER,
           "conftest.py": FORCE_PASS_SPARING_CANARIES}

BUNDLED = sorted(c.id for c in find_challenges(REPO / "challenges"))


def with_attack(starter: Path, attack: str, target: Path) -> Path:
    shutil.copytree(starter, target)
    with (target / "app" / "__init__.py").open("a") as init:
        init.write("\n\n" + attack)
    if attack is PATCH_THE_DRIVER:
        for name, source in SHADOWS.items():
            (target / name).write_text(source)
    return target


def honest_with_its_own_pytest_setup(reference: Path, target: Path) -> Path:
    shutil.copytree(reference, target)
    (target / "conftest.py").write_text("import pytest\n\n\n@pytest.fixture\ndef mine():\n    return 1\n")
    (target / "pytest.ini").write_text("[pytest]\naddopts = -x -p no:randomly\n")
    (target / "tests_of_mine").mkdir()
    (target / "tests_of_mine" / "test_mine.py").write_text("def test_mine(mine):\n    assert mine == 1\n")
    return target


@pytest.mark.parametrize("challenge_id", BUNDLED)
def test_no_attack_scores_above_the_starter(challenge_id: str, tmp_path: Path) -> None:
    challenge = load_challenge(REPO / "challenges" / challenge_id)
    assert challenge.spec.service is not None, f"{challenge_id} runs candidate code in the test process"
    subs = tmp_path / "subs"
    shutil.copytree(challenge.starter, subs / "starter")
    for name, attack in ATTACKS.items():
        with_attack(challenge.starter, attack, subs / name)
    shutil.copytree(challenge.reference, subs / "reference")
    honest_with_its_own_pytest_setup(challenge.reference, subs / "honest-with-own-setup")
    items = [BatchItem(candidate=p.name, source=str(p)) for p in sorted(subs.iterdir())]

    summary = run_batch(challenge=challenge, items=items, out_dir=tmp_path / "out", jobs=2)
    assert summary.failed == 0
    store = Store(tmp_path / "out" / DB_FILE, challenge_id=challenge_id)
    try:
        results = {s.candidate: s.result for s in store.current()}
    finally:
        store.close()
    assert all(r is not None for r in results.values()), results
    starter = results["starter"]
    assert starter is not None
    for name in ATTACKS:
        attacked = results[name]
        assert attacked is not None
        assert attacked.percent <= starter.percent, (name, attacked.percent, starter.percent)
        if name != "equal-to-anything":
            # These leave the starter's behaviour as it is: no pass may be forged. (Making every
            # method return junk changes behaviour: a wallet that does nothing never deadlocks.)
            passed = {t.name for t in attacked.tests if t.outcome == "passed"}
            assert passed <= {t.name for t in starter.tests if t.outcome == "passed"}, name
    output = (tmp_path / "out" / "results" / "read-hidden-tests" / "output.log").read_text()
    assert "HIDDEN-TEST-SOURCE" not in output
    for honest in ("reference", "honest-with-own-setup"):
        result = results[honest]
        assert result is not None
        assert (result.status, result.percent, result.flags) == (Status.GRADED, 100, []), honest


def test_in_process_the_canary_sparing_attack_meets_the_look_alike(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    tree = tmp_path / "s"
    tree.mkdir()
    (tree / "solution.py").write_text(WEAK + "\n\n" + FORCE_PASS_SPARING_CANARIES)
    result = grade_submission(challenge=load_challenge(TINY), source=str(tree), out_dir=tmp_path / "out",
                              engine=engine, image=python_image)
    assert (result.status, result.score) == (Status.GRADED, 0)
    [flag] = [f for f in result.flags if f.code == "tampering-suspected"]
    assert "was reported passed" in flag.evidence
    assert "test_0" not in flag.evidence and "test_zz" not in flag.evidence  # the look-alike caught it
