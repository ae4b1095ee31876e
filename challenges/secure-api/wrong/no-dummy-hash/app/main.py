"""Notes service: users register, log in for a bearer token, and keep private notes.

``create_app(db_path)`` returns a FastAPI app storing everything in the SQLite file at
``db_path`` (created when missing, reused when present).
"""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, StringConstraints

from app import security
from app.db import Database

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,32}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(max_length=10_000)]

MAX_ID = 2**63 - 1  # SQLite's largest integer


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Registration(_Strict):
    username: Username
    password: Password


class LoginRequest(_Strict):
    # No format rules here: a login that cannot succeed is a plain 401 like any other.
    username: str
    password: str


class NoteIn(_Strict):
    title: Title
    body: Body


class Note(BaseModel):
    id: int
    title: str
    body: str


class User(BaseModel):
    id: int
    username: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


NOTE_NOT_FOUND = "note not found"
LOGIN_FAILED = "invalid username or password"


def _is_note_id(value: int) -> bool:
    """Ids are positive SQLite integers: any other number names no note (a 404, not a 500)."""
    return 0 < value <= MAX_ID


def create_app(db_path: str) -> FastAPI:
    """A notes service backed by the SQLite database at ``db_path``."""
    db = Database(db_path)
    bearer = HTTPBearer(auto_error=False)

    def session_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> str:
        if credentials is None or not credentials.credentials:
            raise _unauthorized("missing or invalid bearer token")
        return credentials.credentials

    def current_user(token: Annotated[str, Depends(session_token)]) -> int:
        user_id = db.session_user(security.token_digest(token))
        if user_id is None:
            raise _unauthorized("missing or invalid bearer token")
        return user_id

    CurrentUser = Annotated[int, Depends(current_user)]

    def not_found() -> HTTPException:
        return HTTPException(status_code=404, detail=NOTE_NOT_FOUND)

    app = FastAPI(title="Notes")

    @app.post("/register", status_code=201)
    def register(body: Registration) -> User:
        user_id = db.create_user(body.username, security.hash_password(body.password))
        if user_id is None:
            raise HTTPException(status_code=409, detail="username already taken")
        return User(id=user_id, username=body.username)

    @app.post("/login")
    def login(body: LoginRequest) -> Token:
        user = db.user_by_name(body.username)
        if user is None or not security.verify_password(body.password, user["password_hash"]):
            raise _unauthorized(LOGIN_FAILED)
        token = security.new_token()
        db.create_session(security.token_digest(token), user["id"])
        return Token(access_token=token)

    @app.post("/logout", status_code=204, dependencies=[Depends(current_user)])
    def logout(token: Annotated[str, Depends(session_token)]) -> Response:
        db.delete_session(security.token_digest(token))
        return Response(status_code=204)

    @app.get("/notes")
    def list_notes(user_id: CurrentUser, search: str | None = None) -> list[Note]:
        return [Note(**row) for row in db.list_notes(user_id, search)]

    @app.post("/notes", status_code=201)
    def create_note(user_id: CurrentUser, body: NoteIn) -> Note:
        return Note(**db.create_note(user_id, body.title, body.body))

    @app.get("/notes/{note_id}")
    def get_note(user_id: CurrentUser, note_id: int) -> Note:
        row = db.get_note(user_id, note_id) if _is_note_id(note_id) else None
        if row is None:
            raise not_found()
        return Note(**row)

    @app.put("/notes/{note_id}")
    def update_note(user_id: CurrentUser, note_id: int, body: NoteIn) -> Note:
        row = None
        if _is_note_id(note_id):
            row = db.update_note(user_id, note_id, body.title, body.body)
        if row is None:
            raise not_found()
        return Note(**row)

    @app.delete("/notes/{note_id}", status_code=204)
    def delete_note(user_id: CurrentUser, note_id: int) -> Response:
        if not (_is_note_id(note_id) and db.delete_note(user_id, note_id)):
            raise not_found()
        return Response(status_code=204)

    return app
