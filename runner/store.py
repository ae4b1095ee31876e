"""The batch database: every result of a batch, the source of truth for resuming it.

One row per grading attempt. A candidate's newest row is ``current``; ``--regrade`` starts a
new generation, so older results stay as history. A result is written in one transaction
after its files, so a batch killed at any point (even kill -9) resumes with nothing lost and
nothing counted twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from runner.results import Result

__all__ = ["DB_FILE", "Store", "Stored"]

DB_FILE = "assess.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate TEXT NOT NULL,
    source TEXT NOT NULL,
    generation INTEGER NOT NULL,
    current INTEGER NOT NULL,
    -- 'result': final, a Result exists; 'failed': the infrastructure failed, retried on resume
    outcome TEXT NOT NULL CHECK (outcome IN ('result', 'failed')),
    status TEXT,
    percent REAL,
    result_json TEXT,
    error TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS one_current_per_candidate ON results (candidate) WHERE current = 1;
"""


@dataclass(frozen=True)
class Stored:
    candidate: str
    source: str
    result: Result | None
    error: str


class Store:
    """A batch's SQLite database. Used from one thread: workers hand results back to it."""

    def __init__(self, path: Path, *, challenge_id: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")  # a result reported as stored survives a power cut
        self._db.executescript(_SCHEMA)
        owner = self._meta("challenge")
        if owner is None:
            self._set_meta("challenge", challenge_id)
            self._set_meta("generation", "1")
        elif owner != challenge_id:
            raise ValueError(f"{path} holds a batch of challenge {owner!r}, not {challenge_id!r}")

    def close(self) -> None:
        self._db.close()

    @property
    def generation(self) -> int:
        return int(self._meta("generation") or "1")

    def start_generation(self) -> int:
        """Begin regrading: results of earlier generations no longer count as done."""
        generation = self.generation + 1
        self._set_meta("generation", str(generation))
        return generation

    def done(self) -> set[str]:
        """Candidates with a final result in the current generation."""
        rows = self._db.execute(
            "SELECT candidate FROM results WHERE current = 1 AND outcome = 'result' AND generation = ?",
            (self.generation,))
        return {row[0] for row in rows}

    def record(self, candidate: str, source: str, result: Result | None, error: str = "") -> None:
        """Store a candidate's newest attempt; the one before it becomes history."""
        finished = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction():
            self._db.execute("UPDATE results SET current = 0 WHERE candidate = ? AND current = 1", (candidate,))
            self._db.execute(
                "INSERT INTO results (candidate, source, generation, current, outcome, status, percent,"
                " result_json, error, finished_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
                (candidate, source, self.generation, "result" if result else "failed",
                 result.status.value if result else None, result.percent if result else None,
                 result.model_dump_json() if result else None, error, finished))

    def current(self) -> list[Stored]:
        """Every candidate's newest attempt, by candidate."""
        return self._stored("WHERE current = 1 ORDER BY candidate")

    def history(self, candidate: str) -> list[Stored]:
        """Every attempt for one candidate, oldest first."""
        return self._stored("WHERE candidate = ? ORDER BY id", candidate)

    def _stored(self, where: str, *params: str) -> list[Stored]:
        rows = self._db.execute(f"SELECT candidate, source, result_json, error FROM results {where}", params)
        return [Stored(candidate=c, source=s, result=Result.model_validate_json(j) if j else None, error=e)
                for c, s, j, e in rows]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # Autocommit mode: transactions are explicit, so a kill between statements
        # can never leave a half-recorded result.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
