"""Cohort reports of a batch: ranking, distribution, categories, timing, flagged first.

Renders from ``CohortEntry`` data only (read back from the batch's database). The entries are
ranked and summed up once (``rank_entries``, ``summarize``, in ``_cohort_data``); the three
files read from that:

- ``cohort.html``: a self-contained page built from a display-ready view-model (``CohortView``,
  from ``build_cohort_view``, in ``_cohort_view``) like the per-submission report, so the template only loops and
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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
from runner._cohort_view import (
    CategoryAverage,
    CohortView,
    HistogramBar,
    RankRow,
    ReviewRow,
    Stat,
    build_cohort_view,
    cohort_view,
)
from runner._render import html_env, num
from runner.results import ChallengeInfo

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

HTML_NAME = "cohort.html"
CSV_NAME = "cohort.csv"
JSON_NAME = "cohort.json"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


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
    view = cohort_view(ranked, summary, challenge)
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
