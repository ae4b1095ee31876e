"""The only module that talks to Docker: images in, one hardened container per run out.

Every container carries ``PROJECT_LABEL`` so that a crash or an interrupted test can be
swept up, and is removed in a ``finally`` on every path: success, timeout, exception and
Ctrl-C alike.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import docker
import docker.errors
import requests
import urllib3.exceptions
from docker.types import LogConfig, Mount, Ulimit
from docker.utils.socket import frames_iter

from runner.errors import EngineLost, EngineUnavailable, ImageBuildError, SandboxError
from runner.spec import Limits

__all__ = [
    "PROJECT_LABEL",
    "SANDBOX_USER",
    "Engine",
    "ImageRef",
    "RunOutcome",
    "RunRequest",
    "Sandbox",
]

PROJECT_LABEL = "io.assess.project"
OWNER_LABEL = "io.assess.owner-pid"
SANDBOX_USER = "10001:10001"
_START_HINT = "start one (on Debian as root: scripts/ensure-docker.sh) or set DOCKER_HOST"
_FIRST_SIGNAL = "SIGINT"  # pytest answers it by writing the JUnit of what has run so far
# Starting a container fails now and then for reasons of the engine's own (a 500 "cannot start
# a stopped process" after a killed batch, a busy containerd): tried again after these pauses.
_START_RETRY_PAUSES = (0.25, 1.0)
_T = TypeVar("_T")


@dataclass(frozen=True)
class ImageRef:
    tag: str
    id: str


@dataclass(frozen=True)
class BindMount:
    source: Path
    target: str
    read_only: bool = True


@dataclass(frozen=True)
class RunRequest:
    image: ImageRef
    command: list[str]
    limits: Limits
    mounts: list[BindMount]
    environment: dict[str, str] = field(default_factory=dict)
    workdir: str = "/tmp"
    # A network holder (``Engine.hold_network``) whose namespace, loopback only, the run joins;
    # None gives the run a fresh one of its own.
    network: str | None = None


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int | None
    timed_out: bool
    oom_killed: bool
    output: bytes  # head and tail of stdout+stderr, at most the cap
    output_bytes: int  # how much the container wrote in all
    output_truncated: bool
    seconds: float
    pid_limit_hits: int = 0  # forks refused by the process limit, as seen before the stop


class _CappedOutput:
    """Keeps the first and last half of a stream, counting everything: the tail of a
    pytest run holds its summary, the head what broke first."""

    def __init__(self, cap: int) -> None:
        self._half = max(cap // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self._half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > self._half:
                del self.tail[: len(self.tail) - self._half]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)

    def value(self) -> bytes:
        if not self.truncated:
            return bytes(self.head + self.tail)
        cut = self.total - len(self.head) - len(self.tail)
        return bytes(self.head) + f"\n[... {cut} bytes cut ...]\n".encode() + bytes(self.tail)


class Engine:
    """A connection to the Docker engine."""

    def __init__(self, client: docker.DockerClient) -> None:
        self._client = client

    @classmethod
    def connect(cls) -> Engine:
        """Connect to the engine named by the environment (DOCKER_HOST or the local socket).

        Raises:
            EngineUnavailable: nothing answers.
        """
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        # Checked by hand first: the SDK leaks its socket when a unix socket refuses.
        if host.startswith("unix://") and not _unix_socket_answers(host.removeprefix("unix://")):
            raise EngineUnavailable(f"no Docker engine answers at {host}; {_START_HINT}")
        try:
            client = docker.from_env(timeout=60)
            client.ping()
        except (docker.errors.DockerException, requests.RequestException) as e:
            raise EngineUnavailable(
                f"no Docker engine answers at {host} ({e.__class__.__name__}); {_START_HINT}"
            ) from None
        return cls(client)

    def close(self) -> None:
        self._client.close()

    # images ---------------------------------------------------------------------------

    def find_image(self, name: str) -> ImageRef | None:
        try:
            image = self._client.images.get(name)
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as e:
            raise EngineUnavailable(f"Docker engine error while looking up {name}: {e}") from None
        return ImageRef(tag=name, id=str(image.id))

    def try_pull(self, name: str) -> ImageRef | None:
        """Pull ``name`` if a registry answers; None where none does (no error: we fall back)."""
        repository, _, tag = name.partition(":")
        try:
            image = self._client.images.pull(repository, tag=tag or "latest")
        except (docker.errors.APIError, requests.RequestException):
            return None
        return ImageRef(tag=name, id=str(image.id))

    def import_rootfs(self, tarball: Path, *, repository: str, tag: str) -> ImageRef:
        try:
            self._client.api.import_image_from_file(
                str(tarball), repository=repository, tag=tag
            )
        except (docker.errors.APIError, requests.RequestException) as e:
            raise ImageBuildError(f"importing the base image failed: {e}") from None
        found = self.find_image(f"{repository}:{tag}")
        if found is None:
            raise ImageBuildError(f"importing the base image gave no {repository}:{tag}")
        return found

    def build_image(self, context: Path, *, tag: str, buildargs: dict[str, str]) -> ImageRef:
        try:
            image, _ = self._client.images.build(
                path=str(context), tag=tag, buildargs=buildargs, rm=True, forcerm=True,
                network_mode="none", labels={PROJECT_LABEL: "assess"},
            )
        except docker.errors.BuildError as e:
            lines = [str(chunk.get("stream", chunk.get("error", ""))).strip() for chunk in e.build_log]
            tail = " | ".join(line for line in lines if line)[-600:]
            raise ImageBuildError(f"building {tag} failed: {e.msg}: {tail}") from None
        except (docker.errors.APIError, requests.RequestException) as e:
            raise ImageBuildError(f"building {tag} failed: {e}") from None
        return ImageRef(tag=tag, id=str(image.id))

    # containers -----------------------------------------------------------------------

    def run(self, request: RunRequest) -> RunOutcome:
        """Run ``request`` in a fresh, locked-down container and remove it afterwards.

        Raises:
            SandboxError: the engine refused to create or start the container.
        """
        return self.start(request).finish()

    def start(self, request: RunRequest) -> Sandbox:
        """Create and start a locked-down container for one run; the caller must then
        ``finish()`` or ``discard()`` it (both remove it).

        Raises:
            SandboxError: the engine refused to create, attach to or start the container.
        """
        return _retrying_start(lambda: self._start_once(request), "the sandbox container")

    def _start_once(self, request: RunRequest) -> Sandbox:
        limits = request.limits
        mib = 2**20
        try:
            container = self._client.containers.create(
                request.image.id,
                command=request.command,
                user=SANDBOX_USER,
                working_dir=request.workdir,
                environment=request.environment,
                network_mode="none" if request.network is None else f"container:{request.network}",
                read_only=True,
                tmpfs={"/tmp": f"rw,nosuid,nodev,size={limits.scratch_mb}m,mode=1777"},
                cap_drop=["ALL"],
                security_opt=["no-new-privileges:true"],
                pids_limit=limits.pids,
                mem_limit=f"{limits.memory_mb}m",
                memswap_limit=f"{limits.memory_mb}m",
                nano_cpus=int(limits.cpus * 1e9),
                ulimits=[
                    Ulimit(name="fsize", soft=limits.file_mb * mib, hard=limits.file_mb * mib),
                    Ulimit(name="nofile", soft=1024, hard=1024),
                    Ulimit(name="core", soft=0, hard=0),
                ],
                init=True,
                # Output is read from an attached stream instead: nothing of a flood lands
                # on the host's disk, and a follower never loses lines to log rotation.
                log_config=LogConfig(type="none", config={}),
                mounts=[
                    Mount(target=m.target, source=str(m.source), type="bind", read_only=m.read_only)
                    for m in request.mounts
                ],
                labels=_own_labels(),
                detach=True,
            )
        except (docker.errors.APIError, requests.RequestException) as e:
            raise _start_failure(e, "could not create the sandbox container") from None
        sock = None
        try:
            # Attached before start, so not a byte of output is missed.
            sock = self._client.api.attach_socket(
                str(container.id), params={"stdout": 1, "stderr": 1, "stream": 1})
            container.start()
        except BaseException as e:
            if sock is not None:
                _close(sock)
            self._remove(container)  # a container that failed to start goes at once
            if isinstance(e, (docker.errors.APIError, requests.RequestException)):
                raise _start_failure(e, "could not start the sandbox container") from None
            raise
        return Sandbox(container, sock, limits)

    def hold_network(self, image: ImageRef) -> str:
        """Start a container that only holds a loopback-only network namespace; its id.

        Creating and destroying a network namespace is about half of a container's start-up
        CPU cost, so a batch lends each holder to one sandbox at a time, in turn. The holder
        runs nothing of a candidate's; remove it with ``drop_network``.

        Raises:
            SandboxError: the engine refused to create or start it.
        """
        return _retrying_start(lambda: self._hold_network_once(image), "a network holder container")

    def _hold_network_once(self, image: ImageRef) -> str:
        container = None
        try:
            container = self._client.containers.create(
                image.id, command=["sleep", "infinity"], user=SANDBOX_USER, network_mode="none",
                read_only=True, cap_drop=["ALL"], security_opt=["no-new-privileges:true"],
                pids_limit=4, mem_limit="16m", memswap_limit="16m", nano_cpus=int(0.1 * 1e9),
                log_config=LogConfig(type="none", config={}),
                labels=_own_labels(), detach=True,
            )
            container.start()
        except (docker.errors.APIError, requests.RequestException) as e:
            if container is not None:
                self._remove(container)  # never left behind in state Created
            raise _start_failure(e, "could not start a network holder container") from None
        return str(container.id)

    def drop_network(self, holder: str) -> None:
        """Remove a network holder (a sandbox still in its namespace keeps it alive)."""
        try:
            self._remove(self._client.containers.get(holder))
        except (docker.errors.APIError, requests.RequestException):
            pass  # gone already, or left behind labelled for `assess clean`

    @staticmethod
    def _wait(container: Any, seconds: float) -> bool:
        """True if the container exited within ``seconds``.

        Raises:
            EngineLost: the engine stopped answering meanwhile.
            SandboxError: the container vanished (removed by someone else).
        """
        try:
            container.wait(timeout=max(seconds, 0.01))
        except requests.RequestException as e:
            if _is_read_timeout(e):  # it is still running
                return False
            raise _engine_lost(e) from None
        except docker.errors.NotFound:
            raise SandboxError("the sandbox container vanished while it ran") from None
        except docker.errors.APIError as e:
            raise SandboxError(f"could not wait for the sandbox container: {e}") from None
        return True

    @staticmethod
    def _signal(container: Any, signal: str) -> None:
        try:
            container.kill(signal=signal)
        except docker.errors.APIError:
            pass  # it exited between our wait and our kill
        except requests.RequestException as e:
            raise _engine_lost(e) from None

    @staticmethod
    def _remove(container: Any) -> bool:
        """Remove ``container``; True if it is gone."""
        try:
            container.remove(force=True, v=True)
        except docker.errors.NotFound:
            pass
        except (docker.errors.APIError, requests.RequestException):
            # Left behind, but labelled: `assess clean` and the test suite find it.
            return False
        return True

    def project_containers(self, *, owner_pid: int | None = None) -> list[str]:
        """Names of the containers this project started that still exist (of one process's)."""
        return [str(c.name) for c in self._listed(owner_pid)]

    def remove_orphans(self, *, everything: bool = False, owner_pid: int | None = None) -> int:
        """Remove project containers whose owning process is gone (or all, or one process's)."""
        removed = 0
        for container in self._listed(owner_pid):
            owner = (container.attrs.get("Labels") or {}).get(OWNER_LABEL, "")
            if owner_pid is not None or everything or not _alive(owner):
                self._remove(container)
                removed += 1
        return removed

    def _listed(self, owner_pid: int | None) -> list[Any]:
        # Sparse: no inspection per container, which would fail for one removed meanwhile
        # (by another process sweeping its own).
        label = PROJECT_LABEL if owner_pid is None else f"{OWNER_LABEL}={owner_pid}"
        return list(self._client.containers.list(all=True, filters={"label": label}, sparse=True))


class Sandbox:
    """A started container serving exactly one run: ``finish()`` or ``discard()`` it, once."""

    def __init__(self, container: Any, sock: Any, limits: Limits) -> None:
        self._container = container
        self._sock = sock
        self._limits = limits
        self._output = _CappedOutput(limits.output_kb * 1024)
        self.removed = False  # True once the container is certainly gone
        self._born = time.time()
        self._sent: set[str] = set()  # signals we sent it, by number, as the engine logs them
        self._pids = _PidsWatch(str(container.id))
        self._reader = threading.Thread(target=_drain, args=(sock, self._output), daemon=True)
        self._reader.start()

    @property
    def id(self) -> str:
        return str(self._container.id)

    @property
    def running(self) -> bool:
        """Its output stream is still open: the container has not exited (no API call)."""
        return self._reader.is_alive()

    def finish(self) -> RunOutcome:
        """Wait for the run (its deadline counts from now), collect it, remove the container.

        Raises:
            SandboxError: the container did not stop, or its state could not be read.
        """
        return self._collect(self._wait_or_stop)

    def stop(self) -> RunOutcome:
        """End the run now (SIGKILL), collect it, remove the container: for a service whose
        clients are done.

        Raises:
            SandboxError: the container did not stop, or its state could not be read.
        """
        def kill_now() -> bool:
            self._kill()
            return False

        return self._collect(kill_now)

    def _collect(self, end: Callable[[], bool]) -> RunOutcome:
        began = time.monotonic()
        try:
            try:
                timed_out = end()
                self._reader.join(timeout=10)
            finally:
                self._pids.stop()
                _close(self._sock)
            try:
                self._container.reload()
                state = self._container.attrs["State"]
            except requests.RequestException as e:
                raise _engine_lost(e) from None
            except docker.errors.APIError as e:
                raise SandboxError(f"could not read the sandbox container's state: {e}") from None
        finally:
            self.removed = Engine._remove(self._container)
        exit_code = state.get("ExitCode")
        if isinstance(exit_code, int) and exit_code > 128 and str(exit_code - 128) not in self._sent \
                and not timed_out and not state.get("OOMKilled"):
            # Killed by a signal that neither our deadline nor the kernel's OOM killer sent:
            # the candidate's own doing, or the engine's (a restart, an operator's stop).
            stopped = self._stopped_by_engine()
            if stopped:
                raise SandboxError(f"the sandbox container was stopped by the engine, not by its run: "
                                   f"{stopped}; it was not graded")
        return RunOutcome(
            exit_code=exit_code,
            timed_out=timed_out,
            oom_killed=bool(state.get("OOMKilled")),
            output=self._output.value(),
            output_bytes=self._output.total,
            output_truncated=self._output.truncated,
            seconds=time.monotonic() - began,
            pid_limit_hits=self._pids.hits,
        )

    def discard(self) -> None:
        """Remove the container unused (its submission was refused, or the batch stopped)."""
        self._pids.stop()
        _close(self._sock)
        self.removed = Engine._remove(self._container)

    def _wait_or_stop(self) -> bool:
        """Wait for the run to end; past the deadline, stop it. True if it had to be stopped."""
        if Engine._wait(self._container, self._limits.timeout_seconds):
            return False
        self._send(_FIRST_SIGNAL)
        if not Engine._wait(self._container, self._limits.grace_seconds):
            self._kill()
        return True

    def _kill(self) -> None:
        self._send("SIGKILL")
        if not Engine._wait(self._container, 30):
            raise SandboxError("the sandbox container did not stop after SIGKILL")

    def _send(self, name: str) -> None:
        self._sent.add(str(signal.Signals[name].value))
        Engine._signal(self._container, name)

    def _stopped_by_engine(self) -> str:
        """Why the engine, rather than the run, ended the container; "" if it did not.

        The engine logs every signal it sends a container (stopping for a restart or a
        shutdown, `docker stop`, `docker kill`); a signal raised inside the container is not
        logged. The log keeps only the engine's latest events, which the kill of a run that
        just ended is among.

        Raises:
            EngineLost: the engine does not answer.
        """
        try:
            events = list(self._container.client.events(
                since=int(self._born) - 5, until=int(time.time()) + 1, decode=True,
                filters={"type": "container", "container": self.id}))
        except requests.RequestException as e:
            raise _engine_lost(e) from None
        except docker.errors.APIError:
            return ""
        for event in events:
            sent = ((event.get("Actor") or {}).get("Attributes") or {}).get("signal")
            if event.get("Action") == "kill" and sent not in self._sent:
                return f"the engine sent it signal {sent}"
        return ""


class _TransientStartError(Exception):
    """The engine failed to create or start a container for a reason of its own (5xx)."""

    def __init__(self, cause: docker.errors.APIError) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _retrying_start(start: Callable[[], _T], what: str) -> _T:
    """``start()``, tried again after each of the pauses while it fails for the engine's own
    reasons; then SandboxError."""
    for pause in _START_RETRY_PAUSES:
        try:
            return start()
        except _TransientStartError:
            time.sleep(pause)
    try:
        return start()
    except _TransientStartError as e:
        raise SandboxError(f"could not start {what}: {e.cause}") from None


def _start_failure(e: docker.errors.APIError | requests.RequestException, what: str) -> Exception:
    """What a failed create or start means: the engine is gone, a failure of its own (tried
    again), or a refusal of the request (final)."""
    if isinstance(e, requests.RequestException):
        return _engine_lost(e)
    if e.is_server_error():
        return _TransientStartError(e)
    return SandboxError(f"{what}: {e}")


def _is_read_timeout(e: requests.RequestException) -> bool:
    """The SDK reports a read that timed out on a unix socket as a ConnectionError."""
    if isinstance(e, requests.Timeout):
        return True
    return any(isinstance(arg, urllib3.exceptions.ReadTimeoutError) for arg in e.args)


def _engine_lost(e: BaseException) -> EngineLost:
    return EngineLost(f"the Docker engine stopped answering: {e.__class__.__name__}: {e}")


def _own_labels() -> dict[str, str]:
    """Every container of ours says so, and which process owns it, for sweeping."""
    return {PROJECT_LABEL: "assess", OWNER_LABEL: str(os.getpid())}


# Where the engine keeps a container's pids cgroup: cgroup v1 or v2, cgroupfs or systemd driver.
_PIDS_EVENTS = (
    "/sys/fs/cgroup/pids/docker/{id}/pids.events",
    "/sys/fs/cgroup/pids/system.slice/docker-{id}.scope/pids.events",
    "/sys/fs/cgroup/docker/{id}/pids.events",
    "/sys/fs/cgroup/system.slice/docker-{id}.scope/pids.events",
)


_PIDS_POLL_SECONDS = 0.05


class _PidsWatch:
    """How many forks the kernel refused for the process limit, read while the container
    runs: its cgroup, and the count, are gone the moment it exits. 0 where the cgroup cannot
    be read (a remote engine, another layout)."""

    def __init__(self, container_id: str) -> None:
        self.hits = 0
        self._path = next((path for path in (Path(p.format(id=container_id)) for p in _PIDS_EVENTS)
                           if path.exists()), None)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True) if self._path else None
        if self._thread is not None:
            self._thread.start()

    def stop(self) -> None:
        """Read a last time (the cgroup may still be there) and stop watching."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._read()

    def _poll(self) -> None:
        while self._read() and not self._stopping.wait(_PIDS_POLL_SECONDS):
            pass

    def _read(self) -> bool:
        """Update ``hits``; False once the cgroup is gone."""
        if self._path is None:
            return False
        try:
            text = self._path.read_text()
        except OSError:
            return False
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "max" and value.strip().isdigit():
                self.hits = max(self.hits, int(value))
        return True


def _unix_socket_answers(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(5)
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def _alive(pid_text: str) -> bool:
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # alive, but another user's
    return True


def _close(sock: Any) -> None:
    # For a unix socket the SDK hands out a SocketIO; closing it leaves the socket open.
    for closable in (sock, getattr(sock, "_sock", None)):
        if closable is not None:
            closable.close()


def _drain(sock: Any, output: _CappedOutput) -> None:
    try:
        for _stream_id, chunk in frames_iter(sock, tty=False):  # type: ignore[no-untyped-call]
            output.feed(chunk)
    except (OSError, ValueError):
        pass  # the container is gone or the socket closed; what was read is kept
