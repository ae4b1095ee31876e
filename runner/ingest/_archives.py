"""Reading tar and zip archives, however compressed, into a ``_Tree``."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, TYPE_CHECKING

from runner.errors import SubmissionError
from runner.ingest._tree import _CHUNK, _MAX_LINK_TARGET, _Readable, _show, _size, _Tree

if TYPE_CHECKING:
    from runner.ingest import IngestLimits

__all__ = ["_READ_ERRORS", "_ingest_archive", "_read_tar", "_tar_budget"]

_ENTRY_OVERHEAD = 3 * 512  # a tar header, a pax header and padding, per entry
_READ_ERRORS = (tarfile.TarError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError)
_data_filter = getattr(tarfile, "data_filter", None)


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
