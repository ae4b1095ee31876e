"""One submission, end to end: ingest -> sandbox -> junit -> grade -> report.

Each stage is a module of its own; this one only names them in order and records what
each took. Failures of the candidate's code become a Result (status error or timeout);
only bad input and infrastructure failures raise.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from runner import __version__
from runner.grade import SandboxFacts, grade
from runner.harness import Harness, prepare_harness
from runner.images import ensure_image
from runner.ingest import IngestLimits, check_source, ingest
from runner.junit import JunitError, parse_junit
from runner.logtext import readable_log
from runner.report import View, render_reports
from runner.results import ChallengeInfo, Flag, Result, SandboxInfo, SubmissionInfo, Timings
from runner.sandbox import Engine, ImageRef, RunOutcome, RunRequest, Sandbox
from runner.spec import Challenge

__all__ = [
    "OUTPUT_FILE",
    "RESULT_FILE",
    "REVIEWER_FILES",
    "RunOptions",
    "Slot",
    "grade_in_slot",
    "grade_submission",
    "open_slot",
    "refused_result",
]

RESULT_FILE = "result.json"
JUNIT_FILE = "junit.xml"
OUTPUT_FILE = "output.log"


@dataclass(frozen=True)
class RunOptions:
    view: View = "reviewer"
    ingest_limits: IngestLimits = field(default_factory=IngestLimits)


@dataclass
class Slot:
    """A sandbox started ahead of its submission, with the grader's folders for it.

    It serves exactly one submission: ``grade_in_slot`` finishes or discards its container.
    """

    harness: Harness
    sandbox: Sandbox
    work_dir: Path
    start_seconds: float
    network: str | None = None  # the network holder it joined, if any
    service: Sandbox | None = None  # the candidate's own container, for a service challenge

    @property
    def removed(self) -> bool:
        """Every container of the slot is certainly gone."""
        return self.sandbox.removed and (self.service is None or self.service.removed)

    def running(self) -> bool:
        """Every container of the slot is still up (none died while it waited)."""
        return self.sandbox.running and (self.service is None or self.service.running)

    def discard(self) -> None:
        """Remove the slot's containers unused."""
        if self.service is not None:
            self.service.discard()
        self.sandbox.discard()


def open_slot(challenge: Challenge, engine: Engine, image: ImageRef, work_dir: Path, *,
              network: str | None = None) -> Slot:
    """Start a sandbox for ``challenge`` whose run waits for a submission to be placed.

    ``network`` is a holder from ``Engine.hold_network`` that no other live sandbox uses.

    Raises:
        SandboxError: the container could not be started.
    """
    began = time.monotonic()
    limits = challenge.spec.limits
    harness = prepare_harness(challenge, work_dir / "run")
    service = None
    tests_network = network
    if harness.service is not None:
        service = engine.start(RunRequest(image=image, command=harness.service.command, limits=limits,
                                          mounts=harness.service.mounts,
                                          environment=harness.service.environment, network=network))
        tests_network = network or service.id  # the tests reach it over the loopback they share
    try:
        sandbox = engine.start(RunRequest(image=image, command=harness.command, limits=limits,
                                          mounts=harness.mounts, environment=harness.environment,
                                          network=tests_network))
    except BaseException:
        if service is not None:
            service.discard()
        raise
    return Slot(harness=harness, sandbox=sandbox, work_dir=work_dir, start_seconds=time.monotonic() - began,
                network=network, service=service)


def grade_submission(*, challenge: Challenge, source: str, out_dir: Path, engine: Engine,
                     image: ImageRef | None = None, options: RunOptions = RunOptions()) -> Result:
    """Grade ``source`` against ``challenge`` and write result.json, reports and logs to ``out_dir``.

    Args:
        image: the sandbox image, when the caller already ensured it (a batch does, once).

    Raises:
        SubmissionError: the submission is missing, unreadable or refused.
        EngineUnavailable, ImageBuildError, SandboxError: the infrastructure failed.
    """
    check_source(source)  # a missing submission costs no container
    if image is None:
        image = ensure_image(engine, challenge.spec.image)
    with tempfile.TemporaryDirectory(prefix="assess-run-") as tmp:
        # The sandbox starts first, so that fetching the submission overlaps its start-up.
        slot = open_slot(challenge, engine, image, Path(tmp))
        return grade_in_slot(challenge=challenge, source=source, out_dir=out_dir, slot=slot,
                             image=image, options=options)


def grade_in_slot(*, challenge: Challenge, source: str, out_dir: Path, slot: Slot, image: ImageRef,
                  options: RunOptions = RunOptions()) -> Result:
    """Grade ``source`` in an already started ``slot``; see ``grade_submission``."""
    started_at = _now()
    clock = time.monotonic()
    finished = False
    try:
        submission = ingest(source, slot.work_dir / "ingest", limits=options.ingest_limits)
        t_ingest = time.monotonic()
        slot.harness.place(submission.root)
        slot.harness.go(alive=slot.running)
        finished = True  # finish() and stop() remove the containers on every path
        try:
            outcome = slot.sandbox.finish()
        finally:
            if slot.service is not None:
                outcome = _with_service(outcome, slot.service.stop())
    finally:
        if not finished:
            slot.discard()
    t_sandbox = time.monotonic()
    junit_bytes = slot.harness.read_junit()

    cases, problem = None, ""
    try:
        cases = parse_junit(junit_bytes)
    except JunitError as e:
        problem = str(e)
    graded = grade(challenge.spec, cases, _facts(outcome, challenge), junit_problem=problem,
                   canaries=slot.harness.canaries)
    flags = list(graded.flags)
    if submission.stripped:
        flags.append(Flag(code="stripped-files",
                          message=f"{len(submission.stripped)} files were removed before grading",
                          evidence=", ".join(submission.stripped[:20])))
    if submission.shadowed:  # informative only: the submission comes last on sys.path
        flags.append(Flag(code="shadowed-modules",
                          message=f"{len(submission.shadowed)} modules named like standard or "
                                  "installed ones were not imported in their place",
                          evidence=", ".join(submission.shadowed[:20])))
    t_grade = time.monotonic()
    limits = challenge.spec.limits
    result = Result(
        runner_version=__version__,
        challenge=ChallengeInfo(id=challenge.id, title=challenge.spec.title),
        submission=submission.info,
        status=graded.status, reason=graded.reason,
        score=graded.score, max_score=graded.max_score, percent=graded.percent,
        categories=graded.categories, tests=graded.tests, flags=flags,
        sandbox=SandboxInfo(
            image=image.tag, image_id=image.id, exit_code=outcome.exit_code,
            oom_killed=outcome.oom_killed, timed_out=outcome.timed_out,
            output_bytes=outcome.output_bytes, output_truncated=outcome.output_truncated,
            limits={k: float(v) for k, v in limits.model_dump().items()},
        ),
        timings=Timings(
            sandbox_start_seconds=round(slot.start_seconds, 3),
            ingest_seconds=round(t_ingest - clock, 3),
            sandbox_seconds=round(t_sandbox - t_ingest, 3), grade_seconds=round(t_grade - t_sandbox, 3),
            total_seconds=round(time.monotonic() - clock, 3),
        ),
        started_at=started_at, finished_at=_now(),
    )
    _write_outputs(result, out_dir, options.view, junit_bytes=junit_bytes, output=outcome.output)
    return result


def refused_result(*, challenge: Challenge, source: str, detail: str, out_dir: Path,
                   view: View = "reviewer") -> Result:
    """The result of a submission refused before grading (hostile or unreadable): status
    error, every test missing, a flag with the reason; written like any other result."""
    now = _now()
    graded = grade(challenge.spec, None, SandboxFacts(), junit_problem=f"submission refused: {detail}")
    result = Result(
        runner_version=__version__,
        challenge=ChallengeInfo(id=challenge.id, title=challenge.spec.title),
        submission=SubmissionInfo(source=source, kind="unknown"),
        status=graded.status, reason=graded.reason, score=0, max_score=graded.max_score, percent=0,
        categories=graded.categories, tests=graded.tests,
        flags=[Flag(code="refused-submission", message="the submission was refused before grading",
                    evidence=detail)],
        timings=Timings(), started_at=now, finished_at=now,
    )
    _write_outputs(result, out_dir, view)
    return result


def _with_service(tests: RunOutcome, service: RunOutcome) -> RunOutcome:
    """One outcome for the two containers of a service challenge: the tests' run decides
    the exit and the deadline; a limit hit in either counts, and both outputs are kept."""
    return RunOutcome(
        exit_code=tests.exit_code, timed_out=tests.timed_out,
        oom_killed=tests.oom_killed or service.oom_killed,
        output=tests.output + b"\n----- the service's output -----\n" + service.output,
        output_bytes=tests.output_bytes + service.output_bytes,
        output_truncated=tests.output_truncated or service.output_truncated,
        seconds=tests.seconds, pid_limit_hits=tests.pid_limit_hits + service.pid_limit_hits,
    )


def _facts(outcome: RunOutcome, challenge: Challenge) -> SandboxFacts:
    limits = challenge.spec.limits
    return SandboxFacts(
        timed_out=outcome.timed_out, timeout_seconds=limits.timeout_seconds,
        oom_killed=outcome.oom_killed, memory_mb=limits.memory_mb, exit_code=outcome.exit_code,
        output_truncated=outcome.output_truncated, output_kb=limits.output_kb,
        pid_limit_hits=outcome.pid_limit_hits, pids=limits.pids,
    )


REVIEWER_FILES = (RESULT_FILE, JUNIT_FILE, OUTPUT_FILE)


def _write_outputs(result: Result, out_dir: Path, view: View, *, junit_bytes: bytes | None = None,
                   output: bytes = b"") -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    if view == "candidate":
        # The folder is what a team sends: the candidate's reports, and nothing of the
        # reviewer's (hidden test names and messages, the candidate code's own output).
        for name in REVIEWER_FILES:
            (out_dir / name).unlink(missing_ok=True)
        render_reports(result, out_dir, view=view)
        return
    # Written to a temporary name first: a reader never sees a half-written result.json.
    partial = out_dir / f".{RESULT_FILE}.partial"
    result.write(partial)
    junit_path = out_dir / JUNIT_FILE
    if junit_bytes is not None:
        junit_path.write_bytes(junit_bytes)
    elif junit_path.exists():
        junit_path.unlink()  # a stale report from an earlier run must not pass for this one
    (out_dir / OUTPUT_FILE).write_bytes(readable_log(output))
    render_reports(result, out_dir, view=view)
    shutil.move(partial, out_dir / RESULT_FILE)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
