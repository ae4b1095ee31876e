"""Sandbox images: found in sandboxes/, built once, tagged by a hash of what defines them.

Works with or without a container registry. The base is ``python:3.11-slim`` when the
engine has it or can pull it; otherwise a Debian bookworm root filesystem made with
debootstrap and imported. Python packages come from a wheelhouse that pip downloads on
the host, because containers have no network, also while an image builds.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runner.errors import ImageBuildError
from runner.sandbox import Engine, ImageRef

__all__ = [
    "DEFAULT_BASE",
    "ImageDefinition",
    "ensure_base_image",
    "ensure_image",
    "find_image_definition",
    "sandboxes_dir",
]

DEFAULT_BASE = "python:3.11-slim"
DEBIAN_BASE_REPO = "assess-base"
DEBIAN_SUITE = "bookworm"
# The wheelhouse targets the base's interpreter, not the host's.
IMAGE_PYTHON = "3.11"
_BASE_SCRIPT = Path(__file__).resolve().parent.parent / "sandboxes" / "debian-base.sh"


def sandboxes_dir() -> Path:
    """``$ASSESS_SANDBOXES``, else the sandboxes/ folder of this source tree."""
    env = os.environ.get("ASSESS_SANDBOXES")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "sandboxes"


def cache_dir() -> Path:
    env = os.environ.get("ASSESS_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assess"


@dataclass(frozen=True)
class ImageDefinition:
    """A folder under sandboxes/: a Dockerfile taking ``ARG BASE`` and a requirements.txt."""

    name: str
    folder: Path

    @property
    def dockerfile(self) -> Path:
        return self.folder / "Dockerfile"

    @property
    def requirements(self) -> Path:
        return self.folder / "requirements.txt"

    def digest(self, base_id: str) -> str:
        """A hash of everything the image is made of: its files and the base image's id."""
        h = hashlib.sha256(base_id.encode())
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(self.folder)).encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
        return h.hexdigest()[:16]


def find_image_definition(name: str) -> ImageDefinition:
    folder = sandboxes_dir() / name
    definition = ImageDefinition(name=name, folder=folder)
    if not definition.dockerfile.is_file() or not definition.requirements.is_file():
        raise ImageBuildError(
            f"sandbox image {name!r}: {folder} needs a Dockerfile and a requirements.txt"
        )
    return definition


def ensure_base_image(engine: Engine) -> ImageRef:
    """The base to build on: ``$ASSESS_BASE_IMAGE``, python:3.11-slim, or a debootstrapped Debian."""
    forced = os.environ.get("ASSESS_BASE_IMAGE")
    if forced:
        found = engine.find_image(forced) or engine.try_pull(forced)
        if found is None:
            raise ImageBuildError(f"base image {forced!r} is neither present nor pullable")
        return found
    # Once a Debian base was built (no registry answered then), keep using it rather than
    # asking a registry again on every run: a firewalled one can hang instead of refusing.
    found = engine.find_image(DEFAULT_BASE) or engine.find_image(_debian_base_tag())
    return found or engine.try_pull(DEFAULT_BASE) or _ensure_debian_base(engine)


def _debian_base_tag() -> str:
    script_hash = hashlib.sha256(_BASE_SCRIPT.read_bytes()).hexdigest()[:12]
    return f"{DEBIAN_BASE_REPO}:{DEBIAN_SUITE}-{script_hash}"


def _ensure_debian_base(engine: Engine) -> ImageRef:
    tag = _debian_base_tag()
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            f"cannot pull {DEFAULT_BASE} and debootstrap is not installed to build a base "
            "(on Debian: apt-get install debootstrap, or run scripts/ensure-docker.sh)"
        )
    with tempfile.TemporaryDirectory(prefix="assess-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        tarball = Path(tmp) / "rootfs.tar"
        _run_checked(["bash", str(_BASE_SCRIPT), str(rootfs), str(tarball)], "debootstrap")
        repository, _, image_tag = tag.partition(":")
        return engine.import_rootfs(tarball, repository=repository, tag=image_tag)


def _wheelhouse(definition: ImageDefinition) -> Path:
    """Download the image's wheels on the host (cached by the requirements' hash)."""
    req_hash = hashlib.sha256(definition.requirements.read_bytes()).hexdigest()[:16]
    target = cache_dir() / "wheels" / f"{definition.name}-{req_hash}"
    if (target / ".complete").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    arch = platform.machine()
    platforms = [f"manylinux2014_{arch}", f"manylinux_2_17_{arch}", f"manylinux_2_28_{arch}"]
    cmd = ["python3", "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
           "--only-binary=:all:", "--implementation", "cp", "--python-version", IMAGE_PYTHON,
           "-d", str(target), "-r", str(definition.requirements)]
    for plat in platforms:
        cmd += ["--platform", plat]
    _run_checked(cmd, f"downloading wheels for sandbox image {definition.name!r}")
    (target / ".complete").touch()
    return target


def ensure_image(engine: Engine, name: str) -> ImageRef:
    """The sandbox image ``name``, built if no image with its definition's hash exists.

    Raises:
        ImageBuildError: no base could be had, wheels could not be downloaded, or the build failed.
    """
    definition = find_image_definition(name)
    base = ensure_base_image(engine)
    tag = f"assess-{name}:{definition.digest(base.id)}"
    found = engine.find_image(tag)
    if found is not None:
        return found
    wheels = _wheelhouse(definition)
    with tempfile.TemporaryDirectory(prefix="assess-build-") as tmp:
        context = Path(tmp)
        shutil.copytree(definition.folder, context, dirs_exist_ok=True)
        shutil.copytree(wheels, context / "wheels", ignore=shutil.ignore_patterns(".complete"))
        return engine.build_image(context, tag=tag, buildargs={"BASE": base.id})


def _run_checked(cmd: list[str], what: str) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ImageBuildError(f"{what} failed: {e}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ImageBuildError(f"{what} failed (exit {done.returncode}): {' | '.join(tail)}")
