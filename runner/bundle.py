"""The bundle a candidate receives: the brief, the starter and the public tests; nothing hidden.

Built only from those three sources, so the hidden suite, the reference and the known-wrong
solutions cannot slip in; ``hidden_leaks`` double-checks by content.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Literal

from runner.errors import ChallengeError
from runner.spec import Challenge

__all__ = ["BRIEF_NAME", "Format", "bundle_files", "hidden_leaks", "pack"]

BRIEF_NAME = "BRIEF.md"
PUBLIC_TESTS_DIR = "tests"
Format = Literal["zip", "git"]
_SKIP = {"__pycache__", ".pytest_cache", ".mypy_cache", ".git"}
# Empty files and one-line boilerplate (an empty __init__.py) prove nothing about a leak.
_TRIVIAL_BYTES = 64


def bundle_files(challenge: Challenge) -> dict[str, Path]:
    """Every file of the bundle: its path inside the bundle -> its source.

    Raises:
        ChallengeError: a source is missing, holds a symlink, or two sources claim one path.
    """
    files: dict[str, Path] = {}
    if not challenge.brief.is_file():
        raise ChallengeError(f"{challenge.root}: missing brief.md")
    files[BRIEF_NAME] = challenge.brief
    if not challenge.starter.is_dir():
        raise ChallengeError(f"{challenge.root}: missing starter/ folder")
    sources = [(challenge.starter, "")]
    if challenge.public_tests.is_dir():
        sources.append((challenge.public_tests, PUBLIC_TESTS_DIR + "/"))
    for folder, prefix in sources:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if _SKIP.intersection(rel.parts) or path.suffix in (".pyc", ".pyo"):
                continue
            if path.is_symlink():
                raise ChallengeError(f"{path}: symlinks are not allowed in a candidate bundle")
            if path.is_dir():
                continue
            name = prefix + rel.as_posix()
            if name in files:
                raise ChallengeError(f"{path}: {name} is already in the bundle (from {files[name]})")
            files[name] = path
    return files


def hidden_leaks(challenge: Challenge, files: dict[str, Path]) -> list[str]:
    """Bundle paths whose content equals a hidden test file's (a leak, unless trivial)."""
    hidden = {
        _digest(p) for p in challenge.hidden_tests.rglob("*")
        if p.is_file() and not _SKIP.intersection(p.parts) and p.stat().st_size > _TRIVIAL_BYTES
    }
    return sorted(name for name, path in files.items() if _digest(path) in hidden)


def pack(challenge: Challenge, out: Path, *, fmt: Format) -> list[str]:
    """Write the bundle to ``out`` (a .zip, or a folder made a fresh git repository).

    Returns:
        The bundle's paths.

    Raises:
        ChallengeError: the challenge cannot be bundled, or a hidden file would leak.
    """
    files = bundle_files(challenge)
    leaks = hidden_leaks(challenge, files)
    if leaks:
        raise ChallengeError(f"refusing to pack: {', '.join(leaks)} repeat hidden test files")
    if out.exists():
        raise ChallengeError(f"{out} already exists; choose a new path")
    if fmt == "zip":
        _write_zip(files, out, top=challenge.id)
    else:
        _write_git(files, out)
    return sorted(files)


def _write_zip(files: dict[str, Path], out: Path, *, top: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, source in sorted(files.items()):
            archive.write(source, f"{top}/{name}")


def _write_git(files: dict[str, Path], out: Path) -> None:
    # Built beside the target and moved in whole: a failed git step leaves nothing half-made.
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".assess-pack-") as tmp:
        repo = Path(tmp) / "repo"
        for name, source in files.items():
            target = repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        git = ["git", "-C", str(repo), "-c", "user.name=assess", "-c", "user.email=assess@localhost",
               "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false"]
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Starting point"]):
            done = subprocess.run([*git, *args], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ChallengeError(f"git {args[0]} failed while packing: {done.stderr.strip()}")
        repo.rename(out)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
