"""The databases the steps work on, and how what the candidate returns becomes plain data.

This runs in the candidate's container, beside their code: nothing here is trusted by the
tests, and nothing here knows an expected answer. It only holds the connections between
steps and turns values into JSON.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
import threading
from dataclasses import dataclass, field

import grader_seed

__all__ = ["Database", "close", "fingerprint", "get", "new", "plain", "row_types"]


@dataclass
class Database:
    """One connection, used by one step at a time (the driver runs each call in a thread)."""

    conn: sqlite3.Connection
    lock: threading.Lock = field(default_factory=threading.Lock)


_databases: dict[int, Database] = {}
_ids = itertools.count(1)


def new(seed: dict | None) -> int:
    """A new in-memory database with the schema, seeded by the graders' copy of the seed
    when ``seed`` holds its arguments; returns its handle."""
    # Steps run in the driver's threads: the connection must cross them.
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    grader_seed.create_schema(conn)
    if seed is not None:
        grader_seed.seed(conn, **seed)
    handle = next(_ids)
    _databases[handle] = Database(conn)
    return handle


def get(handle: int) -> Database:
    try:
        return _databases[handle]
    except KeyError:
        raise LookupError(f"no database {handle!r}") from None


def close(handle: int) -> None:
    database = _databases.pop(handle, None)
    if database is not None:
        with database.lock:
            database.conn.close()


def fingerprint(conn: sqlite3.Connection) -> str:
    """A digest of every row of the four tables, to prove a database holds the expected data."""
    digest = hashlib.sha256()
    cursor = conn.cursor()
    cursor.row_factory = None
    for table in ("customers", "products", "orders", "order_items"):
        for row in cursor.execute(f"SELECT * FROM {table} ORDER BY id"):
            digest.update(json.dumps([table, *row]).encode())
    return digest.hexdigest()


# The tests compared what the candidate returned after rebuilding it from built-in types,
# reading subclasses through their base type (an int subclass counts as its int). The same
# here, into JSON: JSON has no tuple, so a tuple is tagged and never equals a list or a row.
TUPLE_TAG = "<tuple>"
_SCALARS = {bool: bool, int: int.__int__, float: float.__float__, str: str.__str__}


def plain(value: object) -> object:
    """``value`` as JSON-ready built-in data; raises TypeError on anything else."""
    if value is None:
        return None
    for base, convert in _SCALARS.items():
        if isinstance(value, base):
            return convert(value)  # type: ignore[operator]
    if isinstance(value, dict):
        converted = {}
        for key, item in dict.items(value):
            if not isinstance(key, str):
                raise TypeError(f"expected string keys, got {type(key).__name__} {key!r}")
            converted[str.__str__(key)] = plain(item)
        return converted
    if isinstance(value, list):
        return [plain(item) for item in list.__iter__(value)]
    if isinstance(value, tuple):
        return {TUPLE_TAG: [plain(item) for item in tuple.__iter__(value)]}
    raise TypeError("expected plain data (lists, dicts, numbers, strings),"
                    f" got {type(value).__name__}")


def _type_name(value: object) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def row_types(value: object) -> list[dict]:
    """The exact type of each row of a report and of each of its fields, by name
    (``builtins.dict``, ``builtins.int``): JSON alone would not tell a subclass apart."""
    if isinstance(value, list):
        rows = list(list.__iter__(value))
    elif isinstance(value, tuple):
        rows = list(tuple.__iter__(value))
    else:
        rows = []
    return [
        {"type": _type_name(row),
         "fields": {str(key): _type_name(item) for key, item in dict.items(row)}
         if isinstance(row, dict) else {}}
        for row in rows
    ]
