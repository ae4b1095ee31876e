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
  ``__MACOSX``, ``*.pyc`` and ``*.pyo`` (a sourceless .pyc is importable and could shadow a source).
- Modes: folders 0755, files 0644, or 0755 when the source had any exec bit.
- An archive whose top level is one folder (GitHub's ``repo-main/``) is unwrapped.
- A refusal leaves nothing behind under ``work_dir``.

A clone that fails says "could not clone URL: " and git's first error line (its last line is
often advice). Credentials in an http(s) URL become ``***`` in messages and ``info.source``.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import re
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, NamedTuple, Protocol

from runner.errors import SubmissionError
from runner.results import SubmissionInfo

__all__ = ["IngestLimits", "IngestedSubmission", "ingest"]

_CHUNK = 1 << 16
_RATIO_FLOOR = 1 << 20  # below this many bytes written, any compression ratio is fine
_MAX_LINK_TARGET = 4096
_ENTRY_OVERHEAD = 3 * 512  # a tar header, a pax header and padding, per entry
_STRIP_NAMES = frozenset({".git", "__pycache__", "__MACOSX"})
_STRIP_SUFFIXES = (".pyc", ".pyo")
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_EXPECTED = "expected a directory, .zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz or a git URL"
_URL = re.compile(
    r"(?P<head>(?:https?|ssh|git|file)://[^/]*|[\w.~-]+@[\w.-]+:)(?P<path>.*)",
    re.IGNORECASE | re.DOTALL,
)
_READ_ERRORS = (tarfile.TarError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError)
_data_filter = getattr(tarfile, "data_filter", None)
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


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _show(name: str) -> str:
    """A path as one printable line (names may hold newlines or undecodable bytes)."""
    shown = name if name.isprintable() else repr(name)
    return shown if len(shown) <= 200 else shown[:200] + "..."


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.4g} KiB" if n < 1 << 20 else f"{n / (1 << 20):.4g} MiB"


@dataclass
class _Tree:
    """Builds the tree in a fresh folder, checking every entry against the rules on the way in.

    Links are only recorded, and made last by ``finish``: until then every folder on a path is
    one made here, so no write can pass through a link.
    """

    base: Path
    limits: IngestLimits
    packed_bytes: int | None = None  # archive size, for the overall compression ratio
    kinds: dict[str, Literal["dir", "file", "link"]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    stripped: set[str] = field(default_factory=set)
    seen: int = 0
    files: int = 0
    dirs: int = 0
    bytes: int = 0

    def accept(self, name: str, *, is_dir: bool = False) -> str | None:
        """Check an entry's path; return it normalised, or None for the root or a stripped path."""
        self.seen += 1
        if self.seen > 4 * self.limits.max_files:  # bounds the work on stripped entries too
            raise SubmissionError(
                f"submission refused: more than {4 * self.limits.max_files} entries"
            )
        if name.startswith("/"):
            raise SubmissionError(f"unsafe path in submission: {_show(name)} (absolute path)")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise SubmissionError(f"unsafe path in submission: {_show(name)} (contains '..')")
        if "\0" in name:
            raise SubmissionError(f"unsafe path in submission: {_show(name)} (contains NUL)")
        if len(parts) > self.limits.max_depth:
            raise SubmissionError(
                f"submission refused: {_show(name)} is more than {self.limits.max_depth} levels deep"
            )
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part in _STRIP_NAMES or (last and not is_dir and part.endswith(_STRIP_SUFFIXES)):
                self.stripped.add("/".join(parts[: i + 1]))
                return None
        return "/".join(parts) or None

    def make_dir(self, rel: str) -> None:
        kind = self.kinds.get(rel)
        if kind == "dir":
            return
        if kind is not None:
            raise SubmissionError(f"conflicting entries in submission: {_show(rel)}")
        self._parent(rel)
        self.dirs += 1
        if self.dirs > self.limits.max_files:
            raise SubmissionError(f"submission refused: more than {self.limits.max_files} folders")
        self.kinds[rel] = "dir"
        try:
            (self.base / rel).mkdir(mode=0o755)
            os.chmod(self.base / rel, 0o755)  # mkdir's mode is masked by the umask
        except OSError as e:
            raise SubmissionError(f"cannot write {_show(rel)}: {e.strerror}") from None

    def write_file(
        self, rel: str, data: _Readable, *, executable: bool, packed: int | None = None
    ) -> None:
        """Copy ``data`` to ``rel``, refusing as soon as a cap or ``packed``'s ratio is passed."""
        self._claim(rel, "file")
        lim = self.limits
        digest = hashlib.sha256()
        written = 0
        try:
            fd = os.open(
                self.base / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600
            )
        except OSError as e:
            raise SubmissionError(f"cannot write {_show(rel)}: {e.strerror}") from None
        with os.fdopen(fd, "wb") as out:
            while chunk := data.read(
                min(_CHUNK, lim.max_file_bytes - written + 1, lim.max_total_bytes - self.bytes + 1)
            ):
                written += len(chunk)
                self.bytes += len(chunk)
                if written > lim.max_file_bytes:
                    raise SubmissionError(
                        f"file too large: {_show(rel)} is over {_size(lim.max_file_bytes)}"
                    )
                if self.bytes > lim.max_total_bytes:
                    raise SubmissionError(
                        f"submission too large: over {_size(lim.max_total_bytes)} uncompressed"
                    )
                for total, base in ((written, packed), (self.bytes, self.packed_bytes)):
                    ratio = lim.max_compression_ratio
                    if base is not None and total > max(_RATIO_FLOOR, ratio * max(base, 1)):
                        raise SubmissionError(
                            f"suspicious compression at {_show(rel)}: over {ratio:g}:1 (a zip bomb?)"
                        )
                digest.update(chunk)
                try:
                    out.write(chunk)
                except OSError as e:
                    raise SubmissionError(f"cannot write {_show(rel)}: {e.strerror}") from None
            os.fchmod(out.fileno(), 0o755 if executable else 0o644)
        self.digests[rel] = f"file {int(executable)} {digest.hexdigest()}"

    def add_link(self, rel: str, target: str) -> None:
        shown = f"{_show(rel)} -> {_show(target)}"
        if not target or "\0" in target or len(target) > _MAX_LINK_TARGET:
            raise SubmissionError(f"unsafe link in submission: {shown} (invalid target)")
        if target.startswith("/"):
            raise SubmissionError(f"unsafe link in submission: {shown} (absolute target)")
        # The cheap lexical check catches most escapes early; finish() checks the real path.
        if os.path.normpath(os.path.join(os.path.dirname(rel), target)).split("/")[0] == "..":
            raise SubmissionError(
                f"unsafe link in submission: {shown} (points outside the submission)"
            )
        self._claim(rel, "link")
        self.links[rel] = target
        self.digests[rel] = f"link {target}"

    def finish(self, target: Path, *, unwrap: bool) -> None:
        """Move the tree to ``target`` (unwrapping a lone top folder), then make and check links."""
        tops = {rel.split("/")[0] for rel in self.kinds}
        prefix = ""
        if unwrap and len(tops) == 1 and self.kinds[next(iter(tops))] == "dir":
            prefix = next(iter(tops)) + "/"
        os.rename(self.base / prefix, target)
        os.chmod(target, 0o755)
        links = {rel.removeprefix(prefix): dest for rel, dest in self.links.items()}
        for rel, dest in links.items():
            os.symlink(dest, target / rel)
        root = os.path.realpath(target)
        for rel, dest in links.items():
            shown = f"{_show(rel)} -> {_show(dest)}"
            try:
                real = os.path.realpath(target / rel, strict=True)
            except OSError:
                raise SubmissionError(
                    f"unsafe link in submission: {shown} (dangling or a loop)"
                ) from None
            if os.path.commonpath([real, root]) != root:
                raise SubmissionError(
                    f"unsafe link in submission: {shown} (points outside the submission)"
                )
            holder = os.path.realpath((target / rel).parent)
            if os.path.isdir(real) and os.path.commonpath([real, holder]) == real:
                raise SubmissionError(f"unsafe link in submission: {shown} (a loop)")

    def tree_hash(self) -> str:
        """sha256 over sorted paths, exec bits, file contents and link targets (not folders)."""
        h = hashlib.sha256()
        for rel in sorted(self.digests):
            h.update(f"{rel}\0{self.digests[rel]}\n".encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def _claim(self, rel: str, kind: Literal["file", "link"]) -> None:
        if rel in self.kinds:
            raise SubmissionError(f"conflicting entries in submission: {_show(rel)} appears twice")
        self._parent(rel)
        self.files += 1
        if self.files > self.limits.max_files:
            raise SubmissionError(f"submission refused: more than {self.limits.max_files} files")
        self.kinds[rel] = kind

    def _parent(self, rel: str) -> None:
        parent = rel.rpartition("/")[0]
        if parent and self.kinds.get(parent) != "dir":
            self.make_dir(parent)  # refuses if the parent is a file or a link


class _Capped(io.RawIOBase):
    """A reader that refuses past ``limit`` bytes, before reading them into memory.

    tarfile reads a pax or GNU long-name header whole, so a header claiming gigabytes would
    otherwise be a memory bomb; stripped members are also read through, and counted, here.
    """

    def __init__(self, inner: _Readable, *, limit: int, message: str) -> None:
        super().__init__()
        self.inner, self.limit, self.message, self.count = inner, limit, message, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        room = self.limit - self.count + 1
        data = self.inner.read(room if size < 0 else min(size, room))
        self.count += len(data)
        if self.count > self.limit:
            raise SubmissionError(self.message)
        return data


def _read_tar(stream: _Readable, tree: _Tree, *, budget: int) -> None:
    message = f"submission too large: over {_size(tree.limits.max_total_bytes)} uncompressed"
    capped = _Capped(stream, limit=budget, message=message)
    with tarfile.open(fileobj=capped, mode="r|") as tf:
        for member in tf:
            rel = tree.accept(member.name, is_dir=member.isdir())
            if member.islnk():
                raise SubmissionError(
                    f"hard link in submission: {_show(member.name)} (not accepted)"
                )
            if not (member.isreg() or member.isdir() or member.issym()):
                raise SubmissionError(
                    f"special file in submission: {_show(member.name)} (devices, FIFOs and sockets are not accepted)"
                )
            if rel is None:
                continue
            if member.isdir():
                tree.make_dir(rel)
            elif member.issym():
                tree.add_link(rel, member.linkname)
            if _data_filter is not None:  # a second opinion from the standard library (3.11.4+)
                try:
                    _data_filter(member, str(tree.base))
                except tarfile.FilterError as e:
                    raise SubmissionError(f"unsafe entry in submission: {e}") from None
            if member.isreg():
                data = tf.extractfile(member)
                assert data is not None  # a regular member always has data
                tree.write_file(rel, data, executable=bool(member.mode & 0o111))


def _read_zip(archive: IO[bytes], tree: _Tree) -> None:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > 4 * tree.limits.max_files:
            raise SubmissionError(
                f"submission refused: more than {4 * tree.limits.max_files} entries"
            )
        for info in infos:
            name = info.filename.replace("\\", "/")  # Windows tools write backslashes
            mode = info.external_attr >> 16 if info.create_system == 3 else 0
            kind = stat.S_IFMT(mode)
            is_dir = name.endswith("/") or kind == stat.S_IFDIR
            rel = tree.accept(name, is_dir=is_dir)
            if not is_dir and kind not in (0, stat.S_IFREG, stat.S_IFLNK):
                raise SubmissionError(
                    f"special file in submission: {_show(name)} (devices, FIFOs and sockets are not accepted)"
                )
            if rel is None:
                continue
            if info.flag_bits & 0x1:
                raise SubmissionError(f"encrypted archive member: {_show(name)}")
            if is_dir:
                tree.make_dir(rel)
            elif kind == stat.S_IFLNK:
                with zf.open(info) as f:
                    target = f.read(_MAX_LINK_TARGET + 1).decode("utf-8", "surrogateescape")
                tree.add_link(rel, target)
            elif info.file_size > tree.limits.max_file_bytes:  # early; the real cap is on writes
                raise SubmissionError(
                    f"file too large: {_show(rel)} is over {_size(tree.limits.max_file_bytes)}"
                )
            else:
                with zf.open(info) as f:
                    tree.write_file(
                        rel, f, executable=bool(mode & 0o111), packed=info.compress_size
                    )


def _decompressed(f: IO[bytes]) -> _Readable:
    """The archive's tar stream, whatever it was compressed with (sniffed, not trusted to names)."""
    magic = f.read(6)
    f.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=f)
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(f)
    if magic == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(f)
    return f


def _ingest_archive(path: Path, tree: _Tree) -> str:
    """Extract ``path`` into ``tree``; return the archive's sha256."""
    digest = hashlib.sha256()
    try:
        f = path.open("rb")
    except OSError as e:
        raise SubmissionError(f"cannot read {_show(str(path))}: {e.strerror}") from None
    with f:
        try:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
            tree.packed_bytes = f.tell()
            f.seek(0)
            if path.name.lower().endswith(".zip"):
                _read_zip(f, tree)
            else:
                _read_tar(_decompressed(f), tree, budget=_tar_budget(tree.limits))
        except _READ_ERRORS as e:  # the tree turns its own write errors into SubmissionError
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise SubmissionError(
                f"corrupt archive: {path.name}: {reason or type(e).__name__}"
            ) from None
    return digest.hexdigest()


def _tar_budget(limits: IngestLimits) -> int:
    # Looser than the tree's caps, so that stripped content (.git) does not refuse a submission.
    return 2 * limits.max_total_bytes + 4 * limits.max_files * _ENTRY_OVERHEAD + 20 * 512


def _copy_directory(src: Path, tree: _Tree, rel: str = "") -> None:
    try:
        entries = sorted(os.scandir(src / rel), key=lambda e: e.name)
    except OSError as e:
        raise SubmissionError(f"cannot read {_show(str(src / rel))}: {e.strerror}") from None
    for entry in entries:
        name = f"{rel}/{entry.name}" if rel else entry.name
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                link = tree.accept(name)
                if link is not None:
                    tree.add_link(link, os.readlink(entry.path))
            elif stat.S_ISDIR(st.st_mode):
                sub = tree.accept(name, is_dir=True)
                if sub is not None:
                    tree.make_dir(sub)
                    _copy_directory(src, tree, name)
            elif stat.S_ISREG(st.st_mode):
                dest = tree.accept(name)
                if dest is not None:
                    # O_NOFOLLOW and the fstat guard against the entry being swapped meanwhile.
                    fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                    with os.fdopen(fd, "rb") as f:
                        if not stat.S_ISREG(os.fstat(fd).st_mode):
                            raise SubmissionError(
                                f"cannot read {_show(name)}: it changed while being copied"
                            )
                        tree.write_file(dest, f, executable=bool(st.st_mode & 0o111))
            else:
                raise SubmissionError(
                    f"special file in submission: {_show(name)} (devices, FIFOs and sockets are not accepted)"
                )
        except OSError as e:  # the tree turns its own write errors into SubmissionError
            raise SubmissionError(f"cannot read {_show(name)}: {e.strerror}") from None


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


def _ingest_git(plan: _Plan, tree: _Tree, scratch: Path) -> str:
    """Clone without checking out (so no checkout hooks or filters), extract the commit's
    ``git archive`` through the tar reader, and return the commit's sha."""
    failed = f"could not clone {plan.shown}"
    timeout = tree.limits.clone_timeout_seconds
    deadline = time.monotonic() + timeout
    home, repo = scratch / "home", scratch / "repo"
    home.mkdir()
    env = _git_env(home, local=plan.path is not None or plan.repo.lower().startswith("file:"))
    local = ["--no-local"] if plan.path is not None else []  # no hard links into their objects
    try:
        rc, _, err = _git(
            ["clone", "--no-checkout", "--quiet", "--template=", *local, "--", plan.repo, str(repo)],
            env=env, deadline=deadline,
        )  # fmt: skip
        if rc != 0:
            raise SubmissionError(f"{failed}: {_git_error(err)}")
        revs = (
            [f"refs/remotes/origin/{plan.ref}", f"refs/tags/{plan.ref}", plan.ref]
            if plan.ref
            else ["HEAD"]
        )
        for rev in revs:
            rc, out, _ = _git(
                ["-C", str(repo), "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"],
                env=env, deadline=deadline,
            )  # fmt: skip
            if rc == 0:
                commit = out.decode().strip()
                break
        else:
            missing = f"no branch, tag or commit named {plan.ref!r}" if plan.ref else "no commits"
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


def ingest(
    source: str, work_dir: Path, *, limits: IngestLimits = IngestLimits()
) -> IngestedSubmission:
    """Copy, extract or clone ``source`` into ``work_dir/submission`` as a clean tree.

    Args:
        source: a local directory, an archive, or a git URL or ``DIR@REF`` (see the module docs).
        work_dir: where the tree goes; created if missing, must not already hold ``submission``.
        limits: caps on files, bytes, depth, compression ratio and clone time.

    Returns:
        The tree's root, what was stripped from it, and its ``SubmissionInfo``.

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
            commit = _ingest_git(plan, tree, scratch)
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
    return IngestedSubmission(info=info, root=target, stripped=tuple(sorted(tree.stripped)))
