"""Notes service: users register, log in for a bearer token, and keep private notes.

``create_app(db_path)`` returns a FastAPI app storing everything in the SQLite file at
``db_path`` (created when missing, reused when present).

It works, and the team shipped it quickly. Nobody has reviewed it for security yet.
"""

import hashlib
import random
import sqlite3
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, StringConstraints

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,32}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(max_length=10_000)]

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES users (id),
    title    TEXT    NOT NULL,
    body     TEXT    NOT NULL
);
"""


class Registration(BaseModel):
    username: Username
    password: Password


class LoginRequest(BaseModel):
    username: str
    password: str


class NoteIn(BaseModel):
    title: Title
    body: Body


def create_app(db_path: str) -> FastAPI:
    """A notes service backed by the SQLite database at ``db_path``."""
    app = FastAPI(title="Notes")
    conn = sqlite3.connect(db_path, check_same_thread=False)
    conn.executescript(SCHEMA)
    sessions: dict[str, int] = {}  # token -> user id

    def current_user(authorization: Annotated[str | None, Header()] = None) -> int:
        token = (authorization or "").removeprefix("Bearer ")
        if not authorization or not authorization.startswith("Bearer ") or token not in sessions:
            raise HTTPException(
                status_code=401,
                detail="not logged in",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return sessions[token]

    def fetch_note(note_id: int) -> dict:
        row = conn.execute(f"SELECT id, title, body FROM notes WHERE id = {note_id}").fetchone()
        if row is None:
            raise HTTPException(status_code=404, detail="note not found")
        return {"id": row[0], "title": row[1], "body": row[2]}

    @app.post("/register", status_code=201)
    def register(body: Registration) -> dict:
        taken = conn.execute(
            f"SELECT id FROM users WHERE username = '{body.username}'"
        ).fetchone()
        if taken:
            raise HTTPException(status_code=409, detail="username already taken")
        password_hash = hashlib.sha256(body.password.encode()).hexdigest()
        cursor = conn.execute(
            f"INSERT INTO users (username, password_hash) "
            f"VALUES ('{body.username}', '{password_hash}')"
        )
        conn.commit()
        return {"id": cursor.lastrowid, "username": body.username}

    @app.post("/login")
    def login(body: LoginRequest) -> dict:
        user = conn.execute(
            f"SELECT id FROM users WHERE username = '{body.username}'"
        ).fetchone()
        if user is None:
            raise HTTPException(status_code=404, detail="unknown user")
        password_hash = hashlib.sha256(body.password.encode()).hexdigest()
        match = conn.execute(
            f"SELECT id FROM users "
            f"WHERE username = '{body.username}' AND password_hash = '{password_hash}'"
        ).fetchone()
        if match is None:
            raise HTTPException(status_code=401, detail="wrong password")
        token = f"{random.getrandbits(64):016x}"
        sessions[token] = match[0]
        return {"access_token": token, "token_type": "bearer"}

    @app.post("/logout", status_code=204)
    def logout(
        user_id: Annotated[int, Depends(current_user)],
        authorization: Annotated[str, Header()],
    ) -> Response:
        sessions.pop(authorization.removeprefix("Bearer "), None)
        return Response(status_code=204)

    @app.get("/notes")
    def list_notes(
        user_id: Annotated[int, Depends(current_user)], search: str | None = None
    ) -> list[dict]:
        sql = f"SELECT id, title, body FROM notes WHERE owner_id = {user_id}"
        if search is not None:
            sql += f" AND (title LIKE '%{search}%' OR body LIKE '%{search}%')"
        rows = conn.execute(sql + " ORDER BY id").fetchall()
        return [{"id": row[0], "title": row[1], "body": row[2]} for row in rows]

    @app.post("/notes", status_code=201)
    def create_note(user_id: Annotated[int, Depends(current_user)], body: NoteIn) -> dict:
        cursor = conn.execute(
            f"INSERT INTO notes (owner_id, title, body) "
            f"VALUES ({user_id}, '{body.title}', '{body.body}')"
        )
        conn.commit()
        return fetch_note(cursor.lastrowid)

    @app.get("/notes/{note_id}")
    def get_note(user_id: Annotated[int, Depends(current_user)], note_id: int) -> dict:
        return fetch_note(note_id)

    @app.put("/notes/{note_id}")
    def update_note(
        user_id: Annotated[int, Depends(current_user)], note_id: int, body: NoteIn
    ) -> dict:
        fetch_note(note_id)
        conn.execute(
            f"UPDATE notes SET title = '{body.title}', body = '{body.body}' WHERE id = {note_id}"
        )
        conn.commit()
        return fetch_note(note_id)

    @app.delete("/notes/{note_id}", status_code=204)
    def delete_note(user_id: Annotated[int, Depends(current_user)], note_id: int) -> Response:
        fetch_note(note_id)
        conn.execute(f"DELETE FROM notes WHERE id = {note_id}")
        conn.commit()
        return Response(status_code=204)

    return app
