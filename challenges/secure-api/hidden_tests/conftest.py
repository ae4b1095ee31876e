"""Fixtures for the graded suite: every test talks to the candidate's app through these.

Nothing of the candidate's runs in this process. Their code runs in a container of its own,
beside the steps of ``service/scenarios.py``: each test gets a folder there, and apps built
with the candidate's ``create_app`` on SQLite files in it, each behind an in-process
``TestClient`` that turns server errors into 500 responses (an injected query that crashes the
server is a failure, not a test error). The tests send requests, read the database file
(read-only) and watch calls to the KDFs and ``hmac.compare_digest`` through those steps, and
get back plain JSON: status codes, headers, body bytes, rows, recorded call arguments. Every
expected value and every assertion stays here.

Graded runs reach the steps over HTTP (``assess_driver``, the grader's copy of
runner/driver.py). A local run beside a solution (``PYTHONPATH=reference pytest hidden_tests``
in the challenge's folder, with assess installed) calls the same steps in process, through the
same JSON round trip.
"""

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

try:
    import assess_driver  # in the sandbox: the grader's copy
except ImportError:  # a local run beside a solution, with assess installed
    from runner import driver as assess_driver

PASSWORD = "correct horse battery staple"
MISSING_NOTE_ID = 987654
SCENARIOS = Path(__file__).resolve().parent.parent / "service" / "scenarios.py"
# A request that takes this long has hung (a scrypt check takes ~0.1 s); the test's own
# limit (test_timeout_seconds) is 20 s.
STEP_TIMEOUT_SECONDS = 15.0
# The candidate's container imports FastAPI before it answers: slow on a loaded machine.
START_TIMEOUT_SECONDS = 15.0


@pytest.fixture(scope="session")
def call() -> assess_driver.Driver:
    """``call(step, **args)``: run a step of service/scenarios.py beside the candidate's code."""
    return assess_driver.Driver.for_tests(SCENARIOS, step_timeout=STEP_TIMEOUT_SECONDS,
                                         start_timeout=START_TIMEOUT_SECONDS)


class DatabaseError(Exception):
    """A query on the app's database file failed (sqlite's message)."""


class Headers(dict[str, str]):
    """Response headers: names in lower case, looked up in any case."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


@dataclass
class Response:
    """What an app answered, rebuilt here from plain data."""

    status_code: int
    headers: Headers
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


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

    def __init__(self, call: Callable[..., Any], folder: str, app: str) -> None:
        self._call = call
        self.folder = folder
        self.app = app

    # HTTP

    def request(self, method: str, path: str, user: User | None = None, *,
                headers: dict[str, str] | None = None, json: Any = None,
                params: dict[str, str] | None = None, seed_random: int | None = None) -> Response:
        """``seed_random``: seed the ``random`` module beside the app for this request."""
        headers = dict(headers or {})
        if user is not None:
            headers.update(user.headers)
        answer = self._call("request", app=self.app, method=method, path=path, headers=headers,
                            json=json, params=params, seed_random=seed_random)
        return Response(
            status_code=answer["status"],
            headers=Headers({str(k).lower(): str(v) for k, v in answer["headers"].items()}),
            content=base64.b64decode(answer["content"], validate=True),
        )

    def register(self, username: str, password: str = PASSWORD) -> Response:
        return self.request("POST", "/register", json={"username": username, "password": password})

    def login(self, username: str, password: str = PASSWORD, **kwargs: Any) -> Response:
        return self.request("POST", "/login", json={"username": username, "password": password},
                            **kwargs)

    def token(self, username: str, password: str = PASSWORD, **kwargs: Any) -> str:
        response = self.login(username, password, **kwargs)
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
        answer = self._call("query", app=self.app, sql=sql, params=list(params))
        if "error" in answer:
            raise DatabaseError(answer["error"])
        return [tuple(_cell(value) for value in row) for row in answer["rows"]]

    def password_hash(self, username: str) -> str:
        try:
            rows = self.query("SELECT password_hash FROM users WHERE username = ?", (username,))
        except DatabaseError as e:
            pytest.fail(f"the database needs a users table with username and password_hash: {e}")
        assert len(rows) == 1, f"expected one users row for {username!r}, found {len(rows)}"
        stored = rows[0][0]
        assert isinstance(stored, str), f"password_hash must be TEXT, got {type(stored).__name__}"
        return stored

    def tables(self) -> set[str]:
        return {row[0] for row in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def stored_bytes(self) -> bytes:
        """Every byte of every file next to the database (the file, its journal or WAL)."""
        files = self._call("stored_files", folder=self.folder)
        return b"".join(base64.b64decode(content, validate=True) for _, content in files)


def _cell(value: Any) -> Any:
    """A database value: a BLOB comes as ``{"blob": "<hex>"}``."""
    return bytes.fromhex(value["blob"]) if isinstance(value, dict) else value


@pytest.fixture
def make_service(call: Callable[..., Any]) -> Iterator[Callable[..., Service]]:
    """``make_service(name="notes.db")``: an app on that file in the test's folder (the same name
    twice gives two apps on one database, like a restart)."""
    folder = call("new_folder")

    def make(name: str = "notes.db") -> Service:
        return Service(call, folder, call("open_app", folder=folder, name=name))

    try:
        yield make
    finally:
        call("close_folder", folder=folder)


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    return make_service()


@pytest.fixture
def alice(service: Service) -> User:
    return service.signup("alice")


@pytest.fixture
def bob(service: Service, alice: User) -> User:
    return service.signup("bob")


class Calls:
    """A live view over the calls recorded of some library functions, beside the app."""

    def __init__(self, call: Callable[..., Any], functions: list[str]) -> None:
        self._call = call
        self._functions = functions

    def all(self) -> list[tuple[Any, ...]]:
        return [tuple(entry) for entry in self._call("watched_calls", functions=self._functions)]

    def clear(self) -> None:
        self._call("forget_calls", functions=self._functions)


@pytest.fixture
def watch(call: Callable[..., Any], service: Service) -> Iterator[Callable[..., Calls]]:
    """``watch(*functions)``: wrap library functions beside the app (after it is built, so that
    the candidate's modules are loaded) and return a view of their recorded calls.

    The wrapper replaces a function wherever the candidate's code can reach it: on the library
    module (``hashlib.scrypt``), on ``secrets`` for ``compare_digest``, and on the candidate's
    own modules (``from hmac import compare_digest``).
    """

    def install(*functions: str) -> Calls:
        call("watch", functions=list(functions))
        return Calls(call, list(functions))

    try:
        yield install
    finally:
        call("stop_watching")


@pytest.fixture
def kdf_calls(watch: Callable[..., Calls]) -> Calls:
    """Every ``hashlib.scrypt`` and ``hashlib.pbkdf2_hmac`` call, recorded as its cost settings:
    ``("scrypt", n, r, p)`` or ``("pbkdf2", hash_name, iterations)``."""
    return watch("hashlib.scrypt", "hashlib.pbkdf2_hmac")


@pytest.fixture
def compare_digest_calls(watch: Callable[..., Calls]) -> Calls:
    """Every call of ``hmac.compare_digest`` (also reachable as ``secrets.compare_digest``),
    recorded as ``("compare_digest", <type of a>, <type of b>)``."""
    return watch("hmac.compare_digest")
