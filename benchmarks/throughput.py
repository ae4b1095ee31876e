"""How fast assess grades, against baselines measured in the same run on the same machine.

    python benchmarks/throughput.py [--submissions 40] [--suites tiny,real] [--json PATH]
    python benchmarks/throughput.py --out-of-process-since REV [--copies 3] [--json PATH]

For each suite it grades the same submissions four ways and prints wall time, submissions per
minute, machine-wide CPU seconds per submission, and ratios against (a):

  (a) naive: one `docker run --rm` per submission, one at a time. The docker CLI is used here
      on purpose: it is the baseline the issue names, not how assess runs sandboxes (assess
      only uses the SDK). Same image, same mounts, same pytest command; no hardening, no
      grading, no reports.
  (b) the same naive loop at its best concurrency (1 to 4 at once).
  (c) `assess batch --jobs 1` (run_batch in-process: ingest, hardened sandbox, grading,
      reports, database).
  (d) `assess batch` with its default jobs.

It also prints the latency of one submission, from "submission ready" to "result written"
(grade_submission on the tiny suite), against running the same pytest command in a container
that is already running (docker exec), the floor of any container-per-submission design.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from runner.batch import BatchItem, default_jobs, run_batch
from runner.harness import Harness, prepare_harness
from runner.images import ensure_image
from runner.pipeline import grade_in_slot, grade_submission, open_slot
from runner.sandbox import BindMount, Engine, ImageRef
from runner.spec import Challenge, find_challenges, load_challenge

TINY = REPO / "tests" / "fixtures" / "challenges" / "tiny"
# The grader's bootstrap without its wait for "go": what a naive runner would start with.
_NAIVE_BOOTSTRAP = "import sys; sys.path.append('/submission'); import pytest; raise SystemExit(pytest.main(sys.argv[1:]))"


def naive_pytest(harness: Harness) -> list[str]:
    """The harness's pytest command, started directly, with the report path on its command line."""
    return ["python", "-I", "-B", "-c", _NAIVE_BOOTSTRAP, *harness.command[4:],
            "--junitxml", f"/grader/out/{harness.junit_path.name}"]
_CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Figure:
    suite: str
    mode: str
    submissions: int
    wall_seconds: float
    per_minute: float
    cpu_seconds_per_submission: float
    ratio_vs_naive: float = 0.0


def busy_cpu_seconds() -> float:
    """CPU time used by the whole machine (dockerd, runc and the containers included)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _CLK_TCK


def measure(suite: str, mode: str, count: int, run: Callable[[], None]) -> Figure:
    cpu, wall = busy_cpu_seconds(), time.perf_counter()
    run()
    wall = time.perf_counter() - wall
    cpu = busy_cpu_seconds() - cpu
    figure = Figure(suite, mode, count, round(wall, 2), round(60 * count / wall, 1), round(cpu / count, 3))
    print(f"  {mode:<34} {figure.wall_seconds:7.2f} s  {figure.per_minute:7.1f}/min  "
          f"{figure.cpu_seconds_per_submission:6.3f} CPU-s/submission", flush=True)
    return figure


# -- the submissions ------------------------------------------------------------------------


def tiny_submissions(count: int, root: Path) -> tuple[Challenge, list[BatchItem]]:
    """Correct, partial and wrong solutions of the tiny challenge, cycled to ``count``."""
    challenge = load_challenge(TINY)
    kinds = [challenge.reference, challenge.starter, *sorted(p for p in challenge.wrong.iterdir())]
    items = []
    for i in range(count):
        target = root / f"tiny-{i:03d}"
        shutil.copytree(challenge.reference, target)
        kind = kinds[i % len(kinds)]
        if kind != challenge.reference:
            shutil.copytree(kind, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("MISTAKE.md"))
        items.append(BatchItem(candidate=target.name, source=str(target)))
    return challenge, items


def real_submissions(challenge: Challenge, root: Path) -> list[BatchItem]:
    """The reference and the starter of a bundled challenge."""
    return [BatchItem(candidate=f"{challenge.id}-{name}", source=str(getattr(challenge, name)))
            for name in ("reference", "starter")]


# -- the four ways ------------------------------------------------------------------------


@dataclass
class NaiveRun:
    """One submission the naive way: `docker run --rm` of pytest (for a service challenge,
    next to a detached `docker run` of the service, removed afterwards)."""

    tests: list[str]
    report: Path
    service: list[str] | None = None

    def run(self) -> bool:
        if self.service is None:
            _quietly(self.tests)
            return self.wrote_report()
        started = subprocess.run(self.service, capture_output=True, text=True, check=False)
        service_id = started.stdout.strip()
        try:
            _quietly([arg.replace("{service}", service_id) for arg in self.tests])
        finally:
            _quietly(["docker", "rm", "-f", service_id])
        return self.wrote_report()

    def wrote_report(self) -> bool:
        return self.report.is_file() and self.report.stat().st_size > 0  # it is created empty


def _quietly(command: list[str]) -> None:
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def naive_commands(challenge: Challenge, items: list[BatchItem], image: ImageRef,
                   work: Path) -> list[NaiveRun]:
    """One `docker run --rm` per submission, with the JUnit path it must write."""
    runs = []
    for item in items:
        harness = prepare_harness(challenge, work / item.candidate)
        shutil.copytree(item.source, harness.submission, dirs_exist_ok=True)
        service = None
        network = "none"
        if harness.service is not None:
            service = ["docker", "run", "-d", "--network", "none", "--user", "10001:10001",
                       *_docker_args(harness.service.mounts, harness.service.environment),
                       image.id, *harness.service.command[4:]]  # without the launcher's wait
            network = "container:{service}"
        command = ["docker", "run", "--rm", "--network", network, "--user", "10001:10001",
                   *_docker_args(harness.mounts, harness.environment), image.id, *naive_pytest(harness)]
        runs.append(NaiveRun(command, harness.junit_path, service))
    return runs


def _docker_args(mounts: list[BindMount], environment: dict[str, str]) -> list[str]:
    volumes = [f"{m.source}:{m.target}:{'ro' if m.read_only else 'rw'}" for m in mounts]
    return [*[arg for key, value in environment.items() for arg in ("-e", f"{key}={value}")],
            *[arg for v in volumes for arg in ("-v", v)]]


def run_naive(runs: list[NaiveRun], concurrency: int) -> None:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        written = sum(pool.map(NaiveRun.run, runs))
    # A baseline that failed to start would look fast: it must have run every suite.
    if written != len(runs):
        raise SystemExit(f"naive baseline broken: {len(runs) - written} runs wrote no JUnit report")


def bench_suite(suite: str, challenge_items: list[tuple[Challenge, list[BatchItem]]], engine: Engine,
                work: Path) -> list[Figure]:
    count = sum(len(items) for _, items in challenge_items)
    images = {c.id: ensure_image(engine, c.spec.image) for c, _ in challenge_items}
    print(f"\n{suite}: {count} submissions", flush=True)

    # Like a batch, the naive loop grades one challenge's submissions at a time.
    def naive(concurrency: int) -> Callable[[], None]:
        def go() -> None:
            with tempfile.TemporaryDirectory(dir=work) as tmp:
                for c, items in challenge_items:
                    run_naive(naive_commands(c, items, images[c.id], Path(tmp) / c.id), concurrency)
        return go

    def batch(jobs: int | None) -> Callable[[], None]:
        def go() -> None:
            with tempfile.TemporaryDirectory(dir=work) as tmp:
                for c, items in challenge_items:
                    run_batch(challenge=c, items=items, out_dir=Path(tmp) / c.id,
                              jobs=jobs or default_jobs(c.spec.limits))
        return go

    figures = [measure(suite, "(a) naive docker run --rm, 1 at once", count, naive(1))]
    best = None
    for concurrency in (2, 3, 4):
        figure = measure(suite, f"(b) naive, {concurrency} at once", count, naive(concurrency))
        figures.append(figure)
        if best is None or figure.wall_seconds < best.wall_seconds:
            best = figure
    assert best is not None
    best.mode = best.mode + "  <- best"
    figures.append(measure(suite, "(c) assess batch --jobs 1", count, batch(1)))
    default = default_jobs(challenge_items[0][0].spec.limits)
    figures.append(measure(suite, f"(d) assess batch (default: {default} jobs)", count, batch(None)))
    naive_wall = figures[0].wall_seconds
    for figure in figures:
        figure.ratio_vs_naive = round(naive_wall / figure.wall_seconds, 2)
    d = figures[-1]
    print(f"  ratios vs (a): (b) {best.ratio_vs_naive}x  (c) {figures[-2].ratio_vs_naive}x  "
          f"(d) {d.ratio_vs_naive}x;  (d) vs (b): {round(best.wall_seconds / d.wall_seconds, 2)}x")
    return figures


def bench_latency(engine: Engine, work: Path, repeats: int = 7) -> dict[str, float]:
    """One tiny submission: ready -> result written, against pytest in a running container."""
    challenge = load_challenge(TINY)
    image = ensure_image(engine, challenge.spec.image)
    cold, warm_slot = [], []
    for i in range(repeats):
        began = time.perf_counter()
        grade_submission(challenge=challenge, source=str(challenge.reference), out_dir=work / f"cold-{i}",
                         engine=engine, image=image)
        cold.append(time.perf_counter() - began)
        # As in a batch: the sandbox was started ahead and is waiting when the submission is ready.
        slot = open_slot(challenge, engine, image, work / f"slot-{i}")
        time.sleep(1.0)
        began = time.perf_counter()
        grade_in_slot(challenge=challenge, source=str(challenge.reference), out_dir=work / f"warm-{i}",
                      slot=slot, image=image)
        warm_slot.append(time.perf_counter() - began)
    harness = prepare_harness(challenge, work / "warm")
    shutil.copytree(challenge.reference, harness.submission, dirs_exist_ok=True)
    volumes = {str(m.source): {"bind": m.target, "mode": "ro" if m.read_only else "rw"} for m in harness.mounts}
    container = engine._client.containers.run(
        image.id, ["sleep", "3600"], detach=True, remove=True, network_mode="none", user="10001:10001",
        volumes=volumes, labels={"io.assess.project": "benchmark"})
    try:
        warm = []
        for _ in range(repeats):
            began = time.perf_counter()
            container.exec_run(naive_pytest(harness), workdir="/tmp", environment=harness.environment)
            warm.append(time.perf_counter() - began)
    finally:
        container.kill()
    result = {"assess_run_cold_median_seconds": round(statistics.median(cold), 3),
              "assess_started_ahead_median_seconds": round(statistics.median(warm_slot), 3),
              "pytest_in_running_container_median_seconds": round(statistics.median(warm), 3)}
    print(f"\nlatency, one tiny submission, ready -> result written (median of {repeats}):\n"
          f"  assess, sandbox started ahead (as in a batch)   {result['assess_started_ahead_median_seconds']} s\n"
          f"  assess run, cold (sandbox starts with the run)  {result['assess_run_cold_median_seconds']} s\n"
          f"  pytest alone in an already-running container    {result['pytest_in_running_container_median_seconds']} s")
    return result


def challenges_at(revision: str, root: Path) -> dict[str, Challenge]:
    """The bundled challenges as they were at ``revision`` (git archive of challenges/)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "challenges"],
                             capture_output=True, check=True).stdout
    root.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return {c.id: c for c in find_challenges(root / "challenges")}


@dataclass
class MoveCost:
    challenge: str
    before_per_minute: float
    now_per_minute: float

    @property
    def change_percent(self) -> float:
        return round(100 * (self.now_per_minute / self.before_per_minute - 1), 1)


def bench_out_of_process(revision: str, engine: Engine, work: Path, copies: int) -> list[MoveCost]:
    """Each bundled challenge graded as it was at ``revision`` and as it is now, by the same
    runner, on the same submissions (``copies`` of its reference and of its starter), in
    alternation: what running the candidate's code in a container of its own costs."""
    before = challenges_at(revision, work / "before")
    now = {c.id: c for c in find_challenges(REPO / "challenges")}
    rows = []
    print(f"\nout of process: each challenge as at {revision} and now, {2 * copies} submissions, "
          "default jobs, the better of 2 runs each", flush=True)
    for challenge_id in sorted(set(before) & set(now)):
        old, new = before[challenge_id], now[challenge_id]
        if (old.spec.service is None) == (new.spec.service is None):
            continue  # nothing changed in how it runs
        ensure_image(engine, new.spec.image)
        items = [BatchItem(candidate=f"{kind}-{i}", source=str(getattr(new, kind)))
                 for kind in ("reference", "starter") for i in range(copies)]
        walls: dict[str, list[float]] = {"before": [], "now": []}
        for _ in range(2):
            for label, challenge in (("before", old), ("now", new)):
                with tempfile.TemporaryDirectory(dir=work) as tmp:
                    began = time.perf_counter()
                    run_batch(challenge=challenge, items=items, out_dir=Path(tmp),
                              jobs=default_jobs(challenge.spec.limits))
                    walls[label].append(time.perf_counter() - began)
        row = MoveCost(challenge_id, *(round(60 * len(items) / min(walls[k]), 1) for k in ("before", "now")))
        rows.append(row)
        print(f"  {challenge_id:<20} before {row.before_per_minute:>6}/min   now {row.now_per_minute:>6}/min   "
              f"{row.change_percent:+.1f}%", flush=True)
    if rows:
        # A mixed cohort: the same number of submissions of each challenge.
        minutes_before = sum(1 / r.before_per_minute for r in rows)
        minutes_now = sum(1 / r.now_per_minute for r in rows)
        print(f"  a cohort with as many of each: {100 * (minutes_before / minutes_now - 1):+.1f}% throughput")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40, help="tiny-suite submissions (default 40)")
    parser.add_argument("--suites", default="tiny,real", help="tiny, real or both (default both)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--out-of-process-since", metavar="REV",
                        help="instead: the cost of each challenge's move out of process since git REV")
    parser.add_argument("--copies", type=int, default=3, help="with --out-of-process-since: copies of "
                        "each reference and starter (default 3)")
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.platform()}")
    engine = Engine.connect()
    if args.out_of_process_since:
        with tempfile.TemporaryDirectory(prefix="assess-bench-") as tmp:
            rows = bench_out_of_process(args.out_of_process_since, engine, Path(tmp), args.copies)
        engine.close()
        if args.json:
            args.json.write_text(json.dumps({"out_of_process": [{**asdict(r), "change_percent": r.change_percent}
                                                                for r in rows]}, indent=2))
        return
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="assess-bench-") as tmp:
        work = Path(tmp)
        suites = args.suites.split(",")
        if "tiny" in suites:
            (work / "tiny").mkdir()
            figures += bench_suite("tiny suite", [tiny_submissions(args.submissions, work / "tiny")], engine, work)
        if "real" in suites:
            pairs = [(c, real_submissions(c, work)) for c in find_challenges(REPO / "challenges")]
            figures += bench_suite("real suites (reference + starter of each bundled challenge)", pairs,
                                   engine, work)
        latency = bench_latency(engine, work)
    engine.close()
    if args.json:
        args.json.write_text(json.dumps({"figures": [asdict(f) for f in figures], "latency": latency}, indent=2))


if __name__ == "__main__":
    main()
