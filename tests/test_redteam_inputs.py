"""Hostile inputs, graded through `assess run` against the tiny challenge.

A hostile archive is refused in one line with exit code 3 after its sandbox started: nothing
is written outside the target, no partial submission or result is left, and no container. A
hostile repository that can be cloned safely is graded without running anything of its own.
Files that could fool the grader's imports are kept out or reported, never scored.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.errors import EXIT_BAD_INPUT, SubmissionError
from runner.ingest import IngestLimits
from runner.pipeline import RunOptions, grade_submission
from runner.results import Result, Status
from runner.sandbox import Engine, ImageRef
from runner.spec import load_challenge
from tests.builders import git, make_repo, make_tar, make_zip, tar_member, write_tree
from tests.conftest import SUBMISSIONS, TINY
from tests.test_cli import assert_one_line_error, invoke

pytestmark = pytest.mark.docker

CORRECT = (SUBMISSIONS / "tiny-correct" / "solution.py").read_text()
SENTINEL_TEXT = "untouched\n"


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder assess works in (its sandbox folders, the extracted submission)."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """A file outside every target, that escapes aim at."""
    path = tmp_path / "sentinel.txt"
    path.write_text(SENTINEL_TEXT)
    return path


def assert_refused_and_host_untouched(source: Path, out: Path, fragments: tuple[str, ...], *,
                                      engine: Engine, scratch: Path, sentinel: Path) -> None:
    code, output = invoke("run", str(TINY), str(source), "--out", str(out))
    assert code == EXIT_BAD_INPUT, output
    for fragment in fragments:
        assert_one_line_error(output, fragment)
    assert sentinel.read_text() == SENTINEL_TEXT
    assert not list(sentinel.parent.rglob("pwned*")), "a file was written outside the target"
    assert not out.exists(), "a refused submission leaves no result and no partial submission"
    assert list(scratch.iterdir()) == [], "nothing of the submission is left in the temp folder"
    assert engine.project_containers(owner_pid=os.getpid()) == []


def up_to(where: Path, name: str) -> str:
    """A relative path from any folder (up to the root, then down) to ``where/name``."""
    return "../" * 32 + str(where / name).lstrip("/")


def solution_and(*members: tuple[tarfile.TarInfo, bytes]) -> list[tuple[tarfile.TarInfo, bytes]]:
    return [tar_member("solution.py", CORRECT.encode()), *members]


# name: (builds the archive in a folder `where`, what the one-line error says). Every escape
# aims at `where`/sentinel.txt or at a new `where`/pwned* file.
HOSTILE_ARCHIVES: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "zip-absolute-path": (
        lambda where: make_zip(where / "evil.zip", [("solution.py", CORRECT.encode()),
                                                    (str(where / "pwned.py"), b"pwned\n")]),
        ("unsafe path in submission: /", "pwned.py (absolute path)")),
    "tar-dot-dot": (
        lambda where: make_tar(where / "evil.tar.gz", solution_and(
            tar_member(up_to(where, "pwned.py"), b"pwned\n"))),
        ("unsafe path in submission: ../", "pwned.py (contains '..')")),
    "tar-absolute-symlink": (
        lambda where: make_tar(where / "evil.tar.gz", solution_and(
            tar_member("out", kind=tarfile.SYMTYPE, link=str(where)),
            tar_member("out/pwned.py", b"pwned\n"))),
        ("unsafe link in submission: out -> /", "(absolute target)")),
    "tar-relative-symlink": (
        lambda where: make_tar(where / "evil.tar.gz", solution_and(
            tar_member("out", kind=tarfile.SYMTYPE, link=up_to(where, "sentinel.txt")))),
        ("unsafe link in submission: out -> ../", "(points outside the submission)")),
    "tar-hard-link": (
        lambda where: make_tar(where / "evil.tar.gz", solution_and(
            tar_member("out", kind=tarfile.LNKTYPE, link=str(where / "sentinel.txt")))),
        ("hard link in submission: out (not accepted)",)),
    "tar-device-file": (
        lambda where: make_tar(where / "evil.tar.gz", solution_and(
            tar_member("disk", kind=tarfile.BLKTYPE))),
        ("special file in submission: disk (devices, FIFOs and sockets are not accepted)",)),
    "zip-bomb": (
        lambda where: make_zip(where / "bomb.zip", [("solution.py", CORRECT.encode()),
                                                    ("zeros.bin", bytes(8 * 2**20))]),
        ("suspicious compression at zeros.bin: over 200:1 (a zip bomb?)",)),
    "too-deep": (
        lambda where: make_tar(where / "deep.tar.gz", solution_and(
            tar_member("d/" * 40 + "x.py", b""))),
        ("submission refused: d/d/", "x.py is more than 32 levels deep")),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE_ARCHIVES))
def test_hostile_archive_is_refused_in_one_line_and_the_host_is_untouched(
        attack: str, engine: Engine, tmp_path: Path, scratch: Path, sentinel: Path) -> None:
    build, fragments = HOSTILE_ARCHIVES[attack]
    assert_refused_and_host_untouched(build(tmp_path), tmp_path / "out", fragments, engine=engine,
                                      scratch=scratch, sentinel=sentinel)


def test_archive_with_too_many_files_is_refused(engine: Engine, python_image: ImageRef,
                                                tmp_path: Path, scratch: Path) -> None:
    # `assess run` has no option to lower the limit, and 10,000 files are slow to build.
    archive = make_zip(tmp_path / "many.zip", [("solution.py", CORRECT.encode())]
                       + [(f"f{i}.py", b"") for i in range(10)])
    out = tmp_path / "out"
    with pytest.raises(SubmissionError, match="submission refused: more than 10 files") as caught:
        grade_submission(challenge=load_challenge(TINY), source=str(archive), out_dir=out,
                         engine=engine, image=python_image,
                         options=RunOptions(ingest_limits=IngestLimits(max_files=10)))
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert not out.exists()
    assert list(scratch.iterdir()) == []
    assert engine.project_containers(owner_pid=os.getpid()) == []


def graded_by_cli(source: str, out: Path) -> dict[str, object]:
    code, output = invoke("run", str(TINY), source, "--out", str(out))
    assert code == 0, output
    result: dict[str, object] = json.loads((out / "result.json").read_text())
    return result


def test_repository_hooks_and_config_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned-by-hook"
    repo = make_repo(tmp_path / "repo", {"solution.py": CORRECT})
    script = f"#!/bin/sh\necho \"$0\" >> '{marker}'\n"
    hooks = repo / ".git" / "hooks"
    for name in ("post-checkout", "post-merge", "post-rewrite", "reference-transaction",
                 "post-index-change", "pre-auto-gc", "fsmonitor-watchman"):
        (hooks / name).write_text(script)
        (hooks / name).chmod(0o755)
    # Planted after the commit: from here on, git in this repository runs the script.
    git("config", "core.hooksPath", str(hooks), cwd=repo)
    git("config", "core.fsmonitor", str(hooks / "fsmonitor-watchman"), cwd=repo)

    result = graded_by_cli(f"{repo}@main", tmp_path / "out")

    assert (result["status"], result["score"], result["flags"]) == ("graded", 100, [])
    assert not marker.exists(), marker.read_text()


def test_repository_submodules_are_not_fetched(tmp_path: Path) -> None:
    marker = tmp_path / "pwned-by-submodule"
    lib = make_repo(tmp_path / "lib", {"solution.py": "def add(a, b):\n    return 0\n"})
    repo = make_repo(tmp_path / "repo", {"solution.py": CORRECT})
    # One submodule a fetch would run a command for (ext::), one it would copy files from.
    write_tree(repo, {".gitmodules": (
        f'[submodule "evil"]\n\tpath = evil\n\turl = ext::sh -c touch% {marker}\n'
        f'[submodule "lib"]\n\tpath = lib\n\turl = {lib}\n')})
    lib_commit = git("rev-parse", "HEAD", cwd=lib)
    for path in ("evil", "lib"):
        git("update-index", "--add", "--cacheinfo", f"160000,{lib_commit},{path}", cwd=repo)
    git("add", ".gitmodules", cwd=repo)
    git("commit", "-q", "-m", "submodules", cwd=repo)

    result = graded_by_cli(f"{repo}@main", tmp_path / "out")

    assert (result["status"], result["score"], result["flags"]) == ("graded", 100, [])
    submission = result["submission"]
    assert isinstance(submission, dict)
    assert submission["files"] == 2  # solution.py and .gitmodules: nothing of the submodules
    assert not marker.exists()


# --- kept out of the grader's imports: stripped or reported, never scored ---------------------


def grade_tree(engine: Engine, image: ImageRef, tree: Path, out: Path) -> Result:
    return grade_submission(challenge=load_challenge(TINY), source=str(tree), out_dir=out,
                            engine=engine, image=image)


def test_modules_named_like_standard_or_installed_ones_are_reported_not_imported(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    # Were either imported in place of the real one, the run would break and score 0.
    tree = write_tree(tmp_path / "s", {
        "solution.py": CORRECT,
        "json.py": "raise ImportError('the candidate json.py was imported')\n",
        "pytest.py": "raise ImportError('the candidate pytest.py was imported')\n",
    })

    result = grade_tree(engine, python_image, tree, tmp_path / "out")

    assert (result.status, result.score) == (Status.GRADED, 100), result.reason
    [flag] = result.flags
    assert (flag.code, flag.evidence) == ("shadowed-modules", "json.py, pytest.py")
    assert flag.message.startswith("2 modules named like standard or installed ones")


def test_compiled_module_next_to_its_source_is_stripped_and_flagged(
        engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    # Python tries an extension module before the source: kept, this one would break the import.
    shadow = "solution.cpython-311-x86_64-linux-gnu.so"
    tree = write_tree(tmp_path / "s", {"solution.py": CORRECT, shadow: b"\x7fELF not really"})

    result = grade_tree(engine, python_image, tree, tmp_path / "out")

    assert (result.status, result.score) == (Status.GRADED, 100), result.reason
    [flag] = result.flags
    assert (flag.code, flag.evidence) == ("stripped-files", shadow)
