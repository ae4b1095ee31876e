"""`assess batch`: a cohort graded in parallel, resumable after any interruption."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.batch import BatchItem, read_submissions
from runner.cli import cli
from runner.errors import SubmissionError
from runner.results import Result
from runner.sandbox import Engine, ImageRef
from runner.store import DB_FILE, Store
from tests.conftest import SUBMISSIONS, TINY, tiny_challenge_with

# --- the list of submissions ---------------------------------------------------------------


def test_folder_of_submissions_takes_folders_and_archives(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "bob.tar.gz").write_bytes(b"")
    (tmp_path / "carol.zip").write_bytes(b"")
    (tmp_path / ".DS_Store").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a submission")
    assert read_submissions(tmp_path) == [
        BatchItem("alice", str(tmp_path / "alice")),
        BatchItem("bob", str(tmp_path / "bob.tar.gz")),
        BatchItem("carol", str(tmp_path / "carol.zip")),
    ]


def test_csv_and_json_lists_resolve_relative_paths_and_keep_urls(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("candidate,source\nalice,subs/alice\nbob,https://git.example/bob.git@v1\n")
    (tmp_path / "list.json").write_text(json.dumps([{"candidate": "alice", "source": "subs/alice"},
                                                     {"candidate": "bob", "source": "https://git.example/bob.git@v1"}]))
    expected = [BatchItem("alice", str(tmp_path / "subs" / "alice")),
                BatchItem("bob", "https://git.example/bob.git@v1")]
    assert read_submissions(tmp_path / "list.csv") == expected
    assert read_submissions(tmp_path / "list.json") == expected


@pytest.mark.parametrize(("content", "message"), [
    ("candidate,source\nalice,a\nalice,b\n", "candidate 'alice' appears twice"),
    ("candidate,source\n../evil,a\n", "candidate id '../evil' is not a safe name"),
    ("name,path\nalice,a\n", "the header must name the columns candidate and source"),
    ("candidate,source\n", "no submissions found"),
])
def test_bad_lists_are_refused_with_a_reason(tmp_path: Path, content: str, message: str) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(content)
    with pytest.raises(SubmissionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_submissions(listing)


# --- the store ----------------------------------------------------------------------------------

def a_result(percent: float) -> Result:
    return Result.model_validate({
        "runner_version": "test", "challenge": {"id": "tiny", "title": "Tiny"},
        "submission": {"source": "x", "kind": "directory"}, "status": "graded", "score": percent,
        "max_score": 100, "percent": percent, "categories": [], "tests": [], "flags": [],
        "timings": {}, "started_at": "2026-01-01T00:00:00+00:00", "finished_at": "2026-01-01T00:00:01+00:00"})


def test_store_keeps_one_current_result_and_the_history(tmp_path: Path) -> None:
    store = Store(tmp_path / DB_FILE, challenge_id="tiny")
    store.record("alice", "a", None, "engine hiccup")
    assert store.done() == set()  # an infrastructure failure is retried
    store.record("alice", "a", a_result(40))
    assert store.done() == {"alice"}
    store.start_generation()
    assert store.done() == set()  # regrading: the old result no longer counts as done
    store.record("alice", "a", a_result(90))
    [current] = store.current()
    assert current.result is not None and current.result.percent == 90
    assert [s.result.percent if s.result else None for s in store.history("alice")] == [None, 40, 90]
    store.close()


def test_store_refuses_a_batch_of_another_challenge(tmp_path: Path) -> None:
    Store(tmp_path / DB_FILE, challenge_id="tiny").close()
    with pytest.raises(ValueError, match="holds a batch of challenge 'tiny', not 'rest-api'"):
        Store(tmp_path / DB_FILE, challenge_id="rest-api")


# --- real batches --------------------------------------------------------------------------------

def mixed_submissions(tmp_path: Path) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("tiny-correct", "tiny-partial", "tiny-exit-at-import"):
        shutil.copytree(SUBMISSIONS / name, folder / name)
    with tarfile.open(folder / "packed.tgz", "w:gz") as tar:
        tar.add(SUBMISSIONS / "tiny-correct", arcname="solution")
    (folder / "hostile.tgz").write_bytes(b"\x1f\x8b not really gzip")
    return folder


def percents(out: Path) -> dict[str, float | None]:
    with sqlite3.connect(out / DB_FILE) as db:
        return dict(db.execute("SELECT candidate, percent FROM results WHERE current = 1"))


@pytest.mark.docker
def test_batch_grades_everyone_refuses_the_hostile_one_and_resumes_idempotently(tmp_path: Path) -> None:
    folder = mixed_submissions(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(TINY), str(folder), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "5 graded now, 0 already done, 0 not graded" in result.output
    assert percents(out) == {"tiny-correct": 100, "tiny-partial": 70, "tiny-exit-at-import": 0,
                             "packed": 100, "hostile": 0}
    hostile = Result.read(out / "results" / "hostile" / "result.json")
    assert [f.code for f in hostile.flags] == ["refused-submission"]
    assert {p.name for p in out.iterdir()} >= {"assess.db", "cohort.html", "cohort.csv", "cohort.json"}

    again = CliRunner().invoke(cli, ["batch", str(TINY), str(folder), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "0 graded now, 5 already done" in again.output

    regraded = CliRunner().invoke(cli, ["batch", str(TINY), str(folder), "--out", str(out), "--regrade"])
    assert "5 graded now, 0 already done" in regraded.output
    with sqlite3.connect(out / DB_FILE) as db:
        assert db.execute("SELECT COUNT(*), SUM(current) FROM results").fetchone() == (10, 5)


@pytest.mark.docker
def test_kill_9_halfway_then_rerun_gives_the_totals_of_an_uninterrupted_run(tmp_path: Path, engine: Engine) -> None:
    challenge = tiny_challenge_with(tmp_path, test_timeout_seconds=3)
    folder = tmp_path / "submissions"
    folder.mkdir()
    kinds = ["tiny-correct", "tiny-partial", "tiny-hang", "tiny-exit-at-import"]
    for i in range(8):
        shutil.copytree(SUBMISSIONS / kinds[i % len(kinds)], folder / f"cand{i}")
    command = [sys.executable, "-m", "runner.cli", "batch", str(challenge), str(folder), "--jobs", "1"]

    killed = subprocess.Popen([*command, "--out", str(tmp_path / "killed")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (tmp_path / "killed" / DB_FILE).exists() and len(percents(tmp_path / "killed")) >= 3:
            break
        time.sleep(0.2)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    interrupted_at = len(percents(tmp_path / "killed"))
    assert 3 <= interrupted_at < 8

    resumed = subprocess.run([*command, "--out", str(tmp_path / "killed")], capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "already done" in resumed.stdout
    straight = subprocess.run([*command, "--out", str(tmp_path / "straight")], capture_output=True, text=True, check=False)
    assert straight.returncode == 0, straight.stderr

    assert percents(tmp_path / "killed") == percents(tmp_path / "straight")
    with sqlite3.connect(tmp_path / "killed" / DB_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (8,)  # nothing graded twice
    # The killed run's sandbox was an orphan; the resumed batch removed it.
    assert engine.project_containers(owner_pid=killed.pid) == []


@pytest.mark.docker
def test_forty_mixed_submissions_get_the_results_they_get_alone(tmp_path: Path, engine: Engine) -> None:
    from runner.pipeline import grade_submission
    from runner.spec import load_challenge

    challenge = load_challenge(TINY)
    kinds: dict[str, Path] = {"correct": SUBMISSIONS / "tiny-correct", "partial": SUBMISSIONS / "tiny-partial",
                              "broken": SUBMISSIONS / "tiny-exit-at-import", "starter": challenge.starter}
    for wrong in sorted(challenge.wrong.iterdir()):
        tree = tmp_path / "wrong" / wrong.name
        shutil.copytree(challenge.reference, tree)
        shutil.copytree(wrong, tree, dirs_exist_ok=True)
        kinds[f"wrong-{wrong.name}"] = tree
    alone = {kind: grade_submission(challenge=challenge, source=str(path), out_dir=tmp_path / "alone" / kind,
                                    engine=engine).percent for kind, path in kinds.items()}

    folder = tmp_path / "cohort"
    folder.mkdir()
    expected: dict[str, float | None] = {}
    names = sorted(kinds)
    for i in range(36):
        kind = names[i % len(names)]
        shutil.copytree(kinds[kind], folder / f"c{i:02d}-{kind}")
        expected[f"c{i:02d}-{kind}"] = alone[kind]
    for i in range(4):  # hostile: refused before anything runs, graded 0 with a flag
        with tarfile.open(folder / f"h{i}-hostile.tgz", "w:gz") as tar:
            escape = tarfile.TarInfo("../../escape.py")
            escape.size = 1
            tar.addfile(escape, io.BytesIO(b"x"))
        expected[f"h{i}-hostile"] = 0

    result = CliRunner().invoke(cli, ["batch", str(TINY), str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "40 graded now" in result.output
    assert percents(tmp_path / "out") == expected
    assert not list(tmp_path.rglob("escape.py"))


@pytest.mark.docker
def test_ctrl_c_stops_a_batch_and_leaves_no_sandbox(tmp_path: Path, engine: Engine) -> None:
    challenge = tiny_challenge_with(tmp_path, test_timeout_seconds=60, timeout_seconds=120)
    folder = tmp_path / "submissions"
    folder.mkdir()
    for i in range(6):
        shutil.copytree(SUBMISSIONS / "tiny-hang", folder / f"hang{i}")
    process = subprocess.Popen(
        [sys.executable, "-m", "runner.cli", "batch", str(challenge), str(folder), "--out", str(tmp_path / "out"),
         "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while len(engine.project_containers(owner_pid=process.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(engine.project_containers(owner_pid=process.pid)) >= 3  # 2 running, warm ones waiting
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert output.strip().endswith(b"Error: interrupted")
    assert engine.project_containers(owner_pid=process.pid) == []


@pytest.fixture
def holders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The network holders the batch starts, as it starts them."""
    started: list[str] = []
    hold_network = Engine.hold_network

    def counted(self: Engine, image: ImageRef) -> str:
        started.append(hold_network(self, image))
        return started[-1]

    monkeypatch.setattr(Engine, "hold_network", counted)
    return started


# Each of these submissions first checks that nothing listens on a loopback port, then leaves
# a detached listener there that outlives its own test run, then checks it can reach it. The
# solution only works if the first check was refused and the last one answered.
_LISTENER_SUBMISSION = '''\
import os, socket, time

PORT = 47654


def _reachable():
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
        return True
    except OSError:
        return False


_inherited = _reachable()
if os.fork() == 0:  # a listener detached from the test run, meant to outlive it
    os.setsid()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", PORT))
    server.listen()
    while True:
        server.accept()
for _ in range(100):
    if _reachable():
        break
    time.sleep(0.05)
else:
    raise RuntimeError("the listener never came up: this check could not tell anything")
_SOUND = not _inherited
'''


@pytest.mark.docker
def test_a_submission_never_reaches_what_an_earlier_one_left_in_its_network(
        tmp_path: Path, holders: list[str]) -> None:
    """Batches reuse network namespaces, one sandbox at a time: a listener left behind by one
    submission must be gone for the next one in the same namespace."""
    reference = (TINY / "reference" / "solution.py").read_text()
    starter = (TINY / "starter" / "solution.py").read_text()
    subs = tmp_path / "subs"
    count = 9  # with one job, enough for the batch to reuse namespaces (see runner/slotpool.py)
    for i in range(count):
        (subs / f"c{i}").mkdir(parents=True)
        (subs / f"c{i}" / "solution.py").write_text(
            _LISTENER_SUBMISSION + "if _SOUND:\n" + _indent(reference) + "else:\n" + _indent(starter))
    result = CliRunner().invoke(cli, ["batch", str(TINY), str(subs), "--out", str(tmp_path / "out"),
                                      "--jobs", "1"])
    assert result.exit_code == 0, result.output
    percents = {Result.read(tmp_path / "out" / "results" / f"c{i}" / "result.json").percent
                for i in range(count)}
    assert percents == {100.0}
    assert 0 < len(holders) < count  # namespaces were reused


def _indent(source: str) -> str:
    return "".join(f"    {line}\n" for line in source.splitlines())


@pytest.mark.docker
def test_a_service_challenge_batch_reuses_namespaces_and_grades_each_alone(
        tmp_path: Path, holders: list[str]) -> None:
    """rest-api's app listens on the same port in every namespace it is lent: each
    submission must find it free and reach its own app."""
    rest_api = Path(__file__).resolve().parent.parent / "challenges" / "rest-api"
    subs = tmp_path / "subs"
    count = 9  # with one job, enough for the batch to reuse namespaces
    for i in range(count):
        shutil.copytree(rest_api / ("reference" if i % 3 else "starter"), subs / f"c{i}")
    result = CliRunner().invoke(cli, ["batch", str(rest_api), str(subs), "--out", str(tmp_path / "out"),
                                      "--jobs", "1"])
    assert result.exit_code == 0, result.output
    percents = [Result.read(tmp_path / "out" / "results" / f"c{i}" / "result.json").percent for i in range(count)]
    assert percents == [0.0 if i % 3 == 0 else 100.0 for i in range(count)]
    assert 0 < len(holders) < count
