"""The result of grading one submission: typed, versioned data (``result.json``).

Reports render from this data and nothing else. Bump ``SCHEMA_VERSION`` on any change a
reader of result.json would notice (renamed or removed fields, changed meaning); adding
a field is not such a change.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "SCHEMA_VERSION",
    "CategoryScore",
    "ChallengeInfo",
    "Flag",
    "Outcome",
    "Result",
    "SandboxInfo",
    "Status",
    "SubmissionInfo",
    "TestResult",
    "Timings",
]

SCHEMA_VERSION = 2  # 2: timings.image_seconds gone, timings.sandbox_start_seconds added


class Status(StrEnum):
    GRADED = "graded"  # the suite ran to the end and its JUnit was read
    TIMEOUT = "timeout"  # the wall clock ran out; whatever JUnit pytest wrote was graded
    ERROR = "error"  # no usable JUnit: ``reason`` says why; the score is 0


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    MISSING = "missing"  # defined by the challenge, absent from the JUnit


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChallengeInfo(_Model):
    id: str
    title: str


class SubmissionInfo(_Model):
    source: str  # as the user gave it
    kind: Literal["directory", "archive", "git", "unknown"]  # unknown: refused before it was read
    sha256: str | None = None  # of the archive, or of the directory's files
    commit: str | None = None  # git only
    ref: str | None = None  # git only, as asked for
    files: int = 0
    bytes: int = 0


class TestResult(_Model):
    name: str  # pytest node id relative to the hidden suite
    category: str
    weight: float
    outcome: Outcome
    duration: float | None = None
    message: str = ""  # truncated; reviewer view only


class CategoryScore(_Model):
    name: str
    description: str = ""
    score: float
    max_score: float
    passed: int
    total: int


class Flag(_Model):
    code: str  # e.g. missing-tests, timeout, memory-limit, output-truncated, unknown-tests
    message: str
    evidence: str = ""


class SandboxInfo(_Model):
    image: str
    image_id: str
    exit_code: int | None = None
    oom_killed: bool = False
    timed_out: bool = False
    output_bytes: int = 0
    output_truncated: bool = False
    limits: dict[str, float] = {}


class Timings(_Model):
    sandbox_start_seconds: float = 0.0  # starting the container; may overlap ingest or precede it
    ingest_seconds: float = 0.0
    sandbox_seconds: float = 0.0
    grade_seconds: float = 0.0
    total_seconds: float = 0.0


class Result(_Model):
    schema_version: int = SCHEMA_VERSION
    runner_version: str
    challenge: ChallengeInfo
    submission: SubmissionInfo
    status: Status
    reason: str = ""  # why status is error or timeout
    score: float
    max_score: float
    percent: float
    categories: list[CategoryScore]
    tests: list[TestResult]
    flags: list[Flag]
    sandbox: SandboxInfo | None = None
    timings: Timings
    started_at: str  # ISO 8601, UTC
    finished_at: str

    def write(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Result:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))
