"""Retrieval: GET /products/{id}."""


def test_get_returns_the_product(client, make_product):
    created = [
        make_product(name="Desk lamp", price_cents=2599, quantity=3, tags=["lighting"]),
        make_product(
            name="Office chair", price_cents=15900, quantity=1, tags=["office", "furniture"]
        ),
        make_product(name="Cable tray", price_cents=1200),
    ]

    for product in created:
        response = client.get(f"/products/{product['id']}")
        assert response.status_code == 200, response.text
        assert response.json() == product


def test_get_unknown_product_is_404(client, make_product):
    make_product()

    for path in ["/products/2", "/products/999"]:
        response = client.get(path)
        assert response.status_code == 404, (path, response.text)
        assert response.json().get("detail"), (
            f"a 404 must have a JSON error body with 'detail': {response.text}"
        )
