"""Cloning a repository with a locked-down git and reading one commit through the tar reader."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from runner.errors import SubmissionError
from runner.ingest._archives import _READ_ERRORS, _read_tar, _tar_budget
from runner.ingest._tree import _show, _Tree

__all__ = ["_ingest_git"]

_GIT_CONFIG = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "protocol.ext.allow=never",
    "-c", "submodule.recurse=false",
    "-c", "credential.helper=",
    "-c", "filter.lfs.smudge=",
    "-c", "filter.lfs.process=",
    "-c", "filter.lfs.required=false",
)  # fmt: skip


def _git_env(home: Path, *, local: bool) -> dict[str, str]:
    """A git that reads no user or system config and never waits for a password."""
    keep = (
        "PATH",
        "SSH_AUTH_SOCK",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "HTTPS_PROXY",
        "NO_PROXY",
    )
    env = {k: v for k in keep if (v := os.environ.get(k)) is not None}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home),
        LC_ALL="C",  # git's messages in English, for the one line we show
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        GIT_ASKPASS="true",
        SSH_ASKPASS="true",
        GIT_SSH_COMMAND="ssh -o BatchMode=yes",
        GIT_LFS_SKIP_SMUDGE="1",
        GIT_ALLOW_PROTOCOL="https:http:ssh:git" + (":file" if local else ""),
    )
    return env


def _git_error(stderr: bytes) -> str:
    """git's first fatal or error line: its last line is often advice ("and the repository exists.")."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(("fatal: ", "error: "))]
    line = (errors or lines or ["git failed"])[0 if errors else -1]
    return _show(re.sub(r"^(fatal|error): ", "", line))


def _git(args: list[str], *, env: dict[str, str], deadline: float) -> tuple[int, bytes, bytes]:
    """Run git to the end; past the deadline, kill its whole process group (ssh, helpers) too."""
    proc = subprocess.Popen(
        ["git", *_GIT_CONFIG, *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=env, start_new_session=True,  # no terminal to prompt on, and one group to kill
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=max(deadline - time.monotonic(), 0.0))
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise
    return proc.returncode, out, err


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def _ingest_git(
    origin: str, ref: str | None, tree: _Tree, scratch: Path, *, shown: str, local: bool
) -> str:
    """Clone without checking out (so no checkout hooks or filters), extract the commit's
    ``git archive`` through the tar reader, and return the commit's sha.

    ``origin`` is what to give git clone, ``shown`` the same with credentials hidden, and
    ``local`` says it is a local repository.
    """
    failed = f"could not clone {shown}"
    timeout = tree.limits.clone_timeout_seconds
    deadline = time.monotonic() + timeout
    home, repo = scratch / "home", scratch / "repo"
    home.mkdir()
    env = _git_env(home, local=local or origin.lower().startswith("file:"))
    no_local = ["--no-local"] if local else []  # no hard links into their objects
    try:
        rc, _, err = _git(
            ["clone", "--no-checkout", "--quiet", "--template=", *no_local, "--", origin, str(repo)],
            env=env, deadline=deadline,
        )  # fmt: skip
        if rc != 0:
            raise SubmissionError(f"{failed}: {_git_error(err)}")
        revs = [f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", ref] if ref else ["HEAD"]
        for rev in revs:
            rc, out, _ = _git(
                ["-C", str(repo), "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"],
                env=env, deadline=deadline,
            )  # fmt: skip
            if rc == 0:
                commit = out.decode().strip()
                break
        else:
            missing = f"no branch, tag or commit named {ref!r}" if ref else "no commits"
            raise SubmissionError(f"{failed}: {missing}")
        with tempfile.TemporaryFile() as errors, subprocess.Popen(
            ["git", *_GIT_CONFIG, "-C", str(repo), "archive", "--format=tar", commit],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
            env=env, start_new_session=True,
        ) as proc:  # fmt: skip
            assert proc.stdout is not None
            try:
                _read_tar(proc.stdout, tree, budget=_tar_budget(tree.limits))
                proc.stdout.read(1 << 20)  # the end-of-archive padding, so git exits cleanly
                rc = proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
            except _READ_ERRORS as e:
                raise SubmissionError(f"{failed}: unreadable git archive: {e}") from None
            finally:
                if proc.poll() is None:
                    _kill(proc)
            if rc != 0:
                errors.seek(0)
                raise SubmissionError(f"{failed}: {_git_error(errors.read())}")
    except subprocess.TimeoutExpired:
        raise SubmissionError(f"{failed}: timed out after {timeout:g} s") from None
    except FileNotFoundError as e:
        if e.filename != "git":
            raise
        raise SubmissionError(f"{failed}: git is not installed") from None
    return commit
