"""Prove a challenge: its reference, starter and known-wrong solutions, run in the sandbox.

A challenge passes when the reference scores 100% with every defined test reported, the
same on every repeat; the starter scores at most ``starter_max_percent``; every known-wrong
solution scores below 100%; and the candidate bundle repeats no hidden test file.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from runner import __version__
from runner.bundle import bundle_files, hidden_leaks
from runner.errors import ChallengeError
from runner.images import ensure_image
from runner.pipeline import grade_submission
from runner.proven import record_proven
from runner.results import Outcome, Result, Status
from runner.sandbox import Engine
from runner.spec import Challenge

__all__ = [
    "MIN_WRONG_SOLUTIONS",
    "ChallengeValidation",
    "SolutionCheck",
    "ValidationReport",
    "validate_challenge",
]

VALIDATION_SCHEMA_VERSION = 1
MIN_WRONG_SOLUTIONS = 5
MISTAKE_FILE = "MISTAKE.md"
# Flags that mean the reference's report does not match the challenge's own test list.
_MANIFEST_FLAGS = {"missing-tests", "unknown-tests", "duplicate-tests", "skipped-tests"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SolutionCheck(_Model):
    solution: str  # reference, reference (run 2), starter, wrong/<name>
    expected: str  # what it had to score
    status: Status
    percent: float
    ok: bool
    not_passed: list[str] = []  # for a wrong solution: the tests that caught it
    mistake: str = ""


class ChallengeValidation(_Model):
    challenge: str
    ok: bool
    problems: list[str]
    checks: list[SolutionCheck]
    flaky_tests: list[str] = []
    bundle_files: int = 0
    # The candidate's code runs in the test process (no [service]): a candidate can game it.
    in_process: bool = False


class ValidationReport(_Model):
    schema_version: int = VALIDATION_SCHEMA_VERSION
    runner_version: str = __version__
    ok: bool
    challenges: list[ChallengeValidation]


Progress = Callable[[str], None]


def validate_challenge(challenge: Challenge, *, engine: Engine, out_dir: Path, repeats: int = 3,
                       progress: Progress = lambda _: None) -> ChallengeValidation:
    """Run every check on ``challenge``; results of each run land under ``out_dir``.

    Raises:
        EngineUnavailable, ImageBuildError, SandboxError: the infrastructure failed.
    """
    problems: list[str] = []
    checks: list[SolutionCheck] = []
    image = ensure_image(engine, challenge.spec.image)

    def run(name: str, source: Path) -> Result:
        progress(f"{challenge.id}: {name}")
        return grade_submission(challenge=challenge, source=str(source),
                                out_dir=out_dir / name.replace("/", "-").replace(" ", "-"),
                                engine=engine, image=image)

    references = [run("reference" if i == 0 else f"reference-run-{i + 1}", challenge.reference)
                  for i in range(max(repeats, 1))] if challenge.reference.is_dir() else []
    if not references:
        problems.append("missing reference/ folder")
    for i, result in enumerate(references):
        manifest = sorted(f.code for f in result.flags if f.code in _MANIFEST_FLAGS)
        ok = result.status is Status.GRADED and result.percent == 100 and not manifest
        checks.append(SolutionCheck(solution="reference" if i == 0 else f"reference (run {i + 1})",
                                    expected="100%", status=result.status, percent=result.percent, ok=ok,
                                    not_passed=_not_passed(result)))
        if not ok:
            problems.append(f"reference run {i + 1} scored {result.percent:g}% ({result.status})"
                            + (f", flags: {', '.join(manifest)}" if manifest else ""))
    flaky = _flaky(references)
    if flaky:
        problems.append(f"flaky: {len(flaky)} tests changed outcome between reference runs")

    if challenge.starter.is_dir():
        result = run("starter", challenge.starter)
        limit = challenge.spec.starter_max_percent
        ok = result.percent <= limit
        checks.append(SolutionCheck(solution="starter", expected=f"<= {limit:g}%", status=result.status,
                                    percent=result.percent, ok=ok))
        if not ok:
            problems.append(f"starter scored {result.percent:g}%, above its limit of {limit:g}%")
    else:
        problems.append("missing starter/ folder")

    wrong = sorted(p for p in challenge.wrong.iterdir() if p.is_dir()) if challenge.wrong.is_dir() else []
    if len(wrong) < MIN_WRONG_SOLUTIONS:
        problems.append(f"{len(wrong)} known-wrong solutions; at least {MIN_WRONG_SOLUTIONS} expected")
    for folder in wrong:
        with tempfile.TemporaryDirectory(prefix="assess-wrong-") as tmp:
            tree = _overlay(challenge.reference, folder, Path(tmp) / "solution")
            result = run(f"wrong/{folder.name}", tree)
        ok = result.percent < 100
        checks.append(SolutionCheck(solution=f"wrong/{folder.name}", expected="< 100%", status=result.status,
                                    percent=result.percent, ok=ok, not_passed=_not_passed(result),
                                    mistake=_mistake(folder)))
        if not ok:
            problems.append(f"wrong/{folder.name} scored 100%: the hidden suite does not catch it")

    files = {}
    try:
        files = bundle_files(challenge)
        leaks = hidden_leaks(challenge, files)
        if leaks:
            problems.append(f"the candidate bundle repeats hidden test files: {', '.join(leaks)}")
    except ChallengeError as e:
        problems.append(f"the candidate bundle cannot be built: {e.detail}")

    if not problems:
        record_proven(challenge)
    return ChallengeValidation(challenge=challenge.id, ok=not problems, problems=problems, checks=checks,
                               flaky_tests=flaky, bundle_files=len(files),
                               in_process=challenge.spec.service is None)


def _not_passed(result: Result) -> list[str]:
    return [t.name for t in result.tests if t.outcome is not Outcome.PASSED]


def _flaky(results: list[Result]) -> list[str]:
    seen: dict[str, set[Outcome]] = {}
    for result in results:
        for test in result.tests:
            seen.setdefault(test.name, set()).add(test.outcome)
    return sorted(name for name, outcomes in seen.items() if len(outcomes) > 1)


def _overlay(reference: Path, wrong: Path, target: Path) -> Path:
    """The reference with the known-wrong solution's files laid over it."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    shutil.copytree(reference, target, ignore=ignore)
    shutil.copytree(wrong, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(MISTAKE_FILE, "__pycache__", "*.pyc", ".pytest_cache"))
    return target


def _mistake(folder: Path) -> str:
    path = folder / MISTAKE_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""
