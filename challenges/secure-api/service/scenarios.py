"""The steps the hidden tests call, run in the candidate's container beside their code.

Each test works on a *folder* (``new_folder``) holding one or more apps built with the
candidate's ``create_app`` on SQLite files in it (``open_app``; the same name twice is a
restart). The tests then send HTTP requests to an app through an in-process ``TestClient``
(``request``), read its database file (``query``, ``stored_files``) and watch the library
calls it makes (``watch``, ``watched_calls``). Every step answers with what it observed, as
plain data: status codes, headers and body bytes, rows, files, recorded call arguments. No
expected value and no verdict lives here: the assertions are all in hidden_tests/.

Handles (``"f1"``, ``"a2"``) name this container's folders and apps; the tests only pass
them back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import random
import secrets
import shutil
import sqlite3
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Recent Starlette releases warn about the httpx transport when the test client is imported.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

__all__ = [
    "new_folder", "open_app", "close_folder", "request", "query", "stored_files",
    "watch", "watched_calls", "forget_calls", "stop_watching",
]

_ids = itertools.count(1)
_folders: dict[str, Path] = {}
_apps: dict[str, tuple[str, TestClient, Path]] = {}  # handle -> (folder, client, db file)
_lock = threading.Lock()


# --- apps on database files -----------------------------------------------------------


def new_folder() -> str:
    """A fresh, empty folder for a test's database files; its handle."""
    handle = f"f{next(_ids)}"
    _folders[handle] = Path(tempfile.mkdtemp(prefix="secure-api-"))
    return handle


def open_app(folder: str, name: str = "notes.db") -> str:
    """``create_app`` on the file ``name`` in ``folder``, behind an entered ``TestClient``
    that turns server errors into 500 responses; the app's handle.

    The candidate's code is imported here, not at start-up, so that a submission that fails
    to import fails every test with its own error.
    """
    if "/" in name or name.startswith("."):
        raise ValueError(f"not a file name: {name!r}")
    db_path = _folders[folder] / name
    from app.main import create_app

    client = TestClient(create_app(str(db_path)), raise_server_exceptions=False)
    client.__enter__()
    handle = f"a{next(_ids)}"
    _apps[handle] = (folder, client, db_path)
    return handle


def close_folder(folder: str) -> None:
    """Shut down every app of ``folder`` (their lifespans end) and delete its files."""
    handles = [handle for handle, (owner, _, _) in _apps.items() if owner == folder]
    try:
        for handle in handles:
            _apps.pop(handle)[1].__exit__(None, None, None)
    finally:
        shutil.rmtree(_folders.pop(folder), ignore_errors=True)


def request(app: str, method: str, path: str, headers: dict[str, str] | None = None,
            json: Any = None, params: dict[str, str] | None = None,
            seed_random: int | None = None) -> dict[str, Any]:
    """One HTTP request to ``app``: its status, headers (names in lower case, repeated ones
    joined by ", ") and body (base64).

    ``json`` is sent as the body unless it is None. With ``seed_random``, the ``random``
    module is seeded with it for the request (and restored after), as a generator that
    draws tokens from ``random`` would be reproduced.
    """
    client = _apps[app][1]
    body = {} if json is None else {"json": json}
    if seed_random is None:
        response = client.request(method, path, headers=headers or {}, params=params, **body)
    else:
        state = random.getstate()
        try:
            random.seed(seed_random)
            response = client.request(method, path, headers=headers or {}, params=params, **body)
        finally:
            random.setstate(state)
    return {
        "status": int(response.status_code),
        "headers": {str(k): str(v) for k, v in response.headers.items()},
        "content": base64.b64encode(bytes(response.content)).decode("ascii"),
    }


def query(app: str, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
    """A read-only query on ``app``'s database file: ``{"rows": [[...], ...]}``, a BLOB as
    ``{"blob": "<hex>"}``; or ``{"error": "<sqlite's message>"}``."""
    conn = sqlite3.connect(f"file:{_apps[app][2]}?mode=ro", uri=True)
    try:
        rows = conn.execute(sql, tuple(params or ())).fetchall()
    except sqlite3.Error as e:
        return {"error": f"{e.__class__.__name__}: {e}"}
    finally:
        conn.close()
    return {"rows": [[_cell(value) for value in row] for row in rows]}


def _cell(value: Any) -> Any:
    return {"blob": bytes(value).hex()} if isinstance(value, (bytes, bytearray, memoryview)) else value


def stored_files(folder: str) -> list[list[str]]:
    """Every file of ``folder`` (the databases, their journals or WALs), by name:
    ``[[name, base64 content], ...]`` in name order."""
    files = sorted(p for p in _folders[folder].iterdir() if p.is_file())
    return [[p.name, base64.b64encode(p.read_bytes()).decode("ascii")] for p in files]


# --- watching library calls -----------------------------------------------------------


def _scrypt(*args: Any, **kwargs: Any) -> list[Any]:
    return ["scrypt", _plain(kwargs.get("n")), _plain(kwargs.get("r")), _plain(kwargs.get("p"))]


def _pbkdf2(*args: Any, **kwargs: Any) -> list[Any]:
    bound = {**dict(zip(["hash_name", "password", "salt", "iterations"], args, strict=False)), **kwargs}
    return ["pbkdf2", _plain(bound.get("hash_name")), _plain(bound.get("iterations"))]


def _compare_digest(*args: Any, **kwargs: Any) -> list[Any]:
    return ["compare_digest", *(type(arg).__name__ for arg in args)]


def _plain(value: Any) -> Any:
    """A recorded argument as JSON: ints and strings as they are, anything else by type."""
    if value is None or type(value) in (int, str):
        return value
    return f"<{type(value).__name__}>"


# What ``watch`` may wrap, and what it records of each call.
_RECORDERS = {
    "hashlib.scrypt": (hashlib, "scrypt", _scrypt),
    "hashlib.pbkdf2_hmac": (hashlib, "pbkdf2_hmac", _pbkdf2),
    "hmac.compare_digest": (hmac, "compare_digest", _compare_digest),
}
# function -> (the calls recorded, [(holder, attribute, original)] to restore)
_watched: dict[str, tuple[list[list[Any]], list[tuple[Any, str, Any]]]] = {}


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


def _recording(original: Any, record: Any, calls: list[list[Any]]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        entry = record(*args, **kwargs)
        with _lock:
            calls.append(entry)
        return original(*args, **kwargs)

    return wrapper


def watch(functions: list[str]) -> None:
    """Wrap each of ``functions`` (keys of ``_RECORDERS``) wherever the candidate's code can
    reach it: on its library module, on ``hashlib``, ``hmac`` and ``secrets`` (where
    ``compare_digest`` is also found), and on the candidate's own modules (``from hmac import
    compare_digest``). Each call through a wrapper is recorded, then made as usual."""
    for function in functions:
        if function in _watched:
            continue
        module, name, record = _RECORDERS[function]
        original = getattr(module, name)
        calls: list[list[Any]] = []
        wrapper = _recording(original, record, calls)
        patched = []
        for holder in [module, hashlib, hmac, secrets, *_submission_modules()]:
            for attr, value in list(vars(holder).items()):
                if value is original:
                    setattr(holder, attr, wrapper)
                    patched.append((holder, attr, original))
        _watched[function] = (calls, patched)


def watched_calls(functions: list[str]) -> list[list[Any]]:
    """What was recorded of every call of ``functions`` since they were watched or forgotten."""
    with _lock:
        return [list(entry) for function in functions for entry in _watched[function][0]]


def forget_calls(functions: list[str]) -> None:
    with _lock:
        for function in functions:
            _watched[function][0].clear()


def stop_watching() -> None:
    """Put every wrapped function back."""
    while _watched:
        _, (_, patched) = _watched.popitem()
        for holder, attr, original in reversed(patched):
            setattr(holder, attr, original)
