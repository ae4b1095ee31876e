"""Challenge definitions: the folder format, its typed spec, and where challenges are found.

A challenge is a folder (see challenges/README.md) whose ``challenge.toml`` is validated
here on load; every error names the file it came from.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from runner.errors import ChallengeError

__all__ = [
    "SPEC_FILE",
    "Category",
    "Challenge",
    "ChallengeSpec",
    "Limits",
    "Service",
    "TestSpec",
    "default_challenges_dir",
    "find_challenges",
    "load_challenge",
]

SPEC_FILE = "challenge.toml"
CHALLENGES_ENV = "ASSESS_CHALLENGES"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """Sandbox limits; a challenge overrides any of them in its [limits] table."""

    timeout_seconds: Annotated[float, Field(gt=0, le=3600, description="wall clock for the whole run")] = 120
    test_timeout_seconds: Annotated[float, Field(gt=0, le=3600, description="per test (pytest-timeout)")] = 20
    grace_seconds: Annotated[float, Field(ge=0, le=60, description="after the deadline, time for pytest to write what it has")] = 5
    memory_mb: Annotated[int, Field(ge=32, le=65536, description="memory, swap included")] = 512
    cpus: Annotated[float, Field(gt=0, le=64)] = 1.0
    pids: Annotated[int, Field(ge=16, le=4096, description="processes and threads")] = 128
    scratch_mb: Annotated[int, Field(ge=1, le=4096, description="size of the /tmp tmpfs")] = 64
    file_mb: Annotated[int, Field(ge=1, le=4096, description="largest file a process may write")] = 64
    output_kb: Annotated[int, Field(ge=1, le=65536, description="captured stdout+stderr kept")] = 1024


class Category(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    weight: Annotated[float, Field(gt=0, description="points this category is worth")]
    description: str = ""


class TestSpec(_Strict):
    """One hidden test: its pytest node id relative to hidden_tests/, e.g. ``test_api.py::test_create``."""

    id: Annotated[str, Field(pattern=r"^[^:\s]+\.py(::[^:\s]+)+$")]
    category: str
    weight: Annotated[float, Field(gt=0)] = 1.0


class Service(_Strict):
    """Candidate code served from a container of its own: the hidden tests, in another
    container, reach it over a loopback-only network and import nothing of the candidate's.

    Either ``command`` (the challenge's own server) or ``driver`` (a scenarios file for the
    grader's generic driver, ``runner/driver.py``), not both."""

    command: Annotated[list[str] | None, Field(min_length=1, description="run in the candidate's "
                                               "container, with the challenge's service/ folder at /service")] = None
    driver: Annotated[str | None, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.py$",
                                        description="a file in service/ whose public functions "
                                                    "are the steps the tests may call")] = None
    port: Annotated[int, Field(ge=1024, le=65535, description="where it listens on 127.0.0.1")] = 8000

    @model_validator(mode="after")
    def _one_way_to_serve(self) -> Service:
        if (self.command is None) == (self.driver is None):
            raise ValueError("[service] needs exactly one of command and driver")
        return self


class ChallengeSpec(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: str
    summary: str = ""
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    skills: list[str] = []
    duration_minutes: Annotated[int, Field(gt=0)] = 60
    image: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="a folder under sandboxes/")] = "python"
    starter_max_percent: Annotated[float, Field(ge=0, le=100)] = 40
    limits: Limits = Limits()
    service: Service | None = None
    categories: list[Category]
    tests: list[TestSpec]

    @model_validator(mode="after")
    def _rubric_is_consistent(self) -> ChallengeSpec:
        names = [c.name for c in self.categories]
        if not names:
            raise ValueError("at least one category is required")
        if len(set(names)) != len(names):
            raise ValueError("category names must be unique")
        ids = [t.id for t in self.tests]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"duplicate test ids: {', '.join(dup)}")
        unknown = sorted({t.category for t in self.tests} - set(names))
        if unknown:
            raise ValueError(f"tests name unknown categories: {', '.join(unknown)}")
        empty = [n for n in names if not any(t.category == n for t in self.tests)]
        if empty:
            raise ValueError(f"categories without tests: {', '.join(empty)}")
        return self


@dataclass(frozen=True)
class Challenge:
    """A loaded challenge: its validated spec and the folders it is made of."""

    spec: ChallengeSpec
    root: Path

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def brief(self) -> Path:
        return self.root / "brief.md"

    @property
    def starter(self) -> Path:
        return self.root / "starter"

    @property
    def public_tests(self) -> Path:
        return self.root / "public_tests"

    @property
    def hidden_tests(self) -> Path:
        return self.root / "hidden_tests"

    @property
    def service_files(self) -> Path:
        return self.root / "service"

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def wrong(self) -> Path:
        return self.root / "wrong"


def default_challenges_dir() -> Path:
    """``$ASSESS_CHALLENGES``, else ./challenges, else the challenges/ of this source tree."""
    env = os.environ.get(CHALLENGES_ENV)
    if env:
        return Path(env)
    here = Path.cwd() / "challenges"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "challenges"


def load_challenge(ref: str | Path, challenges_dir: Path | None = None) -> Challenge:
    """Load a challenge by id (a folder of ``challenges_dir``) or by path to its folder.

    Raises:
        ChallengeError: unknown challenge, unreadable or invalid spec, missing folders.
    """
    ref_path = Path(ref)
    base = challenges_dir or default_challenges_dir()
    # A bare id names a bundled challenge even if a folder of that name sits in the
    # working directory; a path is taken as a path.
    is_bare_id = len(ref_path.parts) == 1 and not str(ref).startswith(".")
    if is_bare_id and (base / str(ref) / SPEC_FILE).is_file():
        root = (base / str(ref)).resolve()
    elif ref_path.is_dir():
        root = ref_path.resolve()
    else:
        known = ", ".join(_challenge_folders(base)) or "none"
        raise ChallengeError(f"unknown challenge {str(ref)!r} (known in {base}: {known})")
    spec_path = root / SPEC_FILE
    try:
        raw = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChallengeError(f"{spec_path}: missing (a challenge folder needs a {SPEC_FILE})") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ChallengeError(f"{spec_path}: {e}") from None
    try:
        spec = ChallengeSpec.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "spec"
        raise ChallengeError(f"{spec_path}: {where}: {first['msg']}") from None
    challenge = Challenge(spec=spec, root=root)
    if spec.id != root.name:
        raise ChallengeError(f"{spec_path}: id {spec.id!r} differs from its folder name {root.name!r}")
    if not challenge.hidden_tests.is_dir():
        raise ChallengeError(f"{root}: missing hidden_tests/ folder")
    if spec.service is not None and not challenge.service_files.is_dir():
        raise ChallengeError(f"{root}: [service] needs a service/ folder")
    if spec.service is not None and spec.service.driver is not None \
            and not (challenge.service_files / spec.service.driver).is_file():
        raise ChallengeError(f"{root}: [service] driver {spec.service.driver} is not a file in service/")
    return challenge


def _challenge_folders(base: Path) -> list[str]:
    """The challenge ids under ``base``, by folder name, without loading (one may be broken)."""
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / SPEC_FILE).is_file())


def find_challenges(challenges_dir: Path | None = None) -> list[Challenge]:
    """Every challenge under ``challenges_dir``, sorted by id.

    Raises:
        ChallengeError: one of them is invalid.
    """
    base = challenges_dir or default_challenges_dir()
    if not base.is_dir():
        return []
    return [
        load_challenge(p, base)
        for p in sorted(base.iterdir())
        if (p / SPEC_FILE).is_file()
    ]
