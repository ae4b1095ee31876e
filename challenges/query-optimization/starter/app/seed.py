"""The shop's schema and a deterministic data generator.

``seed(conn, ...)`` fills an empty database with customers, products, orders and order items
drawn from ``random.Random(seed)``: the same arguments give the same rows on every machine.
The graders build their databases with their own copy of this file, so changes you make here
are not used when your code is graded.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta
from itertools import accumulate

__all__ = ["SCHEMA", "STATUSES", "connect", "create_schema", "seed"]

SCHEMA = """
CREATE TABLE customers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    country    TEXT NOT NULL,            -- ISO 3166 alpha-2, e.g. 'DE'
    created_at TEXT NOT NULL             -- 'YYYY-MM-DD HH:MM:SS'
);
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0)    -- today's list price
);
CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled', 'refunded')),
    ordered_at  TEXT NOT NULL            -- 'YYYY-MM-DD HH:MM:SS'
);
CREATE TABLE order_items (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders (id),
    product_id       INTEGER NOT NULL REFERENCES products (id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0)  -- price paid, per unit
);
"""

STATUSES = ("pending", "paid", "cancelled", "refunded")

FIRST_NAMES = (
    "Ada", "Alan", "Barbara", "Claude", "Dennis", "Donald", "Edsger", "Frances", "Grace",
    "Hedy", "Ivan", "John", "Katherine", "Ken", "Leslie", "Linus", "Margaret", "Niklaus",
    "Radia", "Robin", "Shafi", "Sophie", "Tim", "Tony", "Vint", "Whitfield", "Yukihiro",
)
LAST_NAMES = (
    "Allen", "Backus", "Cerf", "Dijkstra", "Engelbart", "Floyd", "Goldwasser", "Hamilton",
    "Hopper", "Johnson", "Kay", "Knuth", "Lamport", "Liskov", "Lovelace", "McCarthy", "Milner",
    "Naur", "Perlman", "Ritchie", "Shannon", "Thompson", "Turing", "Wilson", "Wirth",
)
# (country, weight): a few big markets and a long tail.
COUNTRIES = (
    ("US", 30), ("DE", 14), ("GB", 12), ("FR", 10), ("NL", 6), ("ES", 6), ("IT", 6),
    ("SE", 4), ("CA", 4), ("AU", 3), ("JP", 3), ("BR", 1), ("IS", 1),
)
CATEGORIES = ("books", "electronics", "garden", "home", "kitchen", "sports", "toys", "beauty")
ADJECTIVES = ("Basic", "Classic", "Compact", "Deluxe", "Eco", "Mini", "Pro", "Smart", "Ultra")
NOUNS = ("Bottle", "Cable", "Chair", "Clock", "Kettle", "Lamp", "Mug", "Novel", "Pan", "Plant",
         "Puzzle", "Racket", "Speaker", "Towel")
# List prices come from a short menu, so equal revenues (ties) are common.
PRICES_CENTS = (199, 499, 799, 999, 1299, 1499, 1999, 2499, 2999, 4999, 7999, 9999, 14999)

FIRST_DAY = datetime(2022, 1, 1)
DAYS = 3 * 365 + 1  # 2022-01-01 .. 2024-12-31 (2024 is a leap year)
TIMESTAMP = "%Y-%m-%d %H:%M:%S"


def connect(path: str = ":memory:") -> sqlite3.Connection:
    """A connection to a new database (in memory by default) with the schema created."""
    conn = sqlite3.connect(path)
    create_schema(conn)
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the four tables (no indexes beyond the primary keys)."""
    conn.executescript(SCHEMA)


def seed(
    conn: sqlite3.Connection,
    *,
    customers: int = 2000,
    orders: int = 20000,
    products: int = 200,
    seed: int = 42,
) -> None:
    """Fill the tables of ``conn`` (created by ``create_schema``, empty) deterministically.

    Every order has between one and four items. About 5% of customers never order and about
    3% only ever have unpaid orders (pending, cancelled or refunded). Orders are placed between
    2022-01-01 and 2024-12-31 and get increasing ids in time order; some are placed exactly at
    midnight. An item's ``unit_price_cents`` is the list price of its product or, for some
    items, a discounted price.
    """
    if customers < 1 or orders < 0 or products < 1:
        raise ValueError("need at least one customer and one product")
    rng = random.Random(seed)

    customer_rows = []
    for cid in range(1, customers + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        country = rng.choices([c for c, _ in COUNTRIES], weights=[w for _, w in COUNTRIES])[0]
        created = FIRST_DAY - timedelta(days=rng.randrange(700), seconds=rng.randrange(86400))
        email = f"{first}.{last}.{cid}@example.com".lower()
        customer_rows.append((cid, f"{first} {last}", email, country, created.strftime(TIMESTAMP)))

    product_rows = []
    for pid in range(1, products + 1):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {pid}"
        product_rows.append((pid, name, rng.choice(CATEGORIES), rng.choice(PRICES_CENTS)))

    # Who orders: most customers, some far more often than others.
    roles = [rng.random() for _ in range(customers)]
    buyers = [cid for cid, role in zip(range(1, customers + 1), roles) if role >= 0.05]
    unpaid_only = {cid for cid, role in zip(range(1, customers + 1), roles) if 0.05 <= role < 0.08}
    if not buyers:
        buyers = [1]
    cum_appetite = list(accumulate(rng.choice((1, 1, 1, 1, 2, 2, 3, 5, 8, 13)) for _ in buyers))

    placed = []
    for _ in range(orders):
        day = rng.randrange(DAYS)
        second = 0 if rng.random() < 0.05 else rng.randrange(86400)
        placed.append(FIRST_DAY + timedelta(days=day, seconds=second))
    placed.sort()

    order_rows = []
    item_rows = []
    item_id = 0
    for oid, when in enumerate(placed, start=1):
        cid = rng.choices(buyers, cum_weights=cum_appetite)[0]
        status = rng.choices(STATUSES, weights=(8, 70, 12, 10))[0]
        if cid in unpaid_only and status == "paid":
            status = rng.choice(("pending", "cancelled", "refunded"))
        order_rows.append((oid, cid, status, when.strftime(TIMESTAMP)))
        for _ in range(rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]):
            pid, _name, _category, price = product_rows[rng.randrange(products)]
            quantity = rng.choices((1, 2, 3, 4, 5), weights=(60, 20, 10, 6, 4))[0]
            if rng.random() < 0.2:
                price = price * (100 - rng.choice((5, 10, 15, 20, 30))) // 100
            item_id += 1
            item_rows.append((item_id, oid, pid, quantity, price))

    with conn:
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", customer_rows)
        conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?)", product_rows)
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", order_rows)
        conn.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", item_rows)
