"""Ingest: directories, archives and git repositories in, a clean tree out; hostile input refused.

Every hostile archive is built here, in the test that feeds it, with tests/builders.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from runner.errors import SubmissionError
from runner.ingest import IngestLimits, ingest
from runner.ingest import _split_ref as split_ref
from runner.ingest._shadow import SANDBOX_PACKAGES, shadowed_modules
from runner.sandbox import Engine, ImageRef, RunRequest
from runner.spec import Limits
from tests.builders import git, make_repo, make_tar, make_zip, tar_member, write_tree, zip_link

SENTINEL_TEXT = "untouched\n"


# --- helpers ---------------------------------------------------------------------------------


def tree_of(root: Path) -> dict[str, str]:
    """Every file and link under root: path -> text, or '-> target' for a link."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_text()
    return out


def refused(source: Path | str, work: Path, match: str, **limits: float) -> None:
    with pytest.raises(SubmissionError, match=match):
        ingest(str(source), work, limits=IngestLimits(**limits))  # type: ignore[arg-type]
    left = list(work.iterdir()) if work.exists() else []
    assert left == [], "a refusal must leave nothing behind"


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """A file outside the work dir that traversal attempts aim at."""
    path = tmp_path / "sentinel.txt"
    path.write_text(SENTINEL_TEXT)
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / "out" / "work"  # two levels under tmp_path, so ../../sentinel.txt hits


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository: v1 tagged on the first commit, main ahead of it, a 'feature/x' branch."""
    root = make_repo(tmp_path / "repo", {"app.py": "VERSION = 1\n", "pkg/util.py": "x = 1\n"})
    git("tag", "v1", cwd=root)
    write_tree(root, {"app.py": "VERSION = 2\n"})
    git("commit", "-q", "-am", "two", cwd=root)
    git("checkout", "-q", "-b", "feature/x", cwd=root)
    write_tree(root, {"feature.py": "on = True\n"})
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "feature", cwd=root)
    git("checkout", "-q", "main", cwd=root)
    return root


# --- directories -----------------------------------------------------------------------------


def test_directory_is_copied_with_normalised_modes(tmp_path: Path, work: Path) -> None:
    src = write_tree(
        tmp_path / "src", {"app.py": "print(1)\n", "pkg/__init__.py": "", "run.sh": "#!/bin/sh\n"}
    )
    (src / "run.sh").chmod(0o700)
    (src / "app.py").chmod(0o600)
    (src / "pkg").chmod(0o700)

    got = ingest(str(src), work)

    assert got.root == work / "submission"
    assert tree_of(got.root) == {
        "app.py": "print(1)\n",
        "pkg/__init__.py": "",
        "run.sh": "#!/bin/sh\n",
    }
    assert stat.S_IMODE((got.root / "app.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((got.root / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((got.root / "pkg").stat().st_mode) == 0o755
    assert stat.S_IMODE(got.root.stat().st_mode) == 0o755
    info = got.info
    assert (info.kind, info.source, info.files, info.bytes) == ("directory", str(src), 3, 19)
    assert info.sha256 is not None and len(info.sha256) == 64
    assert (info.commit, info.ref, got.stripped, got.shadowed) == (None, None, (), ())


def test_directory_tree_hash_is_stable_and_tracks_content_and_exec_bit(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"a.py": "a\n", "sub/b.py": "b\n"})

    def digest(n: int) -> str | None:
        return ingest(str(src), tmp_path / f"w{n}").info.sha256

    first, again = digest(1), digest(2)
    (src / "sub/b.py").write_text("B\n")
    changed = digest(3)
    (src / "sub/b.py").chmod(0o755)
    executable = digest(4)

    assert first == again
    assert len({first, changed, executable}) == 3


def test_directory_keeps_a_relative_link_inside(tmp_path: Path, work: Path) -> None:
    src = write_tree(tmp_path / "src", {"data/real.txt": "hi\n"})
    (src / "alias.txt").symlink_to("data/real.txt")

    got = ingest(str(src), work)

    assert tree_of(got.root)["alias.txt"] == "-> data/real.txt"
    assert (got.root / "alias.txt").read_text() == "hi\n"


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("/etc/passwd", "absolute target"),
        ("../sentinel.txt", "points outside"),
        ("missing.txt", "dangling"),
    ],
)
def test_directory_refuses_unsafe_links(
    tmp_path: Path, work: Path, sentinel: Path, target: str, why: str
) -> None:
    src = write_tree(tmp_path / "src", {"app.py": ""})
    (src / "link").symlink_to(target)

    refused(src, work, f"unsafe link in submission: link -> {target} \\({why}")
    assert sentinel.read_text() == SENTINEL_TEXT


def test_directory_refuses_a_fifo(tmp_path: Path, work: Path) -> None:
    src = write_tree(tmp_path / "src", {"app.py": ""})
    os.mkfifo(src / "pipe")

    refused(src, work, "special file in submission: pipe")


def test_directory_strips_bytecode_and_git_and_reports_them(tmp_path: Path, work: Path) -> None:
    src = write_tree(tmp_path / "src", {
        "app.py": "", "app.pyc": b"\0", "pkg/__pycache__/m.cpython-311.pyc": b"\0",
        "pkg/old.pyo": b"\0", ".git/HEAD": "ref: x\n", "vendor/lib/.git": "gitdir: /x\n",
    })  # fmt: skip

    got = ingest(str(src), work)

    assert tree_of(got.root) == {"app.py": ""}
    assert got.stripped == (".git", "app.pyc", "pkg/__pycache__", "pkg/old.pyo", "vendor/lib/.git")
    assert got.info.files == 1


def test_directory_over_the_limits_is_refused(tmp_path: Path, work: Path) -> None:
    src = write_tree(tmp_path / "src", {f"f{i}.py": "" for i in range(6)})
    refused(src, work, "more than 5 files", max_files=5)
    deep = write_tree(tmp_path / "deep", {"a/b/c/d/e.py": ""})
    refused(deep, work, "a/b/c/d/e.py is more than 4 levels deep", max_depth=4)


# --- archives: happy paths -------------------------------------------------------------------


def test_zip_with_one_top_folder_is_unwrapped(tmp_path: Path, work: Path) -> None:
    archive = make_zip(tmp_path / "sub.zip", [
        ("repo-main/", b""), ("repo-main/app.py", b"print(1)\n"), ("repo-main/pkg/m.py", b"x = 1\n"),
    ])  # fmt: skip

    got = ingest(str(archive), work)

    assert tree_of(got.root) == {"app.py": "print(1)\n", "pkg/m.py": "x = 1\n"}
    assert got.info.kind == "archive"
    assert got.info.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (got.info.files, got.info.bytes) == (2, 15)


def test_zip_with_several_top_entries_keeps_its_layout(tmp_path: Path, work: Path) -> None:
    archive = make_zip(tmp_path / "sub.zip", [("src/app.py", b"a\n"), ("README.md", b"r\n")])

    got = ingest(str(archive), work)

    assert tree_of(got.root) == {"README.md": "r\n", "src/app.py": "a\n"}


def test_tar_gz_is_unwrapped_keeps_exec_bits_and_inside_links(tmp_path: Path, work: Path) -> None:
    archive = make_tar(tmp_path / "sub.tar.gz", [
        tar_member("proj", kind=tarfile.DIRTYPE, mode=0o700),
        tar_member("proj/app.py", b"print(1)\n", mode=0o600),
        tar_member("proj/run.sh", b"#!/bin/sh\n", mode=0o744),
        tar_member("proj/alias.py", kind=tarfile.SYMTYPE, link="app.py"),
    ])  # fmt: skip

    got = ingest(str(archive), work)

    assert tree_of(got.root) == {
        "alias.py": "-> app.py",
        "app.py": "print(1)\n",
        "run.sh": "#!/bin/sh\n",
    }
    assert stat.S_IMODE((got.root / "app.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((got.root / "run.sh").stat().st_mode) == 0o755
    assert got.info.files == 3


@pytest.mark.parametrize("suffix", [".tar", ".tgz"])
def test_plain_tar_and_tgz(tmp_path: Path, work: Path, suffix: str) -> None:
    mode = "w" if suffix == ".tar" else "w:gz"
    archive = make_tar(
        tmp_path / f"sub{suffix}",
        [tar_member("./app.py", b"a\n"), tar_member("./t/x.py", b"")],
        mode,
    )

    assert tree_of(ingest(str(archive), work).root) == {"app.py": "a\n", "t/x.py": ""}


def test_archive_strips_bytecode_and_nested_git(tmp_path: Path, work: Path) -> None:
    archive = make_zip(tmp_path / "sub.zip", [
        ("p/app.py", b""), ("p/app.pyc", b"\0"), ("p/__pycache__/app.cpython-311.pyc", b"\0"),
        ("p/.git/config", b"[core]\n"), ("p/lib/.git", b"gitdir: ../x\n"), ("__MACOSX/p/._app.py", b""),
    ])  # fmt: skip

    got = ingest(str(archive), work)

    assert tree_of(got.root) == {"app.py": ""}
    assert got.stripped == ("__MACOSX", "p/.git", "p/__pycache__", "p/app.pyc", "p/lib/.git")


# --- compiled modules and names like standard or installed modules ---------------------------


def submission_as(kind: str, where: Path, files: dict[str, bytes]) -> Path:
    """The same files as a folder, a zip or a tar.gz (several top entries: nothing unwrapped)."""
    if kind == "directory":
        return write_tree(where / "src", dict(files))
    if kind == "zip":
        return make_zip(where / "sub.zip", files.items())
    return make_tar(where / "sub.tar.gz", [tar_member(name, data) for name, data in files.items()])


@pytest.mark.parametrize("kind", ["directory", "zip", "tar"])
def test_compiled_modules_and_shared_libraries_are_stripped_and_reported(
    tmp_path: Path, work: Path, kind: str
) -> None:
    source = submission_as(kind, tmp_path, {
        "solution.py": b"x = 1\n",
        "solution.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",  # imported before solution.py
        "pkg/__init__.py": b"", "pkg/_speedups.abi3.so": b"\x7fELF", "pkg/plain.so": b"\x7fELF",
        "lib/libfoo.so.1.2": b"\x7fELF", "win/mod.cp311-win_amd64.pyd": b"MZ",
        "notes.so.txt": b"kept\n", "build.so/readme.md": b"kept\n",  # not libraries
    })  # fmt: skip

    got = ingest(str(source), work)

    assert tree_of(got.root) == {
        "build.so/readme.md": "kept\n", "notes.so.txt": "kept\n", "pkg/__init__.py": "",
        "solution.py": "x = 1\n",
    }  # fmt: skip
    assert got.stripped == (
        "lib/libfoo.so.1.2", "pkg/_speedups.abi3.so", "pkg/plain.so",
        "solution.cpython-311-x86_64-linux-gnu.so", "win/mod.cp311-win_amd64.pyd",
    )  # fmt: skip
    assert got.info.files == 4


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["solution.py", "json.py", "pytest/__init__.py", "_pytest/x.py", "fastapi/app.py",
          "typing_extensions.py", "README.md"],
         ("_pytest/", "fastapi/", "json.py", "pytest/", "typing_extensions.py")),
        # Only the top level: a nested json.py is imported as pkg.json, never as json.
        (["pkg/json.py", "app/pytest/__init__.py"], ()),
        # A folder is reported only when it holds Python source; a file only when it is one.
        (["email/welcome.html", "json", "json.pth", "typing.pyi"], ()),
        # The standard library's own test package clashes by accident all the time.
        (["test.py", "test/__init__.py", "tests/__init__.py", "tests/test_solution.py"], ()),
    ],
)  # fmt: skip
def test_shadowed_modules_are_the_top_level_ones_named_like_reserved_modules(
    files: list[str], expected: tuple[str, ...]
) -> None:
    assert shadowed_modules(files) == expected


def test_ingest_keeps_and_reports_top_level_modules_named_like_reserved_ones(
    tmp_path: Path, work: Path
) -> None:
    src = write_tree(tmp_path / "src", {
        "solution.py": "", "json.py": "", "pytest/__init__.py": "", "lib/json.py": "",
        "tests/test_solution.py": "", "os.cpython-311-x86_64-linux-gnu.so": b"\0",
    })  # fmt: skip

    got = ingest(str(src), work)

    assert got.shadowed == ("json.py", "pytest/")
    assert {"json.py", "pytest/__init__.py"} <= set(tree_of(got.root))  # reported, not removed
    assert got.stripped == ("os.cpython-311-x86_64-linux-gnu.so",)  # stripped, so not shadowing


def test_shadowed_modules_are_named_as_they_lie_once_unwrapped(tmp_path: Path, work: Path) -> None:
    archive = make_zip(tmp_path / "sub.zip", [("repo-main/solution.py", b""),
                                              ("repo-main/json.py", b"")])  # fmt: skip

    assert ingest(str(archive), work).shadowed == ("json.py",)


@pytest.mark.docker
def test_sandbox_packages_are_every_top_level_import_name_of_the_image(
    engine: Engine, python_image: ImageRef
) -> None:
    listing = """
import os, sys
site = next(p for p in sys.path if p.endswith("site-packages"))
skip = (".dist-info", ".egg-info", ".pth", "__pycache__")
print(*sorted({e.split(".")[0] for e in os.listdir(site) if not e.endswith(skip)}))
"""
    outcome = engine.run(RunRequest(image=python_image, command=["python", "-c", listing],
                                    limits=Limits(), mounts=[]))  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    assert set(outcome.output.decode().split()) == SANDBOX_PACKAGES


# --- archives: hostile ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["zip", "tar"])
@pytest.mark.parametrize(
    ("name", "why"), [("ABSOLUTE", "absolute path"), ("../../sentinel.txt", "contains '..'"),
                      ("a/../../../sentinel.txt", "contains '..'")],
)  # fmt: skip
def test_traversal_is_refused_and_nothing_is_written_outside(
    tmp_path: Path, work: Path, sentinel: Path, fmt: str, name: str, why: str
) -> None:
    name = str(sentinel) if name == "ABSOLUTE" else name
    entries = [("ok.py", b""), (name, b"pwned\n")]
    if fmt == "zip":
        archive = make_zip(tmp_path / "evil.zip", entries)
    else:
        archive = make_tar(tmp_path / "evil.tar.gz", [tar_member(n, d) for n, d in entries])

    refused(archive, work, f"unsafe path in submission: .*sentinel.txt \\({why}\\)")
    assert sentinel.read_text() == SENTINEL_TEXT


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ([tar_member("etc", kind=tarfile.SYMTYPE, link="/etc")], "etc -> /etc \\(absolute target"),
        (
            [
                tar_member("up", kind=tarfile.SYMTYPE, link="../.."),
                tar_member("up/sentinel.txt", b"pwned\n"),
            ],
            "up -> ../.. \\(points outside",
        ),
        # Each link alone stays inside; together 'x' escapes: only the real path shows it.
        (
            [
                tar_member("x", kind=tarfile.SYMTYPE, link="y/.."),
                tar_member("y", kind=tarfile.SYMTYPE, link="."),
            ],
            "x -> y/.. \\(points outside",
        ),
        (
            [tar_member("loop", kind=tarfile.SYMTYPE, link="loop")],
            "loop -> loop \\(dangling or a loop",
        ),
        ([tar_member("d/self", kind=tarfile.SYMTYPE, link="..")], "d/self -> .. \\(a loop"),
    ],
)
def test_tar_links_escaping_or_looping_are_refused(
    tmp_path: Path,
    work: Path,
    sentinel: Path,
    members: list[tuple[tarfile.TarInfo, bytes]],
    match: str,
) -> None:
    archive = make_tar(tmp_path / "evil.tar.gz", [tar_member("ok.py", b""), *members])

    refused(archive, work, "unsafe link in submission: " + match)
    assert sentinel.read_text() == SENTINEL_TEXT


def test_zip_link_pointing_out_is_refused(tmp_path: Path, work: Path, sentinel: Path) -> None:
    archive = make_zip(tmp_path / "evil.zip", [("ok.py", b""), zip_link("s", "../../sentinel.txt")])

    refused(archive, work, "unsafe link in submission: s -> ../../sentinel.txt \\(points outside")
    assert sentinel.read_text() == SENTINEL_TEXT


def test_tar_writing_through_an_inside_link_is_refused(tmp_path: Path, work: Path) -> None:
    archive = make_tar(tmp_path / "evil.tar", [
        tar_member("real", kind=tarfile.DIRTYPE, mode=0o755),
        tar_member("alias", kind=tarfile.SYMTYPE, link="real"),
        tar_member("alias/x.py", b""),
    ], "w")  # fmt: skip

    refused(archive, work, "conflicting entries in submission: alias")


def test_tar_hard_link_is_refused(tmp_path: Path, work: Path) -> None:
    archive = make_tar(tmp_path / "evil.tar.gz", [
        tar_member("a.py", b"x\n"), tar_member("b.py", kind=tarfile.LNKTYPE, link="a.py"),
    ])  # fmt: skip

    refused(archive, work, "hard link in submission: b.py")


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_tar_special_files_are_refused(tmp_path: Path, work: Path, kind: bytes) -> None:
    archive = make_tar(tmp_path / "evil.tar.gz", [tar_member("dev", kind=kind)])

    refused(archive, work, "special file in submission: dev \\(devices, FIFOs and sockets")


def test_zip_special_file_is_refused(tmp_path: Path, work: Path) -> None:
    info = zipfile.ZipInfo("fifo")
    info.create_system = 3
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    archive = make_zip(tmp_path / "evil.zip", [(info, b"")])

    refused(archive, work, "special file in submission: fifo")


def test_too_many_files(tmp_path: Path, work: Path) -> None:
    archive = make_zip(tmp_path / "many.zip", [(f"f{i}.py", b"") for i in range(11)])

    refused(archive, work, "submission refused: more than 10 files", max_files=10)


def test_too_deep(tmp_path: Path, work: Path) -> None:
    archive = make_tar(tmp_path / "deep.tar.gz", [tar_member("/".join("abcdef") + ".py", b"")])

    refused(archive, work, "a/b/c/d/e/f.py is more than 5 levels deep", max_depth=5)


def test_file_too_large(tmp_path: Path, work: Path) -> None:
    archive = make_tar(tmp_path / "big.tar.gz", [tar_member("big.bin", b"x" * 2000)])

    refused(archive, work, "file too large: big.bin is over 1000 bytes", max_file_bytes=1000)


def test_total_too_large(tmp_path: Path, work: Path) -> None:
    archive = make_zip(tmp_path / "big.zip", [(f"f{i}.txt", os.urandom(600)) for i in range(3)])

    refused(
        archive, work, "submission too large: over 1.172 KiB uncompressed", max_total_bytes=1200
    )


def test_zip_bomb_is_stopped_by_the_total_cap(tmp_path: Path, work: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w") as f:
        for _ in range(50):
            f.write(bytes(2**20))  # 50 MiB of zeros, about 50 KiB compressed
    assert archive.stat().st_size < 2**20

    refused(archive, work, "submission too large: over 2 MiB uncompressed", max_total_bytes=2 * 2**20,
            max_file_bytes=50 * 2**20, max_compression_ratio=1e9)  # fmt: skip


def test_zip_bomb_is_stopped_by_the_member_ratio(tmp_path: Path, work: Path) -> None:
    zeros = bytes(4 * 2**20)  # compresses over 1000:1
    archive = make_zip(
        tmp_path / "bomb.zip", [("zeros.bin", zeros), ("pad.bin", os.urandom(64 * 1024))]
    )

    refused(archive, work, "suspicious compression at zeros.bin: over 200:1")


def test_tar_gz_bomb_is_stopped_by_the_overall_ratio(tmp_path: Path, work: Path) -> None:
    archive = make_tar(tmp_path / "bomb.tar.gz", [tar_member("zeros.bin", bytes(4 * 2**20))])

    refused(archive, work, "suspicious compression at zeros.bin: over 200:1")


def test_huge_pax_header_is_refused_before_it_is_read(tmp_path: Path, work: Path) -> None:
    info, data = tar_member("a.py", b"")
    info.pax_headers = {"comment": "x" * (3 * 2**20)}
    archive = make_tar(tmp_path / "pax.tar.gz", [(info, data)], "w:gz")

    refused(
        archive,
        work,
        "submission too large: over 1 MiB uncompressed",
        max_total_bytes=2**20,
        max_files=10,
    )


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz", ".tar"])
def test_truncated_archive_is_corrupt(tmp_path: Path, work: Path, suffix: str) -> None:
    good = tmp_path / f"good{suffix}"
    payload = [("p/app.py", os.urandom(20_000))]
    if suffix == ".zip":
        make_zip(good, payload)
    else:
        make_tar(good, [tar_member(n, d) for n, d in payload], "w" if suffix == ".tar" else "w:gz")
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])

    refused(bad, work, f"corrupt archive: bad{suffix}: ")


def test_garbage_with_an_archive_name_is_corrupt(tmp_path: Path, work: Path) -> None:
    bad = tmp_path / "sub.zip"
    bad.write_bytes(b"this is not a zip file")

    refused(bad, work, "corrupt archive: sub.zip: File is not a zip file")


def test_encrypted_zip_member_is_refused(tmp_path: Path, work: Path) -> None:
    archive = make_zip(tmp_path / "enc.zip", [("a.py", b"x")])
    raw = bytearray(archive.read_bytes())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the 'encrypted' flag in both headers
        at = raw.index(sig) + (6 if sig == b"PK\x03\x04" else 8)
        raw[at] |= 1
    archive.write_bytes(bytes(raw))

    refused(archive, work, "encrypted archive member: a.py")


# --- what the source is ----------------------------------------------------------------------


def test_missing_path(tmp_path: Path, work: Path) -> None:
    refused(tmp_path / "nope", work, "submission not found: .*nope")


def test_unsupported_file(tmp_path: Path, work: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text("hello")

    refused(doc, work, "unsupported submission: .*notes.txt \\(expected a directory, .zip")


def test_an_existing_work_tree_is_not_overwritten(tmp_path: Path, work: Path) -> None:
    src = write_tree(tmp_path / "src", {"a.py": ""})
    (work / "submission").mkdir(parents=True)

    with pytest.raises(ValueError, match="already exists"):
        ingest(str(src), work)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("git@github.com:org/repo.git", ("git@github.com:org/repo.git", None)),
        ("git@github.com:org/repo.git@v2", ("git@github.com:org/repo.git", "v2")),
        ("https://h.example/r.git@feature/x", ("https://h.example/r.git", "feature/x")),
        ("https://user@h.example/r.git", ("https://user@h.example/r.git", None)),
        ("ssh://git@h.example:22/r.git@0123abc", ("ssh://git@h.example:22/r.git", "0123abc")),
        ("file:///srv/r@v1", ("file:///srv/r", "v1")),
        ("/path/repo@v1.2", ("/path/repo", "v1.2")),
        ("/path/repo", ("/path/repo", None)),
        ("/path/repo@", ("/path/repo@", None)),
    ],
)
def test_ref_is_the_text_after_the_last_at_of_the_path(
    source: str, expected: tuple[str, str | None]
) -> None:
    assert split_ref(source) == expected


def test_a_path_with_an_at_that_exists_is_not_split(tmp_path: Path, work: Path) -> None:
    src = write_tree(tmp_path / "me@v1", {"a.py": "a\n"})

    got = ingest(str(src), work)

    assert (got.info.kind, got.info.ref) == ("directory", None)


def test_a_dash_ref_is_refused(repo: Path, work: Path) -> None:
    refused(f"{repo}@--upload-pack=touch", work, "invalid git ref")


# --- git -------------------------------------------------------------------------------------


def test_git_tag_gives_that_commit_without_git_dir(repo: Path, work: Path) -> None:
    v1 = git("rev-parse", "v1", cwd=repo)

    got = ingest(f"{repo}@v1", work)

    assert tree_of(got.root) == {"app.py": "VERSION = 1\n", "pkg/util.py": "x = 1\n"}
    assert not (got.root / ".git").exists()
    info = got.info
    assert (info.kind, info.commit, info.ref, info.files, info.source) == (
        "git",
        v1,
        "v1",
        2,
        f"{repo}@v1",
    )


def test_git_commit_sha_and_branch_with_a_slash(repo: Path, work: Path, tmp_path: Path) -> None:
    main = git("rev-parse", "main", cwd=repo)
    feature = git("rev-parse", "feature/x", cwd=repo)

    by_sha = ingest(f"{repo}@{main}", work)
    by_branch = ingest(f"{repo}@feature/x", tmp_path / "w2")

    assert tree_of(by_sha.root)["app.py"] == "VERSION = 2\n"
    assert (by_sha.info.commit, by_sha.info.ref) == (main, main)
    assert "feature.py" in tree_of(by_branch.root)
    assert by_branch.info.commit == feature


def test_git_file_url_without_ref_takes_the_default_branch(repo: Path, work: Path) -> None:
    got = ingest(f"file://{repo}", work)

    assert got.info.commit == git("rev-parse", "main", cwd=repo)
    assert tree_of(got.root) == {"app.py": "VERSION = 2\n", "pkg/util.py": "x = 1\n"}


def test_a_local_repo_without_ref_is_a_directory(repo: Path, work: Path) -> None:
    (repo / "app.py").write_text("uncommitted\n")

    got = ingest(str(repo), work)

    assert got.info.kind == "directory"
    assert tree_of(got.root)["app.py"] == "uncommitted\n"
    assert ".git" in got.stripped and not (got.root / ".git").exists()


def test_a_bare_repository_is_cloned_at_its_head(repo: Path, work: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git("clone", "-q", "--bare", str(repo), str(bare), cwd=tmp_path)

    got = ingest(str(bare), work)

    assert (got.info.kind, got.info.ref) == ("git", None)
    assert got.info.commit == git("rev-parse", "main", cwd=repo)
    assert tree_of(got.root)["app.py"] == "VERSION = 2\n"


def test_git_runs_no_hooks_and_ignores_user_config(
    repo: Path, work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fired = tmp_path / "hook-fired"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for where in (hooks, repo / ".git" / "hooks"):
        for name in ("post-checkout", "reference-transaction", "post-index-change"):
            hook = where / name
            hook.write_text(f"#!/bin/sh\necho {name} >> '{fired}'\n")
            hook.chmod(0o755)
    # A user config that would run those hooks, and break the clone, if it were read.
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        f'[core]\n\thooksPath = {hooks}\n[url "file:///nonexistent/"]\n\tinsteadOf = {repo}\n'
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))

    got = ingest(f"{repo}@v1", work)

    assert tree_of(got.root)["app.py"] == "VERSION = 1\n"
    assert not fired.exists()


def test_git_archive_goes_through_the_same_rules(repo: Path, work: Path, sentinel: Path) -> None:
    (repo / "escape").symlink_to("../../sentinel.txt")
    write_tree(repo, {"cache/__pycache__/m.pyc": b"\0", "m.pyc": b"\0"})
    git("add", "-A", "-f", cwd=repo)
    git("commit", "-q", "-m", "evil", cwd=repo)

    refused(f"{repo}@main", work, "unsafe link in submission: escape -> ../../sentinel.txt")
    assert sentinel.read_text() == SENTINEL_TEXT


def test_git_strips_bytecode(repo: Path, work: Path) -> None:
    write_tree(repo, {"cache/__pycache__/m.pyc": b"\0", "m.pyc": b"\0"})
    git("add", "-A", "-f", cwd=repo)
    git("commit", "-q", "-m", "bytecode", cwd=repo)

    got = ingest(f"{repo}@main", work)

    assert got.stripped == ("cache/__pycache__", "m.pyc")
    assert set(tree_of(got.root)) == {"app.py", "pkg/util.py"}


def test_git_unknown_ref(repo: Path, work: Path) -> None:
    message = f"could not clone {repo}: no branch, tag or commit named 'no-such-branch'"
    refused(f"{repo}@no-such-branch", work, re.escape(message))


def test_git_unreachable_url(tmp_path: Path, work: Path) -> None:
    url = f"file://{tmp_path}/missing.git"
    refused(
        url,
        work,
        re.escape(f"could not clone {url}: ") + ".*does not appear to be a git repository",
    )


def test_git_clone_timeout(repo: Path, work: Path) -> None:
    refused(
        f"{repo}@v1",
        work,
        "could not clone .*: timed out after 0.001 s",
        clone_timeout_seconds=0.001,
    )


def test_git_caps_apply(repo: Path, work: Path) -> None:
    refused(f"{repo}@main", work, "more than 1 files", max_files=1)


def test_credentials_are_hidden_from_messages(work: Path) -> None:
    with pytest.raises(SubmissionError) as caught:
        ingest("https://alice:s3cret@127.0.0.1:9/r.git@main", work,
               limits=IngestLimits(clone_timeout_seconds=10))  # fmt: skip
    assert "s3cret" not in str(caught.value)
    assert "could not clone https://***@127.0.0.1:9/r.git" in str(caught.value)
