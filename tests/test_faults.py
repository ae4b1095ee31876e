"""Engine faults are infrastructure failures, never a grade: with a real engine of the tests'
own (a second dockerd: its own socket, data root and exec root, the sandbox images loaded
into it), stopped or killed in the middle of a batch, and a batch killed with SIGKILL.

After each fault and a resumed run: no result lost, none counted twice, no correct submission
recorded below its score, nothing left behind on the engine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import docker
import pytest

from runner.images import ensure_base_image
from runner.results import Status
from runner.sandbox import PROJECT_LABEL, Engine, ImageRef
from runner.store import DB_FILE, Store
from tests.conftest import SUBMISSIONS, TINY

pytestmark = pytest.mark.docker

ASSESS = str(Path(sys.executable).with_name("assess"))
CANDIDATES = 8
# Each submission takes a while, so that a fault lands in the middle of the batch.
SLOW_CORRECT = (SUBMISSIONS / "tiny-correct" / "solution.py").read_text() + "\nimport time\ntime.sleep(1.5)\n"


class SpareEngine:
    """A dockerd of the tests' own, beside the machine's."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "d.sock"
        self.host = f"unix://{self.socket}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        r = self.root
        self._stop_orphaned_containerd()
        with (r / "dockerd.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["dockerd", "--host", self.host, "--data-root", str(r / "data"), "--exec-root", str(r / "x"),
                 "--pidfile", str(r / "d.pid"), "--bridge", "none", "--iptables=false", "--ip-masq=false"],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                # Probed by hand first: the SDK leaks its socket when a unix socket refuses.
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(self.socket))
                with closing(docker.DockerClient(base_url=self.host, timeout=5)) as client:
                    client.ping()
                return
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(f"the spare dockerd did not start: {(r / 'dockerd.log').read_text()[-2000:]}")
                time.sleep(0.2)

    def _stop_orphaned_containerd(self) -> None:
        """A dockerd killed with SIGKILL leaves its containerd running, as after a crash; the
        service manager that restarts the engine stops it first, and so do we."""
        pidfile = self.root / "x" / "containerd" / "containerd.pid"
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(timeout=60)
        self.process = None

    def shut_down(self) -> None:
        """Stop everything of the spare engine's and remove its folders."""
        if self.process is not None:
            self.stop()
        self._stop_orphaned_containerd()
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
        for mount in sorted((m for m in mounts if m.startswith(f"{self.root}/")), reverse=True):
            subprocess.run(["umount", mount], check=False, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.host, timeout=60)

    def our_containers(self) -> list[str]:
        with closing(self.client()) as client:
            return [str(c.name) for c in client.containers.list(all=True, filters={"label": PROJECT_LABEL})]


@pytest.fixture(scope="module")
def spare(engine: Engine, python_image: ImageRef) -> Iterator[SpareEngine]:
    if shutil.which("dockerd") is None:
        pytest.fail("dockerd is not installed (scripts/ensure-docker.sh installs it)")
    # Short: a unix socket's path, under the exec root too, has a length limit.
    spare = SpareEngine(Path(tempfile.mkdtemp(prefix="asf-", dir="/tmp")))
    spare.start()
    try:
        main = docker.from_env(timeout=300)
        with closing(spare.client()) as client:
            for image in (ensure_base_image(engine), python_image):
                client.images.load(b"".join(main.images.get(image.id).save(named=True)))
        main.close()
        yield spare
    finally:
        try:
            if spare.process is None:
                spare.start()  # to clean up what a failed test left
            with closing(spare.client()) as client:
                for container in client.containers.list(all=True, filters={"label": PROJECT_LABEL}):
                    container.remove(force=True)
        finally:
            spare.shut_down()


def submissions(root: Path) -> Path:
    for i in range(CANDIDATES):
        (root / f"c{i}").mkdir(parents=True)
        (root / f"c{i}" / "solution.py").write_text(SLOW_CORRECT)
    return root


def start_batch(spare: SpareEngine, subs: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([ASSESS, "batch", str(TINY), str(subs), "--out", str(out), "--jobs", "2"],
                            env={**os.environ, "DOCKER_HOST": spare.host}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_results(out: Path, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(list((out / "results").glob("*/result.json"))) < at_least:
        assert time.monotonic() < deadline, "the batch recorded no result in time"
        time.sleep(0.1)


def stored(out: Path) -> dict[str, tuple[Status | None, float | None, str]]:
    store = Store(out / DB_FILE, challenge_id="tiny")
    try:
        return {s.candidate: (s.result.status if s.result else None, s.result.percent if s.result else None, s.error)
                for s in store.current()}
    finally:
        store.close()


def assert_all_graded_once_in_full(out: Path) -> None:
    store = Store(out / DB_FILE, challenge_id="tiny")
    try:
        current = store.current()
        history = [h for c in range(CANDIDATES) for h in store.history(f"c{c}") if h.result is not None]
    finally:
        store.close()
    assert sorted(s.candidate for s in current) == sorted(f"c{i}" for i in range(CANDIDATES))
    assert all(s.result is not None and (s.result.status, s.result.percent) == (Status.GRADED, 100)
               for s in current), [(s.candidate, s.result and s.result.percent, s.error) for s in current]
    # A grade is written once: no candidate has two results, and none below its score.
    assert len(history) == CANDIDATES, [(h.candidate, h.result and h.result.percent) for h in history]


@pytest.mark.parametrize("fault", [signal.SIGTERM, signal.SIGKILL], ids=["engine-stopped", "engine-killed"])
def test_engine_fault_mid_batch_stops_it_at_once_and_loses_no_grade(
        fault: int, spare: SpareEngine, tmp_path: Path) -> None:
    subs, out = submissions(tmp_path / "subs"), tmp_path / "out"
    batch = start_batch(spare, subs, out)
    wait_for_results(out, 1)
    spare.stop(fault)
    stopped_at = time.monotonic()
    try:
        _, stderr = batch.communicate(timeout=60)
    finally:
        batch.kill()
    took = time.monotonic() - stopped_at
    assert batch.returncode == 4, stderr
    assert "Error: the Docker engine stopped answering" in stderr, stderr
    assert len([line for line in stderr.splitlines() if line.startswith("Error:")]) == 1, stderr
    assert took < 20, f"the batch took {took:.1f} s to stop"
    # What was recorded is right: graded in full, or not graded (to be retried); never a 0.
    for candidate, (status, percent, error) in stored(out).items():
        assert (status, percent) in ((Status.GRADED, 100), (None, None)), (candidate, status, percent, error)

    spare.start()
    resumed = start_batch(spare, subs, out)
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    assert_all_graded_once_in_full(out)
    assert spare.our_containers() == []


def test_batch_killed_with_sigkill_resumes_cleanly(spare: SpareEngine, tmp_path: Path) -> None:
    subs, out = submissions(tmp_path / "subs"), tmp_path / "out"
    batch = start_batch(spare, subs, out)
    wait_for_results(out, 2)
    batch.send_signal(signal.SIGKILL)
    batch.communicate(timeout=60)

    resumed = start_batch(spare, subs, out)
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    assert "could not" not in stderr, stderr
    assert_all_graded_once_in_full(out)
    assert spare.our_containers() == []
