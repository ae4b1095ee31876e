"""Grade a cohort: many submissions in parallel, resumable through the batch database.

Workers grade; only the calling thread touches the database, one transaction per result,
after that result's files are written. Each worker owns its engine connection, and every
container still serves exactly one submission.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from runner.cohort import CohortEntry, render_cohort
from runner.errors import AssessError, EngineUnavailable, SubmissionError
from runner.images import ensure_image
from runner.pipeline import grade_in_slot, refused_result
from runner.results import ChallengeInfo, Result
from runner.sandbox import Engine, ImageRef
from runner.slotpool import PoolClosed, SlotPool
from runner.spec import Challenge, Limits
from runner.store import DB_FILE, Store

__all__ = ["BatchItem", "BatchSummary", "default_jobs", "read_submissions", "render_cohort_of", "run_batch"]

RESULTS_DIR = "results"
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


@dataclass(frozen=True)
class BatchItem:
    candidate: str
    source: str


@dataclass(frozen=True)
class BatchSummary:
    total: int
    already_done: int
    graded: int  # given a result in this run (graded, timeout, error or refused)
    failed: int  # the infrastructure failed: retried by the next run
    wall_seconds: float


# Called on the caller's thread: (candidate, result or None, error).
OnResult = Callable[[str, Result | None, str], None]


def read_submissions(path: Path) -> list[BatchItem]:
    """The submissions of a batch: a folder with one entry each (folder or archive), or a
    CSV (header ``candidate,source``) or JSON list of ``{"candidate", "source"}``.

    Relative sources in a list are relative to the list's folder; git URLs are kept as given.

    Raises:
        SubmissionError: unreadable list, missing columns, unsafe or duplicate candidate ids.
    """
    if path.is_dir():
        items = [BatchItem(candidate=_strip_archive_suffix(p.name), source=str(p))
                 for p in sorted(path.iterdir()) if not p.name.startswith(".")
                 if p.is_dir() or p.name.endswith(_ARCHIVE_SUFFIXES)]
    elif path.suffix.lower() in (".csv", ".json"):
        items = [BatchItem(candidate=c, source=_resolve(s, path.parent)) for c, s in _read_list(path)]
    else:
        raise SubmissionError(f"{path}: expected a folder of submissions, a .csv or a .json list")
    seen: set[str] = set()
    for item in items:
        if not _SAFE_ID.match(item.candidate) or item.candidate in (".", ".."):
            raise SubmissionError(f"{path}: candidate id {item.candidate!r} is not a safe name "
                                  "(letters, digits and . _ @ + -, at most 128)")
        if item.candidate in seen:
            raise SubmissionError(f"{path}: candidate {item.candidate!r} appears twice")
        seen.add(item.candidate)
    if not items:
        raise SubmissionError(f"{path}: no submissions found")
    return items


def default_jobs(limits: Limits) -> int:
    """As many sandboxes as the cores and the memory hold at the challenge's limits."""
    by_cpu = max(1, int((os.cpu_count() or 1) / max(limits.cpus, 0.5)))
    available = _available_memory_mb()
    by_memory = max(1, available // limits.memory_mb) if available else by_cpu
    return max(1, min(by_cpu, by_memory))


def run_batch(*, challenge: Challenge, items: list[BatchItem], out_dir: Path, jobs: int,
              regrade: bool = False, on_start: Callable[[int, int], None] = lambda total, done: None,
              on_result: OnResult = lambda candidate, result, error: None) -> BatchSummary:
    """Grade every item not yet graded in this batch's current generation.

    Raises:
        EngineUnavailable, ImageBuildError: the infrastructure failed; finished results are kept.
        KeyboardInterrupt: after the running sandboxes were removed; finished results are kept.
    """
    began = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    store = Store(out_dir / DB_FILE, challenge_id=challenge.id)
    try:
        if regrade:
            store.start_generation()
        done = store.done()
        pending = [item for item in items if item.candidate not in done]
        on_start(len(items), len(items) - len(pending))
        graded = failed = 0
        if pending:
            engine = Engine.connect()
            try:
                engine.remove_orphans()  # left by an earlier batch that was killed
                image = ensure_image(engine, challenge.spec.image)
            finally:
                engine.close()
            # closing(): an interrupt between two results still stops the workers at once.
            with closing(_grade_all(challenge, pending, out_dir, image, jobs)) as results:
                for item, result, error in results:
                    store.record(item.candidate, item.source, result, error)
                    graded += result is not None
                    failed += result is None
                    on_result(item.candidate, result, error)
        return BatchSummary(total=len(items), already_done=len(items) - len(pending), graded=graded,
                            failed=failed, wall_seconds=time.monotonic() - began)
    finally:
        store.close()


def render_cohort_of(challenge: Challenge, out_dir: Path, *, wall_seconds: float | None = None) -> list[Path]:
    """Write the cohort report and exports from the batch database in ``out_dir``."""
    store = Store(out_dir / DB_FILE, challenge_id=challenge.id)
    try:
        entries = [
            CohortEntry(candidate=s.candidate, source=s.source, result=s.result, error=s.error,
                        report_path=f"{RESULTS_DIR}/{s.candidate}/report.html" if s.result else "")
            for s in store.current()
        ]
    finally:
        store.close()
    return render_cohort(entries, out_dir, challenge=ChallengeInfo(id=challenge.id, title=challenge.spec.title),
                         wall_seconds=wall_seconds)


def _grade_all(challenge: Challenge, pending: list[BatchItem], out_dir: Path, image: ImageRef,
               jobs: int) -> Generator[tuple[BatchItem, Result | None, str], None, None]:
    """Results in completion order, as the workers finish them."""
    stopping = threading.Event()
    work = Path(tempfile.mkdtemp(prefix="assess-batch-"))
    slots = SlotPool(challenge=challenge, image=image, size=jobs, total=len(pending), root=work)

    def grade_one(item: BatchItem) -> tuple[BatchItem, Result | None, str]:
        if stopping.is_set():
            raise _Cancelled
        target = out_dir / RESULTS_DIR / item.candidate
        try:
            try:
                slot = slots.take()
            except PoolClosed:
                raise _Cancelled from None
            try:
                return item, grade_in_slot(challenge=challenge, source=item.source, out_dir=target,
                                           slot=slot, image=image), ""
            finally:
                slots.release(slot)
        except SubmissionError as e:
            return item, refused_result(challenge=challenge, source=item.source, detail=e.detail,
                                        out_dir=target), ""
        except (EngineUnavailable, _Cancelled):
            raise  # every other submission would fail the same way, or the batch is stopping
        except AssessError as e:
            return item, None, e.detail
        except Exception as e:  # noqa: BLE001 - a bug hit by one submission must not stop the batch
            return item, None, f"internal error: {e.__class__.__name__}: {e}"

    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="assess-batch")
    futures: set[Future[tuple[BatchItem, Result | None, str]]] = {pool.submit(grade_one, i) for i in pending}
    try:
        while futures:
            finished, futures = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    yield future.result()
                except _Cancelled:
                    continue
    except BaseException:
        # Ctrl-C or a fatal error: stop taking work, and free the workers blocked on
        # running sandboxes by removing those containers; finished results are stored.
        stopping.set()
        for future in futures:
            future.cancel()
        _sweep_own_containers()
        raise
    finally:
        slots.close()  # first: a worker waiting for a slot then gives up instead of waiting forever
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(work, ignore_errors=True)


def _sweep_own_containers() -> None:
    """Remove this process's containers, if the engine still answers; the error that stopped
    the batch, not this sweep's, is the one to report."""
    try:
        cleaner = Engine.connect()
    except AssessError:
        return  # the engine is gone: what it ran is left labelled for the next run's sweep
    try:
        cleaner.remove_orphans(owner_pid=os.getpid())
    except Exception:  # noqa: BLE001, S110 - same: best effort on the way out
        pass
    finally:
        cleaner.close()


class _Cancelled(Exception):
    """A queued submission that was not started because the batch is stopping."""


def _read_list(path: Path) -> list[tuple[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SubmissionError(f"{path}: cannot read: {e}") from None
    try:
        if path.suffix.lower() == ".json":
            rows = json.loads(text)
            if not isinstance(rows, list):
                raise ValueError("expected a list")
            return [(str(r["candidate"]), str(r["source"])) for r in rows]
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or not {"candidate", "source"} <= set(reader.fieldnames):
            raise ValueError("the header must name the columns candidate and source")
        return [(r["candidate"].strip(), r["source"].strip()) for r in reader]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise SubmissionError(f"{path}: {e.__class__.__name__}: {e}") from None


def _resolve(source: str, base: Path) -> str:
    if "://" in source or re.match(r"^[\w.-]+@[\w.-]+:", source) or Path(source).is_absolute():
        return source
    return str(base / source)


def _strip_archive_suffix(name: str) -> str:
    for suffix in sorted(_ARCHIVE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _available_memory_mb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
