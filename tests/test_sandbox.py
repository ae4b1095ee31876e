"""Each sandbox guarantee, shown by a real container that tries to break it."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from runner.sandbox import BindMount, Engine, ImageRef, RunOutcome, RunRequest
from runner.spec import Limits

pytestmark = pytest.mark.docker


def run_python(engine: Engine, image: ImageRef, code: str, *, mounts: list[BindMount] | None = None,
               **limits: float) -> RunOutcome:
    return engine.run(RunRequest(image=image, command=["python", "-c", textwrap.dedent(code)],
                                 limits=Limits(**limits), mounts=mounts or []))


def text(outcome: RunOutcome) -> str:
    return outcome.output.decode(errors="replace")


def test_runs_as_non_root_without_capabilities_or_privilege_gain(engine: Engine, python_image: ImageRef) -> None:
    outcome = run_python(engine, python_image, """
        import os
        status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
        print("uid", os.getuid(), "gid", os.getgid())
        print("CapEff", status["CapEff"].strip(), "CapBnd", status["CapBnd"].strip())
        print("NoNewPrivs", status["NoNewPrivs"].strip())
    """)
    out = text(outcome)
    assert outcome.exit_code == 0, out
    assert "uid 10001 gid 10001" in out
    assert "CapEff 0000000000000000 CapBnd 0000000000000000" in out
    assert "NoNewPrivs 1" in out


def test_socket_connect_fails_for_lack_of_network(engine: Engine, python_image: ImageRef) -> None:
    outcome = run_python(engine, python_image, """
        import os, socket
        print("interfaces", sorted(os.listdir("/sys/class/net")))
        try:
            socket.create_connection(("1.1.1.1", 53), timeout=3)
            print("CONNECTED")
        except OSError as e:
            print("refused", e.errno)
    """)
    out = text(outcome)
    assert "interfaces ['lo']" in out
    assert "refused 101" in out  # ENETUNREACH: there is no route at all
    assert "CONNECTED" not in out


def test_writes_outside_tmpfs_fail_and_tmpfs_is_capped(engine: Engine, python_image: ImageRef, tmp_path: Path) -> None:
    (tmp_path / "code.py").write_text("x = 1\n")
    tmp_path.chmod(0o755)
    outcome = run_python(engine, python_image, """
        for path in ["/etc/evil", "/usr/lib/evil", "/submission/evil", "/evil"]:
            try:
                open(path, "w").write("x")
                print("WROTE", path)
            except OSError as e:
                print("denied", path, e.errno)
        open("/tmp/fine", "w").write("ok")
        print("tmp ok")
        try:
            with open("/tmp/fill", "wb") as f:
                for _ in range(64):
                    f.write(b"\\0" * 2**20)
            print("FILLED")
        except OSError as e:
            print("scratch full", e.errno)
    """, mounts=[BindMount(source=tmp_path, target="/submission")], scratch_mb=16, file_mb=128)
    out = text(outcome)
    assert "WROTE" not in out
    for path in ["/etc/evil", "/usr/lib/evil", "/submission/evil", "/evil"]:
        assert f"denied {path} 30" in out  # EROFS
    assert "tmp ok" in out
    assert "scratch full 28" in out  # ENOSPC at the tmpfs cap
    assert not (tmp_path / "evil").exists()


def test_file_size_limit_stops_a_huge_file(engine: Engine, python_image: ImageRef) -> None:
    outcome = run_python(engine, python_image, """
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        try:
            with open("/tmp/big", "wb") as f:
                for _ in range(32):
                    f.write(b"\\0" * 2**20)
            print("WROTE ALL")
        except OSError as e:
            print("too big", e.errno)
    """, scratch_mb=64, file_mb=8)
    assert "too big 27" in text(outcome)  # EFBIG


def test_fork_loop_hits_the_pid_limit(engine: Engine, python_image: ImageRef) -> None:
    outcome = run_python(engine, python_image, """
        import os, time
        children = 0
        try:
            for _ in range(1000):
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                children += 1
            print("FORKED 1000")
        except OSError as e:
            print("stopped after", children, "errno", e.errno)
        os.killpg(0, 9)
    """, pids=48, timeout_seconds=60)
    out = text(outcome)
    assert "stopped after" in out, out
    children = int(out.split("stopped after")[1].split()[0])
    assert 30 <= children < 48
    assert "errno 11" in out  # EAGAIN from the pids cgroup


def test_allocation_loop_hits_the_memory_limit(engine: Engine, python_image: ImageRef) -> None:
    outcome = run_python(engine, python_image, """
        chunks = []
        while True:
            chunks.append(bytearray(16 * 2**20))
    """, memory_mb=96)
    assert outcome.oom_killed
    assert outcome.exit_code == 137


def test_limits_are_applied_by_the_kernel(engine: Engine, python_image: ImageRef) -> None:
    # cgroup v1 and v2 name the same limits differently; read whichever exists.
    outcome = run_python(engine, python_image, """
        import os
        def read(*paths):
            for p in paths:
                if os.path.exists(p):
                    return open(p).read().strip()
            return "absent"
        print("memory", read("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"))
        print("memsw", read("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", "/sys/fs/cgroup/memory.swap.max"))
        print("pids", read("/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max"))
        print("quota", read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu.max"))
    """, memory_mb=200, pids=77, cpus=0.5)
    values = dict(line.split(" ", 1) for line in text(outcome).splitlines())
    assert values["memory"] == str(200 * 2**20)
    assert values["memsw"] in (str(200 * 2**20), "0")  # v1: memory+swap; v2: swap alone
    assert values["pids"] == "77"
    assert values["quota"] in ("50000", "50000 100000")


def test_sleep_past_the_deadline_is_stopped(engine: Engine, python_image: ImageRef) -> None:
    began = time.monotonic()
    outcome = run_python(engine, python_image, "import time; time.sleep(120)",
                         timeout_seconds=2, grace_seconds=2)
    assert outcome.timed_out
    assert time.monotonic() - began < 15


def test_process_ignoring_signals_is_killed_after_the_grace_period(engine: Engine, python_image: ImageRef) -> None:
    began = time.monotonic()
    outcome = run_python(engine, python_image, """
        import signal, time
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        while True:
            time.sleep(1)
    """, timeout_seconds=2, grace_seconds=1)
    assert outcome.timed_out
    assert outcome.exit_code == 137  # SIGKILL
    assert time.monotonic() - began < 15


def test_output_flood_is_capped(engine: Engine, python_image: ImageRef) -> None:
    outcome = run_python(engine, python_image, """
        import sys
        sys.stdout.write("HEAD\\n")
        for _ in range(80):
            sys.stdout.write("x" * 65535 + "\\n")
        sys.stdout.write("TAIL\\n")
    """, output_kb=64)
    assert outcome.output_truncated
    assert outcome.output_bytes > 5 * 2**20
    assert len(outcome.output) <= 64 * 1024 + 100
    assert outcome.output.startswith(b"HEAD")
    assert outcome.output.rstrip().endswith(b"TAIL")


def test_container_is_removed_when_the_grader_is_interrupted(
        engine: Engine, python_image: ImageRef, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(container: object, seconds: float) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "_wait", staticmethod(interrupted))
    with pytest.raises(KeyboardInterrupt):
        run_python(engine, python_image, "import time; time.sleep(60)")
    assert engine.project_containers(owner_pid=os.getpid()) == []
