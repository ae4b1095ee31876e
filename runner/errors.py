"""The one family of errors the core raises; the CLI turns each into one line and an exit code.

Each class's docstring is its generic message. Exit codes (also in README.md):

    0   a result was written (its status says graded, timeout or error)
    1   an unexpected internal error (a bug in assess: please report it)
    2   usage error (click's own)
    3   bad input: unknown challenge, invalid spec, missing/unreadable/hostile submission, failed clone
    4   infrastructure failure: no Docker engine, image build failed, sandbox could not run
    5   `assess validate`: at least one challenge failed validation
    130 interrupted (Ctrl-C)
"""

from __future__ import annotations

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INFRASTRUCTURE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_VALIDATION_FAILED",
    "AssessError",
    "ChallengeError",
    "EngineLost",
    "EngineUnavailable",
    "ImageBuildError",
    "SandboxError",
    "SubmissionError",
]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 3
EXIT_INFRASTRUCTURE = 4
EXIT_VALIDATION_FAILED = 5
EXIT_INTERRUPTED = 130


class AssessError(Exception):
    """assess failed."""

    exit_code = EXIT_INTERNAL

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or (self.__doc__ or "").strip()
        super().__init__(self.detail)


class ChallengeError(AssessError):
    """The challenge is unknown or its definition is invalid."""

    exit_code = EXIT_BAD_INPUT


class SubmissionError(AssessError):
    """The submission is missing, unreadable or refused."""

    exit_code = EXIT_BAD_INPUT


class EngineUnavailable(AssessError):
    """No Docker engine answers. Start one (on Debian as root: scripts/ensure-docker.sh)."""

    exit_code = EXIT_INFRASTRUCTURE


class EngineLost(EngineUnavailable):
    """The Docker engine stopped answering."""


class ImageBuildError(AssessError):
    """The sandbox image could not be built."""

    exit_code = EXIT_INFRASTRUCTURE


class SandboxError(AssessError):
    """The sandbox could not run the submission."""

    exit_code = EXIT_INFRASTRUCTURE
