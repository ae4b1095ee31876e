"""A hand-made shop small enough to check the reports by hand (grader-owned).

Revenue of an item = quantity x unit_price_cents (the price paid, not the list price).

customers        country   orders (status, ordered_at: items)
 1 Ada Lovelace     GB     o1  paid      2024-03-01 00:00:00: 2 x 4000                   8000
                           o2  paid      2024-03-15 10:00:00: 1 x 1500, 3 x 999          4497
                           o3  cancelled 2024-03-16 12:00:00: 5 x 4000                  (20000)
                           o18 paid      2024-01-01 00:00:00: 2 x 999                    1998
 2 Grace Hopper     US     o6  paid      2024-03-10 09:30:00: 2 x 2500, 1 x 1200         6200
                           o15 paid      2023-12-31 23:59:59: 2 x 1500                   3000
 3 Alan Turing      GB     o4  paid      2024-03-31 23:59:59: 4 x 2500                  10000
                           o5  paid      2024-04-01 00:00:00: 10 x 4000                 40000
 4 Barbara Liskov   US     o7  paid      2024-03-20 18:45:00: 1 x 4000, 1 x 1500, 1 x 700  6200
                           o16 paid      2025-01-01 00:00:00: 1 x 999                     999
 5 Edsger Dijkstra  NL     o8  refunded  2024-03-05 08:00:00: 3 x 4000                  (12000)
                           o9  paid      2024-03-06 14:20:00: 1 x 999                     999
                           o17 paid      2024-12-31 23:59:59: 1 x 1500                   1500
 6 Donald Knuth     US     o10 pending   2024-03-07 11:00:00: 2 x 4000                   (8000)
                           o11 cancelled 2024-03-08 16:00:00: 1 x 2500                  (2500)
 7 Ken Thompson     US     (no orders)
 8 Radia Perlman    US     o12 paid      2024-03-09 13:00:00: 3 x 0 (free stickers)         0
 9 Frances Allen    US     o13 paid      2024-02-29 23:59:59: 1 x 4000                   4000
                           o14 paid      2024-03-12 17:10:00: 1 x 2500                   2500

products: 1 Novel (books, list 1500), 2 Lamp (home, 4000), 3 Kettle (kitchen, 2500),
          4 Cable (electronics, 999), 5 Sticker (books, 0). Grace's novel in o6 was sold at
          1200 and Barbara's cable in o7 at 700 (discounts): their list prices differ.
"""

CUSTOMERS = [
    (1, "Ada Lovelace", "ada@example.com", "GB", "2021-05-01 10:00:00"),
    (2, "Grace Hopper", "grace@example.com", "US", "2021-05-02 10:00:00"),
    (3, "Alan Turing", "alan@example.com", "GB", "2021-05-03 10:00:00"),
    (4, "Barbara Liskov", "barbara@example.com", "US", "2021-05-04 10:00:00"),
    (5, "Edsger Dijkstra", "edsger@example.com", "NL", "2021-05-05 10:00:00"),
    (6, "Donald Knuth", "donald@example.com", "US", "2021-05-06 10:00:00"),
    (7, "Ken Thompson", "ken@example.com", "US", "2021-05-07 10:00:00"),
    (8, "Radia Perlman", "radia@example.com", "US", "2021-05-08 10:00:00"),
    (9, "Frances Allen", "frances@example.com", "US", "2021-05-09 10:00:00"),
]
PRODUCTS = [
    (1, "Novel", "books", 1500),
    (2, "Lamp", "home", 4000),
    (3, "Kettle", "kitchen", 2500),
    (4, "Cable", "electronics", 999),
    (5, "Sticker", "books", 0),
]
ORDERS = [
    (1, 1, "paid", "2024-03-01 00:00:00"),
    (2, 1, "paid", "2024-03-15 10:00:00"),
    (3, 1, "cancelled", "2024-03-16 12:00:00"),
    (4, 3, "paid", "2024-03-31 23:59:59"),
    (5, 3, "paid", "2024-04-01 00:00:00"),
    (6, 2, "paid", "2024-03-10 09:30:00"),
    (7, 4, "paid", "2024-03-20 18:45:00"),
    (8, 5, "refunded", "2024-03-05 08:00:00"),
    (9, 5, "paid", "2024-03-06 14:20:00"),
    (10, 6, "pending", "2024-03-07 11:00:00"),
    (11, 6, "cancelled", "2024-03-08 16:00:00"),
    (12, 8, "paid", "2024-03-09 13:00:00"),
    (13, 9, "paid", "2024-02-29 23:59:59"),
    (14, 9, "paid", "2024-03-12 17:10:00"),
    (15, 2, "paid", "2023-12-31 23:59:59"),
    (16, 4, "paid", "2025-01-01 00:00:00"),
    (17, 5, "paid", "2024-12-31 23:59:59"),
    (18, 1, "paid", "2024-01-01 00:00:00"),
]
# (order, product, quantity, unit_price_cents)
ITEMS = [
    (1, 2, 2, 4000),
    (2, 1, 1, 1500), (2, 4, 3, 999),
    (3, 2, 5, 4000),
    (4, 3, 4, 2500),
    (5, 2, 10, 4000),
    (6, 3, 2, 2500), (6, 1, 1, 1200),
    (7, 2, 1, 4000), (7, 1, 1, 1500), (7, 4, 1, 700),
    (8, 2, 3, 4000),
    (9, 4, 1, 999),
    (10, 2, 2, 4000),
    (11, 3, 1, 2500),
    (12, 5, 3, 0),
    (13, 2, 1, 4000),
    (14, 3, 1, 2500),
    (15, 1, 2, 1500),
    (16, 4, 1, 999),
    (17, 1, 1, 1500),
    (18, 4, 2, 999),
]


ITEM_INSERT = ("INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
               " VALUES (?, ?, ?, ?)")


def fill(shop) -> None:
    """Insert the mini shop's rows into an empty database of the candidate's container
    (a conftest ``Shop``): its inputs travel there, the answers stay in the tests."""
    shop.write(
        *(("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", row) for row in CUSTOMERS),
        *(("INSERT INTO products VALUES (?, ?, ?, ?)", row) for row in PRODUCTS),
        *(("INSERT INTO orders VALUES (?, ?, ?, ?)", row) for row in ORDERS),
        *((ITEM_INSERT, row) for row in ITEMS),
    )


def row(customer_id: int, orders: int, revenue_cents: int) -> dict:
    """The expected top_customers row of a mini-shop customer."""
    _, name, _, country, _ = CUSTOMERS[customer_id - 1]
    return {"customer_id": customer_id, "name": name, "country": country, "orders": orders,
            "revenue_cents": revenue_cents}


def months(year: int, **values: tuple[int, int]) -> list[dict]:
    """Twelve expected monthly_revenue rows: ``months(2024, m03=(8, 38396))``, zeros elsewhere."""
    return [
        {"month": f"{year:04d}-{m:02d}", "orders": values.get(f"m{m:02d}", (0, 0))[0],
         "revenue_cents": values.get(f"m{m:02d}", (0, 0))[1]}
        for m in range(1, 13)
    ]
