"""Public tests: a sample of the behaviour the hidden suite grades (it checks much more)."""

from urllib.parse import urlsplit

LAMP = {"sku": "LAMP-01", "name": "Desk lamp", "price_cents": 2599, "tags": ["lighting"]}


def test_create_returns_201_with_location(client):
    response = client.post("/products", json=LAMP)

    assert response.status_code == 201
    expected = {**LAMP, "id": 1, "quantity": 0}
    body = response.json()
    assert {key: body.get(key) for key in expected} == expected
    assert urlsplit(response.headers["location"]).path == "/products/1"


def test_get_returns_the_created_product(client):
    created = client.post("/products", json=LAMP).json()

    response = client.get(f"/products/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert client.get("/products/999").status_code == 404


def test_requests_without_a_valid_token_get_401(anon, client):
    for response in [
        anon.get("/products"),
        client.get("/products", headers={"Authorization": "Bearer wrong-token"}),
    ]:
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "detail" in response.json()


def test_invalid_price_is_422_naming_the_field(client):
    response = client.post("/products", json={**LAMP, "price_cents": -1})

    assert response.status_code == 422
    assert any("price_cents" in error["loc"] for error in response.json()["detail"])


def test_duplicate_sku_is_409(client):
    assert client.post("/products", json=LAMP).status_code == 201

    response = client.post("/products", json={**LAMP, "name": "Another lamp"})

    assert response.status_code == 409
    assert "LAMP-01" in response.json()["detail"]


def test_list_uses_the_envelope(client):
    for i in range(3):
        client.post("/products", json={**LAMP, "sku": f"LAMP-0{i}", "price_cents": 100 * (3 - i)})

    response = client.get("/products", params={"sort": "price", "limit": 2})

    assert response.status_code == 200
    body = response.json()
    assert [item["sku"] for item in body["items"]] == ["LAMP-02", "LAMP-01"]
    assert (body["total"], body["limit"], body["offset"]) == (3, 2, 0)
