"""The cohort page's view-model: display-ready strings and SVG geometry, so that the template
only loops and prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from runner import __version__
from runner._cohort_data import (
    BIN_COUNT,
    COHORT_SCHEMA_VERSION,
    NOT_GRADED,
    CategoryStat,
    CohortEntry,
    CohortSummary,
    Ranked,
    rank_entries,
    summarize,
)
from runner._render import STATUS_CSS, bar_width, duration, num
from runner.results import ChallengeInfo, Result, Status

_NOTE_CHARS = 200  # a needs-review note is cut here; the candidate's report has all of it
# Entries needing review come in this order, then in ranking order.
_REVIEW_ORDER = {NOT_GRADED: 0, Status.ERROR.value: 1, Status.TIMEOUT.value: 2}
# Histogram geometry, in SVG user units.
_SVG_W, _SVG_H, _PAD_X, _PAD_TOP, _PAD_BOTTOM, _BAR_GAP = 1000, 260, 8, 26, 32, 14


@dataclass(frozen=True)
class Stat:
    label: str
    value: str
    css: str = ""  # ok | warn | bad | muted | ""
    note: str = ""  # a small line under the value


@dataclass(frozen=True)
class ReviewRow:
    candidate: str
    source: str
    href: str  # the report link, "" when there is none
    status: str
    status_css: str
    percent: str  # "75%" or "—"
    flags: tuple[str, ...]  # distinct flag codes
    note: str  # the error or reason, cut to _NOTE_CHARS


@dataclass(frozen=True)
class HistogramBar:
    label: str  # "50–60"
    count: int
    x: str  # SVG geometry, display-ready
    y: str
    width: str
    height: str
    center: str  # x of both text labels
    count_y: str


@dataclass(frozen=True)
class CategoryAverage:
    name: str
    description: str
    mean_score: str
    max_score: str
    percent: str
    bar: str
    graded: int


@dataclass(frozen=True)
class RankRow:
    rank: str  # "—" without a result
    candidate: str
    source: str
    href: str
    percent: str
    points: str  # "7.5 / 10"
    status: str
    status_css: str
    categories: tuple[str, ...]  # percents, aligned with CohortView.category_names
    flags: str  # a count
    flag_codes: str  # "timeout, missing-tests": the cell's tooltip
    flags_css: str
    seconds: str
    row_css: str  # "review" for an entry that needs review


@dataclass(frozen=True)
class CohortView:
    """What the cohort page shows, as display-ready strings."""

    title: str
    challenge_id: str
    counts: tuple[Stat, ...]  # submissions by status
    figures: tuple[Stat, ...]  # scores and times
    review: tuple[ReviewRow, ...]
    scored: int
    bars: tuple[HistogramBar, ...]
    svg_width: int
    svg_height: int
    baseline_y: str  # the x axis
    label_y: str  # the bin labels under it
    histogram_label: str  # the SVG's accessible name
    categories_note: str
    categories: tuple[CategoryAverage, ...]
    category_names: tuple[str, ...]
    ranking: tuple[RankRow, ...]
    ranking_columns: int
    footer: str


def build_cohort_view(entries: Sequence[CohortEntry], *, challenge: ChallengeInfo,
                      wall_seconds: float | None = None) -> CohortView:
    """The view-model of the cohort page."""
    ranked = rank_entries(entries)
    return cohort_view(ranked, summarize(ranked, wall_seconds=wall_seconds), challenge)


def cohort_view(ranked: list[Ranked], summary: CohortSummary, challenge: ChallengeInfo) -> CohortView:
    names = tuple(c.name for c in summary.categories)
    bars = _bars(summary.histogram)
    return CohortView(
        title=challenge.title,
        challenge_id=challenge.id,
        counts=_counts(summary),
        figures=_figures(summary),
        review=_review(ranked),
        scored=summary.scored,
        bars=bars,
        svg_width=_SVG_W,
        svg_height=_SVG_H,
        baseline_y=num(_SVG_H - _PAD_BOTTOM, 1),
        label_y=num(_SVG_H - _PAD_BOTTOM + 18, 1),
        histogram_label="Score distribution: " + ", ".join(
            f"{b.label}%: {b.count}" for b in bars),
        categories_note=f"Mean over {_plural(summary.graded, 'graded submission')}.",
        categories=tuple(_average(c) for c in summary.categories if c.graded),
        category_names=names,
        ranking=tuple(_rank_row(r, names) for r in ranked),
        ranking_columns=7 + len(names),
        footer=f"assess {__version__} · cohort schema v{COHORT_SCHEMA_VERSION}",
    )


def _counts(s: CohortSummary) -> tuple[Stat, ...]:
    def count(label: str, n: int, css: str) -> Stat:
        return Stat(label, str(n), css if n else "muted")

    return (
        Stat("Submissions", str(s.submissions)),
        count("Graded", s.graded, "ok"),
        count("Timeout", s.timeout, "warn"),
        count("Error", s.error, "bad"),
        count("Not graded", s.not_graded, "bad"),
        count("Needs review", s.needs_review, "warn"),
    )


def _figures(s: CohortSummary) -> tuple[Stat, ...]:
    base = f"over {_plural(s.scored, 'scored submission')}"
    return (
        Stat("Median score", _pct(s.median_percent), note=base),
        Stat("Mean score", _pct(s.mean_percent), note=base),
        Stat("Batch wall time", duration(s.wall_seconds),
             note="" if s.wall_seconds is None else "the whole batch"),
        Stat("Median grading time", duration(s.median_seconds), note="per submission"),
    )


def _review(ranked: list[Ranked]) -> tuple[ReviewRow, ...]:
    flagged = sorted((r for r in ranked if r.needs_review),
                     key=lambda r: _REVIEW_ORDER.get(r.status, 3))  # stable: ranking order within
    rows = []
    for r in flagged:
        e, res = r.entry, r.entry.result
        note = e.error if res is None else res.reason or "; ".join(f.message for f in res.flags)
        rows.append(ReviewRow(
            candidate=e.candidate,
            source=e.source,
            href=_href(e.report_path),
            status=r.status,
            status_css=_css(res),
            percent=_pct(None if res is None else res.percent),
            flags=() if res is None else tuple(dict.fromkeys(f.code for f in res.flags)),
            note=note if len(note) <= _NOTE_CHARS else note[: _NOTE_CHARS - 1] + "…",
        ))
    return tuple(rows)


def _bars(histogram: tuple[int, ...]) -> tuple[HistogramBar, ...]:
    plot_h = _SVG_H - _PAD_TOP - _PAD_BOTTOM
    slot = (_SVG_W - 2 * _PAD_X) / BIN_COUNT
    tallest = max(histogram, default=0) or 1
    bars = []
    for i, n in enumerate(histogram):
        height = plot_h * n / tallest
        y = _SVG_H - _PAD_BOTTOM - height
        x = _PAD_X + i * slot + _BAR_GAP / 2
        bars.append(HistogramBar(
            label=f"{i * 10}–{(i + 1) * 10}",
            count=n,
            x=num(x, 1),
            y=num(y, 1),
            width=num(slot - _BAR_GAP, 1),
            height=num(height, 1),
            center=num(x + (slot - _BAR_GAP) / 2, 1),
            count_y=num(y - 6, 1),
        ))
    return tuple(bars)


def _average(c: CategoryStat) -> CategoryAverage:
    percent = c.mean_percent or 0.0
    return CategoryAverage(
        name=c.name,
        description=c.description,
        mean_score=num(c.mean_score or 0.0),
        max_score=num(c.mean_max_score or 0.0),
        percent=num(percent, 1),
        bar=bar_width(percent),
        graded=c.graded,
    )


def _rank_row(r: Ranked, names: tuple[str, ...]) -> RankRow:
    e, res = r.entry, r.entry.result
    if res is None:
        cats: tuple[str, ...] = ("—",) * len(names)
    else:
        mine = {c.name: c for c in res.categories}
        cats = tuple(num(100.0 * mine[n].score / mine[n].max_score, 0)
                     if n in mine and mine[n].max_score > 0 else "—" for n in names)
    flags = [] if res is None else res.flags
    return RankRow(
        rank="—" if r.rank is None else str(r.rank),
        candidate=e.candidate,
        source=e.source,
        href=_href(e.report_path),
        percent="—" if res is None else num(res.percent, 1),
        points="—" if res is None else f"{num(res.score)} / {num(res.max_score)}",
        status=r.status,
        status_css=_css(res),
        categories=cats,
        flags=str(len(flags)),
        flag_codes=", ".join(dict.fromkeys(f.code for f in flags)),
        flags_css="warn" if flags else "muted",
        seconds="—" if res is None else duration(res.timings.total_seconds),
        row_css="review" if r.needs_review else "",
    )


def _css(result: Result | None) -> str:
    return "bad" if result is None else STATUS_CSS[result.status]


def _href(report_path: str) -> str:
    """A relative link to the report, percent-encoded; "" for anything with a scheme or host."""
    parts = urlsplit(report_path)
    if not report_path or parts.scheme or parts.netloc or report_path.startswith(("/", "\\")):
        return ""
    return quote(report_path, safe="/")


def _pct(percent: float | None) -> str:
    return "—" if percent is None else f"{num(percent, 1)}%"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


