"""The cohort as data: entries ranked and summed up once, for every cohort file to read."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from runner.results import Result, Status

COHORT_SCHEMA_VERSION = 1  # of cohort.json
NOT_GRADED = "not graded"  # the status shown for an entry without a result
BIN_COUNT = 10  # histogram bins of 10 points: 0–10 … 90–100, with 100 in the last


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


