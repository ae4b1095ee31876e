"""The grader's side of the container: its pytest configuration, bootstrap and command.

Everything here is grader-owned and mounted read-only at /grader; the candidate's files
are mounted at /submission and are never read as configuration. The JUnit report goes to
a name chosen at random per run, read only after the container has exited.
"""

from __future__ import annotations

import errno
import os
import secrets
import shlex
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runner.canary import plant_canaries
from runner.junit import MAX_JUNIT_BYTES
from runner.pytest_config import render_ini, suite_settings
from runner.sandbox import BindMount
from runner.spec import Challenge

__all__ = ["GRADER_MOUNT", "OUT_MOUNT", "SERVICE_MOUNT", "SUBMISSION_MOUNT", "Harness", "ServiceHarness",
           "prepare_harness"]

SUBMISSION_MOUNT = "/submission"
GRADER_MOUNT = "/grader"
OUT_MOUNT = "/grader/out"

SERVICE_MOUNT = "/service"
GO_FIFO = "go"
# The grader's generic driver (runner/driver.py), importable as assess_driver by the tests.
GRADER_LIB = "/grader/lib"
_DRIVER_MODULE = "assess_driver.py"
_DRIVER_SOURCE = Path(__file__).with_name("driver.py")

# A service challenge runs the candidate's code in a container of its own, started ahead
# like the grader's: its launcher waits for go, then becomes the challenge's service command.
_SERVICE_LAUNCHER = f"""\
import os, sys
with open({SERVICE_MOUNT + "/" + GO_FIFO!r}, "rb") as go:
    go.read()
os.execvp(sys.argv[1], sys.argv[1:])
"""

# Run as `python -I -B /grader/bootstrap.py ARGS`: isolated mode ignores PYTHON* variables,
# user site-packages and the script's folder, so nothing of the candidate's is imported
# before pytest. The submission is appended, not prepended, to sys.path: a candidate
# module named like a standard or installed one (json.py, pytest.py) cannot shadow it.
# pytest is imported first and the run then waits on a FIFO: the container starts while
# the submission is still being fetched, and the grader says go once it is in place.
# The go message is the report's file name: it never appears on the command line, and the
# output folder cannot be listed, so candidate code cannot find the report to rewrite it
# (nor create any other file there: see _report_slot).
# os._exit right after the run: no atexit handler or leftover thread of the candidate's
# runs once the report is written (other processes die with the container).
_BOOTSTRAP = f"""\
import os, sys
from importlib.metadata import entry_points
# The image's pytest plugins, loaded as plain pytest would autoload them (autoload itself is
# off). Read before the submission is on sys.path: no distribution of the candidate's counts.
plugins = sorted({{ep.value.partition(":")[0] for ep in entry_points(group="pytest11")}})
sys.path.insert(0, {GRADER_LIB!r})
sys.path.append({SUBMISSION_MOUNT!r})
import pytest
with open({GRADER_MOUNT + "/" + GO_FIFO!r}, "rb") as go:
    report = go.read().decode().strip()
code = pytest.main([*(arg for plugin in plugins for arg in ("-p", plugin)), *sys.argv[1:],
                    "--junitxml", {OUT_MOUNT + "/"!r} + report])
sys.stdout.flush()
sys.stderr.flush()
os._exit(int(code))
"""

# What the grader must decide whatever the suite's own configuration says; every other key
# of the suite's configuration is kept, so that the suite runs as plain pytest would run it.
_GRADER_INI = {
    "timeout_method": "signal",
    "junit_family": "xunit2",
    "junit_logging": "no",
    "console_output_style": "classic",
    "cache_dir": "/tmp/.pytest_cache",  # the suite's folder is read-only
}


@dataclass(frozen=True)
class ServiceHarness:
    """The candidate's container of a service challenge: the submission and the challenge's
    service/ folder, never the hidden tests or the report."""

    command: list[str]
    mounts: list[BindMount]
    environment: dict[str, str]
    go_fifo: Path  # on the host


@dataclass(frozen=True)
class Harness:
    command: list[str]
    mounts: list[BindMount]
    environment: dict[str, str]
    junit_path: Path  # on the host
    submission: Path  # on the host: empty until place()
    go_fifo: Path  # on the host
    canaries: tuple[str, ...]  # node ids of the tests added to fail
    service: ServiceHarness | None = None

    def place(self, tree: Path) -> None:
        """Move the ingested submission into the (already mounted) submission folder."""
        # No permission pass here: ingestion already made every folder 0755 and every file
        # 0644 (or 0755), readable by the sandbox's unprivileged user.
        for entry in tree.iterdir():
            shutil.move(entry, self.submission / entry.name)

    def go(self, *, alive: Callable[[], bool] = lambda: True, wait_seconds: float = 60) -> None:
        """Let the waiting bootstraps run: the service first, if any, then pytest, telling it
        the report's name. If one never came to wait (it died while starting: ``alive`` says
        False), go on anyway: the run then ends at once and is graded as such."""
        deadline = time.monotonic() + wait_seconds
        if self.service is not None:
            _tell(self.service.go_fifo, b"go\n", deadline, alive)
        _tell(self.go_fifo, self.junit_path.name.encode() + b"\n", deadline, alive)

    def read_junit(self) -> bytes | None:
        """The report, if the sandbox wrote a regular file of sane size (an empty one is no
        report: it is created empty); links are not followed."""
        try:
            fd = os.open(self.junit_path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            return f.read(MAX_JUNIT_BYTES + 1) or None


def _tell(fifo: Path, message: bytes, deadline: float, alive: Callable[[], bool]) -> None:
    """Write ``message`` (< PIPE_BUF: one atomic write) to the reader waiting on ``fifo``."""
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO or time.monotonic() > deadline or not alive():
                return
            time.sleep(0.002)  # no reader yet: the container is still starting
            continue
        try:
            os.write(fd, message)
        finally:
            os.close(fd)
        return


def prepare_harness(challenge: Challenge, work_dir: Path) -> Harness:
    """Lay out the grader, submission and output folders under ``work_dir`` for one run."""
    grader = work_dir / "grader"
    out = work_dir / "out"
    submission = work_dir / "submission"
    grader.mkdir(parents=True)
    submission.mkdir()
    os.mkfifo(grader / GO_FIFO, 0o644)
    shutil.copytree(challenge.hidden_tests, grader / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))
    suite = suite_settings(challenge.hidden_tests)
    # A suite that chooses its own test names gets the sentinels only: a look-alike in one of
    # its files could only be collected by changing what that suite collects.
    own_names = {"python_files", "python_functions", "python_classes"} & set(suite)
    canaries = plant_canaries(grader / "tests", source=challenge.hidden_tests, look_alike=not own_names)
    (grader / "out").mkdir()  # the mount point of the writable output folder
    (grader / "lib").mkdir()
    shutil.copyfile(_DRIVER_SOURCE, grader / "lib" / _DRIVER_MODULE)
    (grader / "bootstrap.py").write_text(_BOOTSTRAP)
    settings = {**suite, **_GRADER_INI, "timeout": str(challenge.spec.limits.test_timeout_seconds)}
    # A suite that names its own test files or functions must still collect the canaries,
    # by their exact names, so that nothing else is collected that plain pytest would skip.
    for key, extra in (("python_files", [c.file for c in canaries]),
                       ("python_functions", [c.function for c in canaries])):
        if key in settings:
            mine = settings[key]
            settings[key] = [*(shlex.split(mine) if isinstance(mine, str) else mine), *extra]
    (grader / "tests" / "pytest.ini").write_text(render_ini(settings))
    _readable_by_all(grader)
    submission.chmod(0o755)  # still empty: the submission is placed later
    out.mkdir()

    service = _prepare_service(challenge, work_dir, submission)
    junit_name = f"{secrets.token_hex(12)}.xml"
    _report_slot(out, junit_name)
    command = [
        "python", "-I", "-B", f"{GRADER_MOUNT}/bootstrap.py",
        "-c", f"{GRADER_MOUNT}/tests/pytest.ini", "--rootdir", f"{GRADER_MOUNT}/tests",
        "--basetemp", "/tmp/pytest", "-q", "-rfE", "--tb=short",
        f"{GRADER_MOUNT}/tests",
    ]
    # Only what pytest reads itself: isolated mode ignores PYTHON* variables anyway.
    environment = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "HOME": "/tmp"}
    mounts = [BindMount(source=grader, target=GRADER_MOUNT),
              BindMount(source=out, target=OUT_MOUNT, read_only=False)]
    if service is None:
        mounts.insert(0, BindMount(source=submission, target=SUBMISSION_MOUNT))
    else:  # the tests' container never holds the candidate's code
        assert challenge.spec.service is not None
        environment["ASSESS_SERVICE_URL"] = f"http://127.0.0.1:{challenge.spec.service.port}"
    return Harness(
        command=command,
        mounts=mounts,
        environment=environment,
        junit_path=out / junit_name,
        submission=submission,
        go_fifo=grader / GO_FIFO,
        canaries=tuple(c.node_id for c in canaries),
        service=service,
    )


def _prepare_service(challenge: Challenge, work_dir: Path, submission: Path) -> ServiceHarness | None:
    spec = challenge.spec.service
    if spec is None:
        return None
    folder = work_dir / "service"
    shutil.copytree(challenge.service_files, folder,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    os.mkfifo(folder / GO_FIFO, 0o644)
    (folder / ".launch.py").write_text(_SERVICE_LAUNCHER)
    if spec.driver is not None:
        shutil.copyfile(_DRIVER_SOURCE, folder / f".{_DRIVER_MODULE}")
        # Unbuffered (-u): the container is killed once the tests are done, and whatever the
        # candidate's code printed must reach output.log rather than die in a buffer.
        command = ["python", "-I", "-B", "-u", f"{SERVICE_MOUNT}/.{_DRIVER_MODULE}",
                   "--scenarios", f"{SERVICE_MOUNT}/{spec.driver}", "--port", str(spec.port)]
    else:
        assert spec.command is not None
        command = spec.command
    _readable_by_all(folder)
    return ServiceHarness(
        command=["python", "-I", "-B", f"{SERVICE_MOUNT}/.launch.py", *command],
        mounts=[BindMount(source=submission, target=SUBMISSION_MOUNT),
                BindMount(source=folder, target=SERVICE_MOUNT)],
        environment={"HOME": "/tmp", "ASSESS_SERVICE_PORT": str(spec.port)},
        go_fifo=folder / GO_FIFO,
    )


def _readable_by_all(root: Path) -> None:
    """The sandbox runs as an unprivileged uid: it must read what the host copied."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)


def _report_slot(folder: Path, name: str) -> None:
    """The one file the sandbox may write to: ``name`` exists, empty and writable by all,
    in a folder the sandbox can traverse but neither list nor create files in. So the
    report cannot be found by globbing, and the host disk the folder lives on gets at
    most one file, capped by the file-size limit, however much candidate code writes."""
    (folder / name).touch(mode=0o666)
    (folder / name).chmod(0o666)  # touch's mode is filtered by the umask
    folder.chmod(0o711)
