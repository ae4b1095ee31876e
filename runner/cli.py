"""The `assess` command line: a thin layer over the typed core.

Every AssessError becomes one line on stderr and its exit code (table in runner/errors.py
and README.md); nothing the core raises reaches the user as a traceback.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from runner import __version__
from runner.batch import default_jobs, read_submissions, render_cohort_of, run_batch
from runner.bundle import pack as pack_bundle
from runner.errors import (
    EXIT_INFRASTRUCTURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_VALIDATION_FAILED,
    AssessError,
)
from runner.images import ensure_image
from runner.ingest import check_source
from runner.pipeline import RESULT_FILE, RunOptions, grade_submission
from runner.proven import is_proven
from runner.report import summary_table
from runner.results import Result
from runner.sandbox import Engine
from runner.spec import Challenge, default_challenges_dir, find_challenges, load_challenge
from runner.validate import ChallengeValidation, ValidationReport, validate_challenge

__all__ = ["cli", "main"]


class _Failed(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class


class _AssessGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AssessError as e:
            raise _Failed(e.detail, e.exit_code) from None
        except KeyboardInterrupt:
            _remove_own_containers()
            raise _Failed("interrupted", EXIT_INTERRUPTED) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as e:  # the edge: an unexpected error is a bug, shown in one line
            if os.environ.get("ASSESS_DEBUG"):
                raise
            raise _Failed(f"internal error: {e.__class__.__name__}: {e} "
                          "(set ASSESS_DEBUG=1 for a traceback)", EXIT_INTERNAL) from None


def _remove_own_containers() -> None:
    """Ctrl-C can land between the engine creating a container and the code that would
    remove it holding it: sweep this process's containers, twice, as a create may still
    be finishing inside the engine."""
    try:
        engine = Engine.connect()
    except AssessError:
        return
    try:
        for pause in (0.0, 0.5):
            time.sleep(pause)
            engine.remove_orphans(owner_pid=os.getpid())
    finally:
        engine.close()


IN_PROCESS_WARNING = ("runs the candidate's code in the test process, where a candidate can "
                      "game its grade (patch pytest, answer == with anything); move it out of process: "
                      "challenges/README.md, \"Candidate code out of the test process\"")


def _say_what_to_doubt(challenge: Challenge) -> None:
    if challenge.spec.service is None:
        click.echo(f"Warning: challenge {challenge.id} {IN_PROCESS_WARNING}.", err=True)
    if not is_proven(challenge):
        click.echo(f"Note: challenge {challenge.id} ({challenge.root}) was never validated in this form: "
                   f"a broken challenge would grade every submission low. Prove it with "
                   f"`assess validate {challenge.root}`.", err=True)


challenges_dir_option = click.option(
    "--challenges-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where challenge ids are looked up [default: $ASSESS_CHALLENGES or ./challenges].")


@click.group(cls=_AssessGroup)
@click.version_option(__version__, prog_name="assess")
def cli() -> None:
    """Run and grade backend coding assessments in a hardened Docker sandbox."""


@cli.command()
@click.argument("challenge")
@click.argument("submission")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for result.json, report.html, report.md, junit.xml and output.log.")
@click.option("--view", type=click.Choice(["reviewer", "candidate"]), default="reviewer",
              show_default=True, help="Reports for the hiring team, or feedback for the candidate.")
@challenges_dir_option
def run(challenge: str, submission: str, out_dir: Path, view: str,
        challenges_dir: Path | None) -> None:
    """Grade SUBMISSION (folder, .zip/.tar.gz/.tgz, or git URL/path with optional @ref)
    against CHALLENGE (an id under the challenges folder, or a path to a challenge folder)."""
    loaded = load_challenge(challenge, challenges_dir)
    check_source(submission)
    engine = Engine.connect()
    try:
        result = grade_submission(challenge=loaded, source=submission, out_dir=out_dir,
                                  engine=engine, options=RunOptions(view=view))  # type: ignore[arg-type]
    finally:
        engine.close()
    console = Console()
    console.print(summary_table(result))
    if view == "candidate":
        console.print(f"Written to {out_dir / 'report.html'} (and report.md): feedback for the "
                      "candidate, safe to send as it is (no result.json, junit.xml or output.log)")
    else:
        console.print(f"Written to {out_dir / RESULT_FILE} (and report.html, report.md)")
    _say_what_to_doubt(loaded)


@cli.command()
@click.argument("challenge")
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the batch database, every result and the cohort report.")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Sandboxes at once [default: as many as cores and memory hold].")
@click.option("--regrade", is_flag=True, help="Grade every submission again (earlier results stay as history).")
@challenges_dir_option
def batch(challenge: str, submissions: Path, out_dir: Path, jobs: int | None, regrade: bool,
          challenges_dir: Path | None) -> None:
    """Grade every submission in SUBMISSIONS (a folder of folders/archives, or a CSV/JSON list
    with columns candidate,source). Run it again after an interruption: it resumes."""
    loaded = load_challenge(challenge, challenges_dir)
    items = read_submissions(submissions)
    jobs = jobs or default_jobs(loaded.spec.limits)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task(f"grading ({jobs} at once)", total=len(items))

        def started(total: int, done: int) -> None:
            progress.update(task, completed=done)
            if done:
                progress.console.print(f"{done} of {total} already graded: resuming")

        def finished(candidate: str, result: Result | None, error: str) -> None:
            progress.advance(task)
            if result is None:
                progress.console.print(f"[red]{candidate}: not graded: {escape(error)}[/red]")

        summary = run_batch(challenge=loaded, items=items, out_dir=out_dir, jobs=jobs, regrade=regrade,
                            on_start=started, on_result=finished)
    # A resumed run's wall time says nothing about the batch: show it only for a full run.
    full_run = summary.already_done == 0
    paths = render_cohort_of(loaded, out_dir, wall_seconds=summary.wall_seconds if full_run else None)
    click.echo(f"{summary.graded} graded now, {summary.already_done} already done, "
               f"{summary.failed} not graded, in {summary.wall_seconds:.1f} s")
    click.echo(f"Cohort report: {paths[0]}")
    _say_what_to_doubt(loaded)
    if summary.failed:
        raise _Failed(f"{summary.failed} submissions could not be graded (see above); "
                      "run the same command again to retry them", EXIT_INFRASTRUCTURE)


@cli.command()
@click.argument("challenge_ids", nargs=-1, metavar="[CHALLENGE]...")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("validation-out"), show_default=True,
              help="Folder for validation.json and the result of every run.")
@click.option("--repeats", type=click.IntRange(1, 20), default=3, show_default=True,
              help="How many times the reference runs (differing outcomes mean a flaky challenge).")
@challenges_dir_option
def validate(challenge_ids: tuple[str, ...], out_dir: Path, repeats: int,
             challenges_dir: Path | None) -> None:
    """Prove challenges (all when none is named): reference 100%, starter low, every
    known-wrong solution caught, no flaky test, nothing hidden in the candidate bundle."""
    base = challenges_dir or default_challenges_dir()
    challenges = ([load_challenge(c, base) for c in challenge_ids] if challenge_ids
                  else find_challenges(base))
    if not challenges:
        raise click.UsageError(f"no challenges found in {base}")
    engine = Engine.connect()
    try:
        validations = [
            validate_challenge(c, engine=engine, out_dir=out_dir / c.id, repeats=repeats,
                               progress=lambda line: click.echo(f"  running {line}", err=True))
            for c in challenges
        ]
    finally:
        engine.close()
    report = ValidationReport(ok=all(v.ok for v in validations), challenges=validations)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "validation.json").write_text(report.model_dump_json(indent=2) + "\n")
    console = Console()
    for validation in validations:
        console.print(_validation_table(validation))
    console.print(f"Written to {out_dir / 'validation.json'}")
    if not report.ok:
        failed = ", ".join(v.challenge for v in validations if not v.ok)
        raise _Failed(f"validation failed: {failed}", EXIT_VALIDATION_FAILED)


def _validation_table(validation: ChallengeValidation) -> Table:
    verdict = "passed" if validation.ok else "FAILED"
    caption = [*validation.problems,
               *([f"Warning: {validation.challenge} {IN_PROCESS_WARNING}"] if validation.in_process else [])]
    table = Table(title=f"{validation.challenge}: {verdict}", caption="\n".join(caption) or None)
    for column in ("solution", "expected", "got", "ok", "caught by"):
        table.add_column(column)
    for check in validation.checks:
        caught = check.not_passed if check.solution.startswith("wrong/") else []
        shown = ", ".join(t.split("::")[-1] for t in caught[:3]) + (f" +{len(caught) - 3}" if len(caught) > 3 else "")
        table.add_row(check.solution, check.expected, f"{check.percent:g}% ({check.status})",
                      "yes" if check.ok else "NO", shown)
    return table


@cli.command("challenges")
@challenges_dir_option
def list_challenges(challenges_dir: Path | None) -> None:
    """List the challenge catalog."""
    table = Table()
    for column in ("id", "title", "difficulty", "skills", "minutes"):
        table.add_column(column)
    for challenge in find_challenges(challenges_dir or default_challenges_dir()):
        spec = challenge.spec
        table.add_row(spec.id, spec.title, spec.difficulty, ", ".join(spec.skills), str(spec.duration_minutes))
    Console().print(table)


@cli.command()
@click.argument("challenge")
@challenges_dir_option
def show(challenge: str, challenges_dir: Path | None) -> None:
    """Print a challenge's brief (what the candidate reads)."""
    loaded = load_challenge(challenge, challenges_dir)
    if not loaded.brief.is_file():
        raise _Failed(f"{loaded.root}: missing brief.md", 3)
    click.echo(loaded.brief.read_text(encoding="utf-8"), nl=False)


@cli.command()
@click.argument("challenge")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path),
              help="A .zip file, or a new folder that becomes a fresh git repository.")
@challenges_dir_option
def pack(challenge: str, out_path: Path, challenges_dir: Path | None) -> None:
    """Build the bundle a candidate receives: brief, starter and public tests, never anything hidden."""
    loaded = load_challenge(challenge, challenges_dir)
    if out_path.suffix == ".zip":
        names = pack_bundle(loaded, out_path, fmt="zip")
        click.echo(f"Packed {len(names)} files into {out_path} (zip)")
    else:
        names = pack_bundle(loaded, out_path, fmt="git")
        click.echo(f"Packed {len(names)} files into {out_path} (a new git repository)")


@cli.command()
@challenges_dir_option
def prepare(challenges_dir: Path | None) -> None:
    """Build (once) the sandbox image of every bundled challenge."""
    names = sorted({c.spec.image for c in find_challenges(challenges_dir or default_challenges_dir())})
    engine = Engine.connect()
    try:
        for name in names:
            image = ensure_image(engine, name)
            click.echo(f"{name}: {image.tag} ({image.id[:19]})")
    finally:
        engine.close()


@cli.command()
@click.option("--all", "everything", is_flag=True,
              help="Also remove containers of assess processes that are still running.")
def clean(everything: bool) -> None:
    """Remove sandbox containers that assess left behind (after a crash or kill -9)."""
    engine = Engine.connect()
    try:
        click.echo(f"removed {engine.remove_orphans(everything=everything)} container(s)")
    finally:
        engine.close()


def main() -> NoReturn:
    cli.main(prog_name="assess")
    raise SystemExit(0)  # pragma: no cover - cli.main always exits


if __name__ == "__main__":
    main()
