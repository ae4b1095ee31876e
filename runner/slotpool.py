"""Sandboxes started ahead of the submissions they will serve, for batches.

``size`` filler threads keep ``size`` slots started (container up, pytest imported, waiting
for its go); a worker takes one per submission. Fillers start slots side by side, so that
the first ``size`` submissions of a batch do not wait for one another's start-up. A slot
serves exactly one submission and is then gone: starting ahead hides the start-up, it never
shares a container.

Each slot joins the loopback-only network namespace of a holder container (see
``Engine.hold_network``) lent to it alone; the holder is lent again only once that slot's
container is certainly removed, with every process of its submission. Sockets die with
their processes, and changing the namespace itself takes capabilities no sandbox has, so
nothing of one submission reaches the next; reusing the namespace halves the CPU a
container's start-up costs.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from pathlib import Path

from runner.errors import AssessError, EngineUnavailable, SandboxError
from runner.pipeline import Slot, open_slot
from runner.sandbox import Engine, ImageRef
from runner.spec import Challenge

__all__ = ["PoolClosed", "SlotPool"]

_POLL_SECONDS = 0.2
_RETRY_PAUSE_SECONDS = 1.0
# A holder costs about what two of the sandboxes it serves save (its own start and removal):
# below this many sandboxes per holder, fresh namespaces are cheaper.
_MIN_SANDBOXES_PER_HOLDER = 3


class PoolClosed(Exception):
    """The pool was closed: no more slots will come."""


class SlotPool:
    def __init__(self, *, challenge: Challenge, image: ImageRef, size: int, total: int, root: Path) -> None:
        """Keep ``size`` slots ready, starting ``total`` in all: a slot nobody will take is
        a container started for nothing."""
        self._left = total
        self._challenge = challenge
        self._image = image
        self._root = root
        self._ready: queue.Queue[Slot | AssessError] = queue.Queue(maxsize=max(size, 1))
        self._stopping = threading.Event()
        self._engines: list[Engine] = []  # one per filler; the first also drops holders
        self._lock = threading.Lock()
        self._free_networks: list[str] = []
        self._closed = False
        # Slots alive at once, each with its holder: those queued, those taken, one per filler.
        holders = 3 * max(size, 1)
        self._share_networks = total >= _MIN_SANDBOXES_PER_HOLDER * holders
        self._fillers = [threading.Thread(target=self._fill, name=f"assess-slots-{i}", daemon=True)
                         for i in range(max(min(size, total), 1))]
        for filler in self._fillers:
            filler.start()

    def take(self) -> Slot:
        """The next started slot.

        Raises:
            AssessError: the engine could not start one (EngineUnavailable, SandboxError).
            PoolClosed: the pool was closed while waiting.
        """
        while True:
            try:
                item = self._ready.get(timeout=_POLL_SECONDS)
                break
            except queue.Empty:
                if self._stopping.is_set():
                    raise PoolClosed from None
        if isinstance(item, AssessError):
            raise item
        return item

    def release(self, slot: Slot) -> None:
        """Forget a used slot's folders and take back its network holder (its container is
        already finished or discarded)."""
        shutil.rmtree(slot.work_dir, ignore_errors=True)
        if slot.network is not None:
            self._give_back(slot.network, reusable=slot.removed)

    def close(self) -> None:
        """Stop starting slots, remove those nobody took and the idle network holders."""
        self._stopping.set()
        for filler in self._fillers:
            filler.join(timeout=60)
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                break
            if not isinstance(item, AssessError):
                item.discard()
                self.release(item)
        with self._lock:
            self._closed = True
            idle, self._free_networks = self._free_networks, []
        for network in idle:
            self._drop(network)
        with self._lock:
            engines = list(self._engines)
        for engine in engines:
            # A slot still out is released later: dropping its holder reconnects on demand.
            engine.close()

    def _lend_network(self, engine: Engine) -> str:
        with self._lock:
            if self._free_networks:
                return self._free_networks.pop()
        return engine.hold_network(self._image)

    def _give_back(self, network: str, *, reusable: bool) -> None:
        with self._lock:
            if reusable and not self._closed:
                self._free_networks.append(network)
                return
        self._drop(network)

    def _drop(self, network: str) -> None:
        with self._lock:
            engine = self._engines[0] if self._engines else None
        if engine is not None:
            engine.drop_network(network)

    def _reserve(self) -> bool:
        """Claim one of the slots still to start; False when none is left."""
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True

    def _fill(self) -> None:
        try:
            engine = Engine.connect()
        except AssessError as e:
            self._offer(e)
            return
        with self._lock:
            self._engines.append(engine)
        while not self._stopping.is_set() and self._reserve():
            slot = self._open(engine)
            if not self._offer(slot) and not isinstance(slot, AssessError):
                slot.discard()
                self.release(slot)
            if isinstance(slot, AssessError):
                with self._lock:
                    self._left += 1  # to be started again
                self._stopping.wait(_RETRY_PAUSE_SECONDS)  # do not spin on a failing engine

    def _open(self, engine: Engine) -> Slot | AssessError:
        """A started slot, or why none could be started. A slot that fails to start in a
        lent namespace is tried once more in a fresh one: the holder may be why it failed."""
        network = None
        try:
            if self._share_networks:
                network = self._lend_network(engine)
            return self._open_in(engine, network)
        except EngineUnavailable as e:
            if network is not None:
                self._give_back(network, reusable=False)
            return e
        except AssessError as e:
            if network is None:
                return e
            self._give_back(network, reusable=False)
        try:
            return self._open_in(engine, None)
        except AssessError as e:
            return e

    def _open_in(self, engine: Engine, network: str | None) -> Slot:
        """``open_slot`` in a fresh folder; a bug in it is a failure of this slot, never the
        end of the filler (a batch would wait for its slots forever)."""
        work = Path(tempfile.mkdtemp(prefix="slot-", dir=self._root))
        try:
            return open_slot(self._challenge, engine, self._image, work, network=network)
        except BaseException as e:
            shutil.rmtree(work, ignore_errors=True)
            if isinstance(e, Exception) and not isinstance(e, AssessError):
                raise SandboxError("internal error while preparing a sandbox: "
                                   f"{e.__class__.__name__}: {e}") from None
            raise

    def _offer(self, item: Slot | AssessError) -> bool:
        """Queue ``item`` unless the pool is stopping; True if queued."""
        while not self._stopping.is_set():
            try:
                self._ready.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False
