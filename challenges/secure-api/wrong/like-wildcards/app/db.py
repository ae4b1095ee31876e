"""Storage: SQLite through the standard library, with parameterised queries only.

No value from a request is ever formatted into SQL text; every one is passed as a parameter.
Every note query carries ``owner_id = ?`` so a user can never read or change someone else's
note, and a foreign note looks exactly like a missing one.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title    TEXT    NOT NULL,
    body     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_by_owner ON notes (owner_id, id);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
"""

Row = dict[str, Any]


class Database:
    def __init__(self, path: str) -> None:
        self.path = path
        with self._connect() as conn:
            conn.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One connection per unit of work: committed on success, rolled back on error."""
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    # users

    def create_user(self, username: str, password_hash: str) -> int | None:
        """The new user's id, or None when the username is taken."""
        with self._connect() as conn:
            try:
                cursor = conn.execute(
                    "INSERT INTO users (username, password_hash) VALUES (?, ?)",
                    (username, password_hash),
                )
            except sqlite3.IntegrityError:
                return None
            return cursor.lastrowid

    def user_by_name(self, username: str) -> Row | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, username, password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        return dict(row) if row else None

    # sessions

    def create_session(self, token_hash: str, user_id: int) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id) VALUES (?, ?)", (token_hash, user_id)
            )

    def session_user(self, token_hash: str) -> int | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT user_id FROM sessions WHERE token_hash = ?", (token_hash,)
            ).fetchone()
        return row["user_id"] if row else None

    def delete_session(self, token_hash: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    # notes

    def list_notes(self, owner_id: int, search: str | None = None) -> list[Row]:
        sql = "SELECT id, title, body FROM notes WHERE owner_id = ?"
        params: list[Any] = [owner_id]
        if search is not None:
            sql += " AND (title LIKE ? OR body LIKE ?)"
            params += [f"%{search}%"] * 2
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY id", params).fetchall()
        return [dict(row) for row in rows]

    def get_note(self, owner_id: int, note_id: int) -> Row | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, title, body FROM notes WHERE id = ? AND owner_id = ?",
                (note_id, owner_id),
            ).fetchone()
        return dict(row) if row else None

    def create_note(self, owner_id: int, title: str, body: str) -> Row:
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO notes (owner_id, title, body) VALUES (?, ?, ?)",
                (owner_id, title, body),
            )
        return {"id": cursor.lastrowid, "title": title, "body": body}

    def update_note(self, owner_id: int, note_id: int, title: str, body: str) -> Row | None:
        with self._connect() as conn:
            cursor = conn.execute(
                "UPDATE notes SET title = ?, body = ? WHERE id = ? AND owner_id = ?",
                (title, body, note_id, owner_id),
            )
        return {"id": note_id, "title": title, "body": body} if cursor.rowcount else None

    def delete_note(self, owner_id: int, note_id: int) -> bool:
        with self._connect() as conn:
            cursor = conn.execute(
                "DELETE FROM notes WHERE id = ? AND owner_id = ?", (note_id, owner_id)
            )
        return cursor.rowcount > 0
