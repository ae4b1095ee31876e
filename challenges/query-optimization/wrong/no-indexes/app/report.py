"""Sales reports over the shop database: one aggregate query per report, served by indexes."""

from __future__ import annotations

import sqlite3

__all__ = ["monthly_revenue", "prepare", "top_customers"]

# Each report reads a date range of orders, keeps the paid ones and joins their items.
# - orders(status, ordered_at, customer_id): the paid orders of a range are one contiguous
#   slice of the index, and the customer is read from it too (a covering index);
# - order_items(order_id, ...): an order's items in one seek, with the columns the reports
#   need (covering, so the table itself is never read).
INDEXES = (
    (
        "CREATE INDEX IF NOT EXISTS orders_status_ordered_at"
        " ON orders (status, ordered_at, customer_id)"
    ),
    (
        "CREATE INDEX IF NOT EXISTS order_items_order"
        " ON order_items (order_id, product_id, quantity, unit_price_cents)"
    ),
)

TOP_CUSTOMERS = """
WITH revenue AS (
    SELECT o.customer_id,
           COUNT(DISTINCT o.id) AS orders,
           SUM(i.quantity * i.unit_price_cents) AS revenue_cents
    FROM orders AS o
    JOIN order_items AS i ON i.order_id = o.id
    WHERE o.status = 'paid' AND o.ordered_at >= :start AND o.ordered_at < :end
    GROUP BY o.customer_id
)
SELECT c.id, c.name, c.country, r.orders, r.revenue_cents
FROM revenue AS r
JOIN customers AS c ON c.id = r.customer_id
WHERE r.revenue_cents > 0 AND (:country IS NULL OR c.country = :country)
ORDER BY r.revenue_cents DESC, c.id
LIMIT :limit
"""

MONTHLY_REVENUE = """
SELECT substr(o.ordered_at, 1, 7) AS month,
       COUNT(DISTINCT o.id) AS orders,
       SUM(i.quantity * i.unit_price_cents) AS revenue_cents
FROM orders AS o
JOIN order_items AS i ON i.order_id = o.id
JOIN products AS p ON p.id = i.product_id
WHERE o.status = 'paid' AND o.ordered_at >= :start AND o.ordered_at < :end
  AND (:category IS NULL OR p.category = :category)
GROUP BY month
"""


def prepare(conn: sqlite3.Connection) -> None:
    """Nothing to do: each report is a single query now."""


def top_customers(
    conn: sqlite3.Connection,
    *,
    start: str,
    end: str,
    limit: int = 10,
    country: str | None = None,
) -> list[dict]:
    """The customers who spent the most on paid orders placed in [start, end)."""
    rows = conn.execute(
        TOP_CUSTOMERS, {"start": start, "end": end, "limit": limit, "country": country}
    ).fetchall()
    return [
        {
            "customer_id": customer_id,
            "name": name,
            "country": customer_country,
            "orders": orders,
            "revenue_cents": revenue_cents,
        }
        for customer_id, name, customer_country, orders, revenue_cents in rows
    ]


def monthly_revenue(
    conn: sqlite3.Connection,
    *,
    year: int,
    category: str | None = None,
) -> list[dict]:
    """Paid orders and revenue for each month of ``year``, optionally for one product category."""
    params = {"start": f"{year:04d}-01-01", "end": f"{year + 1:04d}-01-01", "category": category}
    found = {
        month: (orders, revenue_cents)
        for month, orders, revenue_cents in conn.execute(MONTHLY_REVENUE, params)
    }
    months = []
    for number in range(1, 13):
        month = f"{year:04d}-{number:02d}"
        orders, revenue_cents = found.get(month, (0, 0))
        months.append({"month": month, "orders": orders, "revenue_cents": revenue_cents})
    return months
