"""Cohort reports of a batch: ranking, distribution, categories, timing, flagged first.

Renders from ``CohortEntry`` data only (read back from the batch's database). The entries are
ranked and summed up once (``rank_entries``, ``summarize``); the three files read from that:

- ``cohort.html``: a self-contained page built from a display-ready view-model (``CohortView``,
  from ``build_cohort_view``) like the per-submission report, so the template only loops and
  prints. The histogram is inline SVG whose geometry is computed here.
- ``cohort.csv``: one row per entry; every text cell is guarded against formula injection.
- ``cohort.json``: the same data with raw numbers, versioned by ``COHORT_SCHEMA_VERSION``.

Percent statistics, the histogram and the ranking cover every entry with a result (an error
scores 0); category averages cover status ``graded`` only, so a run that never reached the
tests does not count as weakness in every category.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from runner import __version__
from runner._render import STATUS_CSS, bar_width, duration, html_env, num
from runner.results import ChallengeInfo, Result, Status

__all__ = [
    "BIN_COUNT",
    "COHORT_SCHEMA_VERSION",
    "NOT_GRADED",
    "CategoryAverage",
    "CategoryStat",
    "CohortEntry",
    "CohortSummary",
    "CohortView",
    "HistogramBar",
    "RankRow",
    "Ranked",
    "ReviewRow",
    "Stat",
    "build_cohort_view",
    "rank_entries",
    "render_cohort",
    "summarize",
]

COHORT_SCHEMA_VERSION = 1
NOT_GRADED = "not graded"  # the status shown for an entry without a result
BIN_COUNT = 10  # histogram bins of 10 points: 0–10 … 90–100, with 100 in the last

HTML_NAME = "cohort.html"
CSV_NAME = "cohort.csv"
JSON_NAME = "cohort.json"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NOTE_CHARS = 200  # a needs-review note is cut here; the candidate's report has all of it
# Entries needing review come in this order, then in ranking order.
_REVIEW_ORDER = {NOT_GRADED: 0, Status.ERROR.value: 1, Status.TIMEOUT.value: 2}
# Histogram geometry, in SVG user units.
_SVG_W, _SVG_H, _PAD_X, _PAD_TOP, _PAD_BOTTOM, _BAR_GAP = 1000, 260, 8, 26, 32, 14


@dataclass(frozen=True)
class CohortEntry:
    candidate: str
    source: str
    result: Result | None  # None when the submission could not be graded at all
    error: str = ""  # why result is None
    report_path: str = ""  # the candidate's report.html, relative to the cohort report


# -- the cohort as data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """An entry in ranking order; ``rank`` is None for an entry without a result."""

    rank: int | None
    entry: CohortEntry

    @property
    def status(self) -> str:
        result = self.entry.result
        return NOT_GRADED if result is None else result.status.value

    @property
    def needs_review(self) -> bool:
        result = self.entry.result
        return result is None or result.status is not Status.GRADED or bool(result.flags)


@dataclass(frozen=True)
class CategoryStat:
    name: str
    description: str
    graded: int  # how many graded entries have this category
    mean_score: float | None  # None when ``graded`` is 0
    mean_max_score: float | None
    mean_percent: float | None  # total score over total max, in percent


@dataclass(frozen=True)
class CohortSummary:
    submissions: int
    graded: int
    timeout: int
    error: int
    not_graded: int
    needs_review: int
    scored: int  # entries with a result: the base of the percent statistics
    mean_percent: float | None
    median_percent: float | None
    wall_seconds: float | None
    median_seconds: float | None  # per submission, from result.timings.total_seconds
    histogram: tuple[int, ...]  # BIN_COUNT counts
    categories: tuple[CategoryStat, ...]


def rank_entries(entries: Iterable[CohortEntry]) -> list[Ranked]:
    """Entries by percent (desc), then candidate (asc); ties share a rank (1, 2, 2, 4).

    Entries without a result come last, by candidate, without a rank.
    """
    pool = list(entries)
    scored = sorted(
        ((_tie_key(e.result), e) for e in pool if e.result is not None),
        key=lambda pair: (-pair[0], pair[1].candidate),
    )
    ranked: list[Ranked] = []
    rank, previous = 0, None
    for position, (key, entry) in enumerate(scored, start=1):
        if key != previous:
            rank, previous = position, key
        ranked.append(Ranked(rank, entry))
    unscored = sorted((e for e in pool if e.result is None), key=lambda e: e.candidate)
    return ranked + [Ranked(None, e) for e in unscored]


def summarize(ranked: Sequence[Ranked], *, wall_seconds: float | None = None) -> CohortSummary:
    """Counts, percent statistics, timing, histogram and category averages of ranked entries."""
    results = [r.entry.result for r in ranked if r.entry.result is not None]
    percents = [res.percent for res in results]
    histogram = [0] * BIN_COUNT
    for p in percents:
        histogram[_bin(p)] += 1
    statuses = [r.status for r in ranked]
    return CohortSummary(
        submissions=len(ranked),
        graded=statuses.count(Status.GRADED.value),
        timeout=statuses.count(Status.TIMEOUT.value),
        error=statuses.count(Status.ERROR.value),
        not_graded=statuses.count(NOT_GRADED),
        needs_review=sum(r.needs_review for r in ranked),
        scored=len(results),
        mean_percent=statistics.fmean(percents) if percents else None,
        median_percent=statistics.median(percents) if percents else None,
        wall_seconds=wall_seconds,
        median_seconds=(
            statistics.median(res.timings.total_seconds for res in results) if results else None
        ),
        histogram=tuple(histogram),
        categories=_category_stats(results),
    )


def _tie_key(result: Result) -> float:
    # Percents that differ only by float noise (66.666…67 vs 66.666…66) are a tie.
    return round(result.percent, 6)


def _bin(percent: float) -> int:
    return min(max(int(percent // 10), 0), BIN_COUNT - 1)


def _category_names(results: Iterable[Result]) -> list[str]:
    return list(dict.fromkeys(c.name for res in results for c in res.categories))


def _category_stats(results: list[Result]) -> tuple[CategoryStat, ...]:
    graded = [res for res in results if res.status is Status.GRADED]
    stats = []
    for name in _category_names(results):
        found = [c for res in graded for c in res.categories if c.name == name]
        described = [c.description for res in results for c in res.categories
                     if c.name == name and c.description]
        total_max = sum(c.max_score for c in found)
        stats.append(CategoryStat(
            name=name,
            description=described[0] if described else "",
            graded=len(found),
            mean_score=statistics.fmean(c.score for c in found) if found else None,
            mean_max_score=statistics.fmean(c.max_score for c in found) if found else None,
            mean_percent=(100.0 * sum(c.score for c in found) / total_max if total_max > 0
                          else 0.0 if found else None),
        ))
    return tuple(stats)


# -- the HTML view-model ----------------------------------------------------------------------


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
    return _view(ranked, summarize(ranked, wall_seconds=wall_seconds), challenge)


def _view(ranked: list[Ranked], summary: CohortSummary, challenge: ChallengeInfo) -> CohortView:
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


# -- files ------------------------------------------------------------------------------------


def render_cohort(entries: list[CohortEntry], out_dir: Path, *, challenge: ChallengeInfo,
                  wall_seconds: float | None = None) -> list[Path]:
    """Write cohort.html, cohort.csv and cohort.json into ``out_dir``; return their paths.

    Args:
        entries: one per submission of the batch, in any order.
        out_dir: created if missing; existing cohort files in it are overwritten.
        challenge: the challenge every entry was graded against.
        wall_seconds: the batch's wall-clock time, shown when given.
    """
    ranked = rank_entries(entries)
    summary = summarize(ranked, wall_seconds=wall_seconds)
    view = _view(ranked, summary, challenge)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, csv_path, json_path = out_dir / HTML_NAME, out_dir / CSV_NAME, out_dir / JSON_NAME
    html = html_env().get_template(f"{HTML_NAME}.j2").render(v=view)
    html_path.write_text(html, encoding="utf-8")
    names = [c.name for c in summary.categories]
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerows(_csv_rows(ranked, names))
    document = _json_document(ranked, summary, challenge)
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    return [html_path, csv_path, json_path]


def _csv_rows(ranked: list[Ranked], names: list[str]) -> Iterable[list[str]]:
    head = ["rank", "candidate", "source", "status", "score", "max_score", "percent"]
    yield [_cell(h) for h in [*head, *names, "flags", "total_seconds", "error", "report"]]
    for r in ranked:
        e, res = r.entry, r.entry.result
        if res is None:
            points, cats, flags, seconds, why = ["", "", ""], [""] * len(names), "", "", e.error
        else:
            mine = {c.name: c.score for c in res.categories}
            points = [num(res.score, 3), num(res.max_score, 3), num(res.percent, 2)]
            cats = [num(mine[n], 3) if n in mine else "" for n in names]
            flags = ";".join(f.code for f in res.flags)
            seconds, why = num(res.timings.total_seconds, 3), res.reason
        rank = "" if r.rank is None else str(r.rank)
        yield [rank, _cell(e.candidate), _cell(e.source), _cell(r.status), *points, *cats,
               _cell(flags), seconds, _cell(why), _cell(e.report_path)]


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP's CSV injection rule)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _json_document(ranked: list[Ranked], summary: CohortSummary,
                   challenge: ChallengeInfo) -> dict[str, Any]:
    return {
        "schema_version": COHORT_SCHEMA_VERSION,
        "challenge": challenge.model_dump(mode="json"),
        "summary": {
            "submissions": summary.submissions,
            "graded": summary.graded,
            "timeout": summary.timeout,
            "error": summary.error,
            "not_graded": summary.not_graded,
            "needs_review": summary.needs_review,
            "scored": summary.scored,
            "mean_percent": summary.mean_percent,
            "median_percent": summary.median_percent,
            "wall_seconds": summary.wall_seconds,
            "median_seconds": summary.median_seconds,
            "histogram": [{"from": i * 10, "to": (i + 1) * 10, "count": n}
                          for i, n in enumerate(summary.histogram)],
            "categories": [{"name": c.name, "graded": c.graded, "mean_score": c.mean_score,
                            "mean_max_score": c.mean_max_score, "mean_percent": c.mean_percent}
                           for c in summary.categories],
        },
        "entries": [_json_entry(r) for r in ranked],
    }


def _json_entry(r: Ranked) -> dict[str, Any]:
    e, res = r.entry, r.entry.result
    return {
        "rank": r.rank,
        "candidate": e.candidate,
        "source": e.source,
        "status": r.status,
        "score": None if res is None else res.score,
        "max_score": None if res is None else res.max_score,
        "percent": None if res is None else res.percent,
        "categories": {} if res is None else {c.name: c.score for c in res.categories},
        "flags": [] if res is None else [f.code for f in res.flags],
        "total_seconds": None if res is None else res.timings.total_seconds,
        "error": e.error if res is None else res.reason,
        "report": e.report_path,
    }
