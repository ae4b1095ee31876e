"""The `assess` command line: a thin layer over the typed core.

Every AssessError becomes one line on stderr and its exit code (table in runner/errors.py
and README.md); nothing the core raises reaches the user as a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from runner import __version__
from runner.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, AssessError
from runner.images import ensure_image
from runner.pipeline import RESULT_FILE, RunOptions, grade_submission
from runner.report import summary_table
from runner.sandbox import Engine
from runner.spec import default_challenges_dir, find_challenges, load_challenge

__all__ = ["cli", "main"]


class _Failed(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _AssessGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AssessError as e:
            raise _Failed(e.detail, e.exit_code) from None
        except KeyboardInterrupt:
            raise _Failed("interrupted", EXIT_INTERRUPTED) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as e:  # the edge: an unexpected error is a bug, shown in one line
            if os.environ.get("ASSESS_DEBUG"):
                raise
            raise _Failed(f"internal error: {e.__class__.__name__}: {e} "
                          "(set ASSESS_DEBUG=1 for a traceback)", EXIT_INTERNAL) from None


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
    engine = Engine.connect()
    try:
        result = grade_submission(challenge=loaded, source=submission, out_dir=out_dir,
                                  engine=engine, options=RunOptions(view=view))  # type: ignore[arg-type]
    finally:
        engine.close()
    console = Console()
    console.print(summary_table(result))
    console.print(f"Written to {out_dir / RESULT_FILE} (and report.html, report.md)")


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
