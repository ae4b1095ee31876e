"""Reports: render a ``Result`` as a self-contained HTML page and a Markdown file.

The report is the last stage of the pipeline and reads nothing but the ``Result``. Everything a
template shows is computed first into a plain view-model (``ReportView``, in ``_report_view``):
numbers are formatted, sections chosen and CSS classes picked, so the templates only loop and
print.

There are two views. The reviewer view shows all of the result. The candidate view is built
from an allow-list, not by hiding parts of the reviewer view: hidden test names, test messages
(they may quote expected values or hidden source), flag evidence, the error reason and sandbox
internals never enter its view-model, so no template can leak them.

Escaping: the HTML environment autoescapes. The Markdown environment escapes every printed
string for inline Markdown too (its ``finalize``), unless the value went through the
``codeblock`` filter, which fences it with more backticks than any run inside it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2
from rich.table import Table
from rich.text import Text

from runner._render import STATUS_CSS, html_env, jinja_env
from runner._report_view import (
    CategoryRow,
    Fact,
    FactGroup,
    FlagRow,
    ReportView,
    Tally,
    TestRow,
    View,
    build_view,
    percent_of,
    points,
)
from runner.results import Result

__all__ = [
    "CategoryRow",
    "Fact",
    "FactGroup",
    "FlagRow",
    "ReportView",
    "Tally",
    "TestRow",
    "View",
    "build_view",
    "render_reports",
    "summary_table",
]

HTML_NAME = "report.html"
MD_NAME = "report.md"


def render_reports(result: Result, out_dir: Path, *, view: View = "reviewer") -> list[Path]:
    """Write report.html and report.md into out_dir; return their paths.

    Args:
        result: the graded result; the only input.
        out_dir: created if missing; existing reports in it are overwritten.
        view: ``reviewer`` shows everything; ``candidate`` shows feedback without internals.

    Raises:
        ValueError: an unknown view.
    """
    model = build_view(result, view)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, env in ((HTML_NAME, html_env()), (MD_NAME, _md_env())):
        path = out_dir / name
        path.write_text(env.get_template(f"{name}.j2").render(v=model), encoding="utf-8")
        written.append(path)
    return written


def summary_table(result: Result) -> Table:
    """A short terminal summary: challenge, status, score/max (percent), categories, flag count."""
    # Every cell is a Text, so brackets in titles or reasons are printed, not read as markup.
    table = Table(
        title=Text(f"{result.challenge.title} ({result.challenge.id})", style="bold"),
        caption=Text(result.reason) if result.reason else None,
    )
    table.add_column("")
    table.add_column("Score", justify="right")
    table.add_column("Passed", justify="right")
    status = Text(result.status.value, style=_RICH_STYLE[STATUS_CSS[result.status]])
    table.add_row(Text("status"), status, Text(""))
    passed = sum(c.passed for c in result.categories)
    total = sum(c.total for c in result.categories)
    table.add_row(
        Text("score", style="bold"),
        Text(points(result.score, result.max_score, result.percent), style="bold"),
        Text(f"{passed}/{total}"),
        end_section=True,
    )
    for c in result.categories:
        table.add_row(
            Text(c.name),
            Text(points(c.score, c.max_score, percent_of(c.score, c.max_score))),
            Text(f"{c.passed}/{c.total}"),
        )
    codes = ", ".join(dict.fromkeys(f.code for f in result.flags))
    flags = Text(str(len(result.flags)), style="yellow" if result.flags else "")
    table.add_section()
    table.add_row(Text("flags"), flags, Text(codes))
    return table


_RICH_STYLE = {"ok": "green", "warn": "yellow", "bad": "red", "muted": "dim"}


@functools.cache
def _md_env() -> jinja2.Environment:
    env = jinja_env(finalize=_md_finalize)
    env.filters["codeblock"] = _md_codeblock
    return env


class _MdSafe(str):
    """Markdown that is already safe to print as is (the output of ``codeblock``)."""


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")


_MD_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)])(?=\s|$))")


def _md_finalize(value: object) -> str:
    """Escape a printed value for inline Markdown: it stays on its line and in its table cell."""
    if isinstance(value, _MdSafe):
        return value
    text = " ".join(str(value).splitlines())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A value at the start of a line must not become a list item or a heading underline.
    return _MD_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)


def _md_codeblock(value: object) -> _MdSafe:
    """Fence ``value`` with more backticks than its longest run, so it cannot close the fence."""
    text = "\n".join(str(value).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return _MdSafe(f"{fence}\n{text}\n{fence}")
