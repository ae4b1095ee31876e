"""`assess pack`: what a candidate receives, and that nothing hidden is ever in it."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.bundle import bundle_files, pack
from runner.cli import cli
from runner.errors import ChallengeError
from runner.spec import find_challenges, load_challenge
from tests.conftest import REPO, TINY


def copy_tiny(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TINY, tmp_path / "tiny"))


def test_zip_bundle_holds_brief_starter_and_public_tests_only(tmp_path: Path) -> None:
    out = tmp_path / "tiny.zip"
    result = CliRunner().invoke(cli, ["pack", str(TINY), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Packed 3 files into {out} (zip)\n"
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["tiny/BRIEF.md", "tiny/solution.py", "tiny/tests/test_public.py"]
        assert b"NotImplementedError" in archive.read("tiny/solution.py")  # the starter, not the reference


def test_git_bundle_is_a_fresh_repository_with_one_commit(tmp_path: Path) -> None:
    out = tmp_path / "repo"
    assert pack(load_challenge(TINY), out, fmt="git") == ["BRIEF.md", "solution.py", "tests/test_public.py"]
    log = subprocess.run(["git", "-C", str(out), "log", "--format=%s"], capture_output=True, text=True, check=True)
    assert log.stdout == "Starting point\n"
    tracked = subprocess.run(["git", "-C", str(out), "ls-files"], capture_output=True, text=True, check=True)
    assert tracked.stdout.split() == ["BRIEF.md", "solution.py", "tests/test_public.py"]


def test_a_starter_file_repeating_a_hidden_test_is_refused(tmp_path: Path) -> None:
    tiny = copy_tiny(tmp_path)
    shutil.copy(tiny / "hidden_tests" / "test_tiny.py", tiny / "starter" / "helper.py")
    with pytest.raises(ChallengeError, match="helper.py repeat hidden test files"):
        pack(load_challenge(tiny), tmp_path / "out.zip", fmt="zip")
    assert not (tmp_path / "out.zip").exists()


def test_symlink_in_the_starter_is_refused(tmp_path: Path) -> None:
    tiny = copy_tiny(tmp_path)
    (tiny / "starter" / "peek.py").symlink_to(tiny / "hidden_tests" / "test_tiny.py")
    with pytest.raises(ChallengeError, match="symlinks are not allowed"):
        bundle_files(load_challenge(tiny))


def test_existing_target_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    result = CliRunner().invoke(cli, ["pack", str(TINY), "--out", str(out)])
    assert result.exit_code == 3
    assert result.output == f"Error: {out} already exists; choose a new path\n"
    assert (out / "mine.txt").read_text() == "keep"


@pytest.mark.parametrize("challenge", find_challenges(REPO / "challenges"), ids=lambda c: c.id)
def test_bundled_challenges_pack_without_hidden_files(challenge: object, tmp_path: Path) -> None:
    from runner.spec import Challenge

    assert isinstance(challenge, Challenge)
    names = pack(challenge, tmp_path / "bundle", fmt="git")
    hidden_names = {p.name for p in challenge.hidden_tests.rglob("*.py")} - {"conftest.py", "__init__.py"}
    assert not hidden_names & {Path(n).name for n in names}
    assert "BRIEF.md" in names
