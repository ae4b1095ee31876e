"""The tree a submission becomes: every entry checked against the rules on the way in."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from runner.errors import SubmissionError

if TYPE_CHECKING:
    from runner.ingest import IngestLimits

__all__ = ["_CHUNK", "_MAX_LINK_TARGET", "_Readable", "_Tree", "_copy_directory", "_show", "_size"]

_CHUNK = 1 << 16
_RATIO_FLOOR = 1 << 20  # below this many bytes written, any compression ratio is fine
_MAX_LINK_TARGET = 4096
_STRIP_NAMES = frozenset({".git", "__pycache__", "__MACOSX"})
# Bytecode and compiled modules: each can shadow a source of the same name and none can be
# reviewed. Versioned shared libraries (libfoo.so.1.2) are not importable, but ctypes loads them.
_STRIP_FILE = re.compile(r".*\.(pyc|pyo|pyd|so(\.[0-9]+)*)", re.DOTALL)


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
    unwrapped: str = ""  # the lone top folder "finish" removed, with its "/"
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
            if part in _STRIP_NAMES or (last and not is_dir and _STRIP_FILE.fullmatch(part)):
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
        self.unwrapped = prefix
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

    def final_files(self) -> list[str]:
        """Paths of files and links as they lie under the target ``finish`` moved the tree to."""
        return [rel.removeprefix(self.unwrapped) for rel, kind in self.kinds.items() if kind != "dir"]

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
