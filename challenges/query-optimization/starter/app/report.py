"""Sales reports over the shop database.

It works, and the numbers are right. It is also far too slow on a real-sized database: see
the brief.
"""

from __future__ import annotations

import sqlite3

__all__ = ["monthly_revenue", "prepare", "top_customers"]


def prepare(conn: sqlite3.Connection) -> None:
    """Get the database ready for the reports. Called once, after the data is loaded."""


def top_customers(
    conn: sqlite3.Connection,
    *,
    start: str,
    end: str,
    limit: int = 10,
    country: str | None = None,
) -> list[dict]:
    """The customers who spent the most on paid orders placed in [start, end)."""
    ranking = []
    customers = conn.execute("SELECT id, name, country FROM customers ORDER BY id").fetchall()
    for customer_id, name, customer_country in customers:
        if country is not None and customer_country != country:
            continue
        paid_orders = 0
        revenue_cents = 0
        orders = conn.execute(
            "SELECT id, status, ordered_at FROM orders WHERE customer_id = ?", (customer_id,)
        ).fetchall()
        for order_id, status, ordered_at in orders:
            if status != "paid" or not start <= ordered_at < end:
                continue
            paid_orders += 1
            items = conn.execute(
                "SELECT quantity, unit_price_cents FROM order_items WHERE order_id = ?",
                (order_id,),
            ).fetchall()
            for quantity, unit_price_cents in items:
                revenue_cents += quantity * unit_price_cents
        if revenue_cents > 0:
            ranking.append(
                {
                    "customer_id": customer_id,
                    "name": name,
                    "country": customer_country,
                    "orders": paid_orders,
                    "revenue_cents": revenue_cents,
                }
            )
    ranking.sort(key=lambda row: (-row["revenue_cents"], row["customer_id"]))
    return ranking[:limit]


def monthly_revenue(
    conn: sqlite3.Connection,
    *,
    year: int,
    category: str | None = None,
) -> list[dict]:
    """Paid orders and revenue for each month of ``year``, optionally for one product category."""
    months = {
        f"{year:04d}-{month:02d}": {"month": f"{year:04d}-{month:02d}", "orders": 0,
                                     "revenue_cents": 0}
        for month in range(1, 13)
    }
    orders = conn.execute("SELECT id, status, ordered_at FROM orders ORDER BY id").fetchall()
    for order_id, status, ordered_at in orders:
        if status != "paid" or ordered_at[:7] not in months:
            continue
        row = months[ordered_at[:7]]
        counted = False
        items = conn.execute(
            "SELECT product_id, quantity, unit_price_cents FROM order_items WHERE order_id = ?",
            (order_id,),
        ).fetchall()
        for product_id, quantity, unit_price_cents in items:
            if category is not None:
                (product_category,) = conn.execute(
                    "SELECT category FROM products WHERE id = ?", (product_id,)
                ).fetchone()
                if product_category != category:
                    continue
            row["revenue_cents"] += quantity * unit_price_cents
            counted = True
        if counted:
            row["orders"] += 1
    return list(months.values())
