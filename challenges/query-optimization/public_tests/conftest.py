"""Shared fixtures for the public tests. Run `pytest` from the repository root."""

import sqlite3
import sys
from pathlib import Path

import pytest

# Make `app` importable however pytest is started (the repository root holds the app/ package).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.seed import connect, seed

# A tiny shop: (id, name, country), (id, name, category, list price), (id, customer, status,
# ordered_at), (order, product, quantity, unit price paid).
CUSTOMERS = [(1, "Ada Lovelace", "GB"), (2, "Alan Turing", "GB"), (3, "Grace Hopper", "US")]
PRODUCTS = [(1, "Novel", "books", 1500), (2, "Lamp", "home", 4000)]
ORDERS = [
    (1, 1, "paid", "2024-01-10 09:00:00"),
    (2, 1, "paid", "2024-02-01 00:00:00"),
    (3, 2, "paid", "2024-01-31 23:59:59"),
    (4, 2, "cancelled", "2024-01-15 12:00:00"),
    (5, 3, "paid", "2024-01-20 18:30:00"),
    (6, 3, "pending", "2024-01-21 10:00:00"),
]
ITEMS = [
    (1, 1, 2, 1500), (1, 2, 1, 4000),  # Ada, January: 7000
    (2, 2, 1, 4000),                   # Ada, February: 4000
    (3, 1, 1, 1200),                   # Alan, January: 1200 (a discounted novel)
    (4, 2, 5, 4000),                   # Alan, cancelled
    (5, 2, 1, 4000), (5, 1, 2, 1500),  # Grace, January: 7000
    (6, 2, 3, 4000),                   # Grace, pending
]


@pytest.fixture
def report():
    from app import report

    return report


@pytest.fixture
def tiny_shop(report):
    conn = connect()
    with conn:
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, '2023-01-01 00:00:00')",
                         [(cid, name, f"{cid}@example.com", country)
                          for cid, name, country in CUSTOMERS])
        conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?)", PRODUCTS)
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
        conn.executemany("INSERT INTO order_items (order_id, product_id, quantity,"
                         " unit_price_cents) VALUES (?, ?, ?, ?)", ITEMS)
    report.prepare(conn)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def seeded_shop():
    """A generated shop (not prepared): 200 customers, 2000 orders."""
    conn = connect()
    seed(conn, customers=200, orders=2000, seed=5)
    yield conn
    conn.close()


def traced(conn: sqlite3.Connection, call):
    """Run ``call()`` and return the SQL statements it ran on ``conn``."""
    statements = []
    conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    return statements
