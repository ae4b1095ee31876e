"""Fixtures for the graded suite: every test talks to the candidate's app through these.

Each test gets a fresh app on its own SQLite file (``create_app(str(tmp_path / "notes.db"))``),
an in-process ``TestClient`` that turns server errors into 500 responses (an injected query
that crashes the server is a failure, not a test error), and read-only access to the database
file for the checks that look at what is stored. The candidate's code is imported as
``app.main`` from ``/submission``, which is on sys.path.
"""

import hashlib
import hmac
import secrets
import sqlite3
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # Recent Starlette releases warn about the httpx transport when the test client is imported;
    # keep that from becoming a collection error under a strict warnings filter.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"
MISSING_NOTE_ID = 987654


def new_app(db_path: Path) -> Any:
    """A fresh app from the candidate's factory.

    Imported here rather than at module level so that a submission that fails to import
    fails every test with its own error instead of breaking collection.
    """
    from app.main import create_app

    return create_app(str(db_path))


@dataclass
class User:
    id: int
    username: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Service:
    """One app on one database file, with helpers that speak the contract."""

    def __init__(self, client: TestClient, db_path: Path) -> None:
        self.client = client
        self.db_path = db_path

    # HTTP

    def request(self, method: str, path: str, user: User | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", None) or {})
        if user is not None:
            headers.update(user.headers)
        return self.client.request(method, path, headers=headers, **kwargs)

    def register(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post("/register", json={"username": username, "password": password})

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post("/login", json={"username": username, "password": password})

    def token(self, username: str, password: str = PASSWORD) -> str:
        response = self.login(username, password)
        assert response.status_code == 200, (
            f"setup: login failed: {response.status_code} {response.text}"
        )
        token = response.json().get("access_token")
        assert isinstance(token, str) and token, f"setup: no access_token in {response.text}"
        return token

    def signup(self, username: str, password: str = PASSWORD) -> User:
        """Register and log in (both asserted to succeed)."""
        response = self.register(username, password)
        assert response.status_code == 201, (
            f"setup: registering {username!r} failed: {response.status_code} {response.text}"
        )
        user_id = response.json().get("id")
        return User(id=user_id, username=username, password=password,
                    token=self.token(username, password))

    def create_note(self, user: User, title: str, body: str = "") -> dict[str, Any]:
        response = self.request("POST", "/notes", user, json={"title": title, "body": body})
        assert response.status_code == 201, (
            f"setup: creating a note failed: {response.status_code} {response.text}"
        )
        note = response.json()
        assert isinstance(note.get("id"), int), f"setup: the note has no integer id: {note}"
        return note

    def notes(self, user: User, search: str | None = None) -> list[dict[str, Any]]:
        params = {"search": search} if search is not None else None
        response = self.request("GET", "/notes", user, params=params)
        assert response.status_code == 200, (response.status_code, response.text)
        body = response.json()
        assert isinstance(body, list), f"GET /notes must return a JSON array: {response.text}"
        return body

    # The database file

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query on the app's database file."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def password_hash(self, username: str) -> str:
        try:
            rows = self.query("SELECT password_hash FROM users WHERE username = ?", (username,))
        except sqlite3.Error as e:
            pytest.fail(f"the database needs a users table with username and password_hash: {e}")
        assert len(rows) == 1, f"expected one users row for {username!r}, found {len(rows)}"
        stored = rows[0][0]
        assert isinstance(stored, str), f"password_hash must be TEXT, got {type(stored).__name__}"
        return stored

    def tables(self) -> set[str]:
        return {row[0] for row in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def stored_bytes(self) -> bytes:
        """Every byte of every file next to the database (the file, its journal or WAL)."""
        files = sorted(p for p in self.db_path.parent.iterdir() if p.is_file())
        return b"".join(p.read_bytes() for p in files)


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """``make_service(name="notes.db")``: an app on that file in the test's folder (the same name
    twice gives two apps on one database, like a restart)."""
    folder = tmp_path / "db"
    folder.mkdir()
    with ExitStack() as stack:

        def make(name: str = "notes.db") -> Service:
            db_path = folder / name
            client = TestClient(new_app(db_path), raise_server_exceptions=False)
            return Service(stack.enter_context(client), db_path)

        yield make


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    return make_service()


@pytest.fixture
def alice(service: Service) -> User:
    return service.signup("alice")


@pytest.fixture
def bob(service: Service, alice: User) -> User:
    return service.signup("bob")


def _submission_modules() -> list[Any]:
    """The candidate's loaded modules: everything imported from the folder holding ``app``."""
    package = sys.modules.get("app")
    if package is None or not getattr(package, "__file__", None):
        return []
    root = Path(package.__file__).resolve().parent.parent
    found = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and Path(path).resolve().is_relative_to(root):
            found.append(module)
    return found


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch, service: Service) -> Callable[..., list[Any]]:
    """``spy(module, name, record)``: wrap a library function and return the list of
    ``record(*args, **kwargs)`` for every call made through it.

    The wrapper replaces the function wherever the candidate's code can reach it: on the
    library module (``hashlib.scrypt``), on ``secrets`` for ``compare_digest``, and on the
    candidate's own modules (``from hmac import compare_digest``).
    """

    def install(module: Any, name: str, record: Callable[..., Any]) -> list[Any]:
        original = getattr(module, name)
        calls: list[Any] = []

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(record(*args, **kwargs))
            return original(*args, **kwargs)

        for holder in [module, hashlib, hmac, secrets, *_submission_modules()]:
            for attr, value in list(vars(holder).items()):
                if value is original:
                    monkeypatch.setattr(holder, attr, wrapper)
        return calls

    return install


class Calls:
    """A live view over several lists of recorded calls."""

    def __init__(self, *lists: list[Any]) -> None:
        self._lists = lists

    def all(self) -> list[Any]:
        return [call for calls in self._lists for call in calls]

    def clear(self) -> None:
        for calls in self._lists:
            calls.clear()


@pytest.fixture
def kdf_calls(spy: Callable[..., list[Any]]) -> Calls:
    """Every ``hashlib.scrypt`` and ``hashlib.pbkdf2_hmac`` call, recorded as its cost settings:
    ``("scrypt", n, r, p)`` or ``("pbkdf2", hash_name, iterations)``."""

    def scrypt(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
        return ("scrypt", kwargs.get("n"), kwargs.get("r"), kwargs.get("p"))

    def pbkdf2(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
        names = ["hash_name", "password", "salt", "iterations"]
        bound = {**dict(zip(names, args, strict=False)), **kwargs}
        return ("pbkdf2", bound.get("hash_name"), bound.get("iterations"))

    return Calls(spy(hashlib, "scrypt", scrypt), spy(hashlib, "pbkdf2_hmac", pbkdf2))


@pytest.fixture
def compare_digest_calls(spy: Callable[..., list[Any]]) -> Calls:
    """Every call of ``hmac.compare_digest`` (also reachable as ``secrets.compare_digest``)."""
    return Calls(spy(hmac, "compare_digest", lambda *args, **kwargs: args))
