"""Sandboxes started ahead of the submissions they will serve, for batches.

A filler thread keeps ``size`` slots started (container up, pytest imported, waiting for
its go); a worker takes one per submission. A slot serves exactly one submission and is
then gone: starting ahead hides the start-up, it never shares a container.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from pathlib import Path

from runner.errors import AssessError
from runner.pipeline import Slot, open_slot
from runner.sandbox import Engine, ImageRef
from runner.spec import Challenge

__all__ = ["PoolClosed", "SlotPool"]

_POLL_SECONDS = 0.2
_RETRY_PAUSE_SECONDS = 1.0


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
        self._filler = threading.Thread(target=self._fill, name="assess-slots", daemon=True)
        self._filler.start()

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

    @staticmethod
    def release(slot: Slot) -> None:
        """Forget a used slot's folders (its container is already gone)."""
        shutil.rmtree(slot.work_dir, ignore_errors=True)

    def close(self) -> None:
        """Stop starting slots and remove those nobody took."""
        self._stopping.set()
        self._filler.join(timeout=60)
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                return
            if not isinstance(item, AssessError):
                item.sandbox.discard()
                self.release(item)

    def _fill(self) -> None:
        try:
            engine = Engine.connect()
        except AssessError as e:
            self._offer(e)
            return
        try:
            while self._left > 0 and not self._stopping.is_set():
                work = Path(tempfile.mkdtemp(prefix="slot-", dir=self._root))
                try:
                    slot: Slot | AssessError = open_slot(self._challenge, engine, self._image, work)
                except AssessError as e:
                    shutil.rmtree(work, ignore_errors=True)
                    slot = e
                if not self._offer(slot) and not isinstance(slot, AssessError):
                    slot.sandbox.discard()
                    self.release(slot)
                if not isinstance(slot, AssessError):
                    self._left -= 1
                else:
                    self._stopping.wait(_RETRY_PAUSE_SECONDS)  # do not spin on a failing engine
        finally:
            engine.close()

    def _offer(self, item: Slot | AssessError) -> bool:
        """Queue ``item`` unless the pool is stopping; True if queued."""
        while not self._stopping.is_set():
            try:
                self._ready.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False
