"""Formatting and template environments shared by the per-submission and cohort reports."""

from __future__ import annotations

import functools
from collections.abc import Callable

import jinja2

from runner.results import Status

__all__ = ["STATUS_CSS", "bar_width", "duration", "html_env", "jinja_env", "num"]

STATUS_CSS = {Status.GRADED: "ok", Status.TIMEOUT: "warn", Status.ERROR: "bad"}


def num(x: float, places: int = 2) -> str:
    """87.5, 100, 7.33: at most ``places`` decimals, no trailing zeros."""
    text = f"{x:.{places}f}".rstrip("0").rstrip(".") if places else f"{x:.0f}"
    return "0" if text == "-0" else text


def bar_width(percent: float) -> str:
    return f"{num(min(max(percent, 0.0), 100.0), 1)}%"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{num(seconds)} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def jinja_env(finalize: Callable[[object], str] | None = None) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("runner", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize,
    )


@functools.cache  # one environment per process: templates compile once, not per report
def html_env() -> jinja2.Environment:
    return jinja_env()
