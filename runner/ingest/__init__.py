"""Turn what a candidate submitted into a clean tree the sandbox can mount read-only.

Every file, archive and repository is hostile. ``source`` is read as, in this order:

1. An existing local path. A directory is copied (kind "directory"). A plain directory is never
   read as a git repository, even when it holds ``.git``: its files as they stand (uncommitted
   changes included) are the submission and ``.git`` is stripped. Only a bare repository, which
   has no files to copy, is cloned at its HEAD instead. A file must be an archive: .zip, .tar,
   .tar.gz/.tgz, .tar.bz2/.tbz2 or .tar.xz/.txz (kind "archive").
2. A git URL: https://, http://, ssh://, git://, file:// or scp-like ``user@host:path``, with an
   optional ``@ref`` (branch, tag or commit; kind "git").
3. ``DIR@REF`` where DIR is an existing local directory: that repository at REF (kind "git").

``@ref`` is the text after the last "@" of the URL's path (never of its ``user@host`` part),
when that text holds no ":". A string that exists as a local path is never split.

The same rules hold for every kind, since a clone becomes a tree through ``git archive`` and
the same tar reader:

- Paths: absolute paths, ".." components and entries clashing with one another are refused.
  Files are written only under folders this module made, so nothing lands outside the target.
- Links: a symbolic link is kept only if it is relative and, once every link is in place,
  resolves to something inside the tree that is not a folder holding the link (a loop).
  Absolute, escaping, dangling and looping links are refused, and so is every hard link.
- Devices, FIFOs and sockets are refused.
- Limits (``IngestLimits``) count bytes actually written, never sizes an archive declares;
  compression ratios are checked per zip member and overall once 1 MiB has been written, so
  small, highly compressible files (a long run of blank lines) pass.
- Stripped anywhere and reported in ``stripped``: ``.git`` (folder or file), ``__pycache__``,
  ``__MACOSX``, ``*.pyc`` and ``*.pyo`` (a sourceless .pyc is importable and could shadow a source),
  and compiled modules and shared libraries: ``*.so`` (``m.cpython-311-x86_64-linux-gnu.so`` too),
  versioned ``*.so.1.2`` and ``*.pyd`` (a binary shadows a source and cannot be reviewed).
- Reported in ``shadowed``, kept: top-level modules named like a standard-library module or a
  package of the sandbox image (``json.py``, ``pytest/``). The grader appends the submission to
  the end of ``sys.path``, so they are never imported in place of the real ones; shipping one is
  still something a reviewer should see (see ``_shadow``).
- Modes: folders 0755, files 0644, or 0755 when the source had any exec bit.
- An archive whose top level is one folder (GitHub's ``repo-main/``) is unwrapped.
- A refusal leaves nothing behind under ``work_dir``.

A clone that fails says "could not clone URL: " and git's first error line (its last line is
often advice). Credentials in an http(s) URL become ``***`` in messages and ``info.source``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from runner.errors import SubmissionError
from runner.ingest._archives import _ingest_archive
from runner.ingest._git import _ingest_git
from runner.ingest._shadow import shadowed_modules
from runner.ingest._tree import _copy_directory, _show, _Tree
from runner.results import SubmissionInfo

__all__ = ["IngestLimits", "IngestedSubmission", "check_source", "ingest"]

_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_EXPECTED = "expected a directory, .zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz or a git URL"
_URL = re.compile(
    r"(?P<head>(?:https?|ssh|git|file)://[^/]*|[\w.~-]+@[\w.-]+:)(?P<path>.*)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class IngestLimits:
    max_files: int = 10_000  # files and links; folders are capped at the same number
    max_total_bytes: int = 100 * 2**20  # uncompressed
    max_file_bytes: int = 20 * 2**20
    max_depth: int = 32
    max_compression_ratio: float = 200.0  # zip-bomb guard, per member and overall
    clone_timeout_seconds: float = 120.0


@dataclass(frozen=True)
class IngestedSubmission:
    info: SubmissionInfo
    root: Path  # work_dir/submission, ready to be bind-mounted read-only
    stripped: tuple[str, ...]  # paths removed on purpose, relative to the source as given
    shadowed: tuple[str, ...]  # kept, but named like standard or installed: "json.py", "pytest/"


def _redact(url: str) -> str:
    return re.sub(r"^(https?://)[^/@]*@", r"\1***@", url, flags=re.IGNORECASE)


def _split_ref(source: str) -> tuple[str, str | None]:
    """Split ``source`` into a repository and the ``@ref`` after the last "@" of its path."""
    m = _URL.fullmatch(source)
    head, path = (m["head"], m["path"]) if m else ("", source)
    base, at, ref = path.rpartition("@")
    if not at or not ref or ":" in ref or not (head + base):
        return source, None
    return head + base, ref


class _Plan(NamedTuple):
    kind: Literal["directory", "archive", "git"]
    path: Path | None  # local directory or archive
    repo: str  # what to give git clone
    shown: str  # the repository as the user gave it, credentials hidden
    ref: str | None


def _plan(source: str) -> _Plan:
    unsupported = SubmissionError(f"unsupported submission: {_show(source)} ({_EXPECTED})")
    if source and os.path.lexists(source):
        path = Path(source)
        if path.is_dir():
            if not (path / ".git").exists() and all(
                (path / p).exists() for p in ("HEAD", "objects", "refs")
            ):  # a bare repository: no files to copy
                return _Plan("git", path, str(path.resolve()), source, None)
            return _Plan("directory", path, "", source, None)
        lower = path.name.lower()
        if path.is_file() and (lower.endswith(".zip") or lower.endswith(_TAR_SUFFIXES)):
            return _Plan("archive", path, "", source, None)
        raise unsupported
    repo, ref = _split_ref(source)
    if ref is not None and (ref.startswith("-") or not ref.isprintable() or " " in ref):
        raise SubmissionError(f"invalid git ref: {ref!r}")
    if _URL.fullmatch(repo):
        return _Plan("git", None, repo, _redact(repo), ref)
    if ref is not None and os.path.isdir(repo):
        return _Plan("git", Path(repo), str(Path(repo).resolve()), repo, ref)
    if ref is not None and os.path.lexists(repo):
        raise unsupported
    raise SubmissionError(f"submission not found: {_show(source)}")


def check_source(source: str) -> None:
    """Refuse at once a source that is missing or of an unsupported kind (no I/O beyond a stat).

    Raises:
        SubmissionError: as ``ingest`` would, for these cases.
    """
    _plan(source)


def ingest(
    source: str, work_dir: Path, *, limits: IngestLimits = IngestLimits()
) -> IngestedSubmission:
    """Copy, extract or clone ``source`` into ``work_dir/submission`` as a clean tree.

    Args:
        source: a local directory, an archive, or a git URL or ``DIR@REF`` (see the module docs).
        work_dir: where the tree goes; created if missing, must not already hold ``submission``.
        limits: caps on files, bytes, depth, compression ratio and clone time.

    Returns:
        The tree's root, what was stripped from it, its top-level modules named like standard
        or installed ones, and its ``SubmissionInfo``.

    Raises:
        SubmissionError: the source is missing, unsupported, corrupt, over a limit or unsafe,
            or could not be cloned; nothing is left under ``work_dir``.
        ValueError: ``work_dir`` already holds a submission, or lies inside the source.
    """
    target = work_dir / "submission"
    if os.path.lexists(target):
        raise ValueError(f"{target} already exists")
    plan = _plan(source)
    inside = plan.path is not None and work_dir.resolve().is_relative_to(plan.path.resolve())
    if plan.kind == "directory" and inside:
        raise ValueError(f"the work directory {work_dir} lies inside the submission {source}")
    work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".ingest-", dir=work_dir))
    try:
        tree = _Tree(scratch / "tree", limits)
        tree.base.mkdir()
        sha256 = commit = None
        if plan.kind == "directory" and plan.path is not None:
            _copy_directory(plan.path, tree)
        elif plan.kind == "archive" and plan.path is not None:
            sha256 = _ingest_archive(plan.path, tree)
        else:
            commit = _ingest_git(
                plan.repo, plan.ref, tree, scratch, shown=plan.shown, local=plan.path is not None
            )
        tree.finish(target, unwrap=plan.kind == "archive")
        if plan.kind == "directory":
            sha256 = tree.tree_hash()
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # we checked it did not exist before
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    source_shown = _redact(source) if plan.kind == "git" else source
    info = SubmissionInfo(
        source=source_shown, kind=plan.kind, sha256=sha256, commit=commit, ref=plan.ref,
        files=tree.files, bytes=tree.bytes,
    )  # fmt: skip
    return IngestedSubmission(info=info, root=target, stripped=tuple(sorted(tree.stripped)),
                              shadowed=shadowed_modules(tree.final_files()))
