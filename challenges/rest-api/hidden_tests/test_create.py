"""Creation: POST /products."""

from urllib.parse import urlsplit

LAMP = {
    "sku": "LAMP-01",
    "name": "Desk lamp",
    "price_cents": 2599,
    "quantity": 7,
    "tags": ["lighting", "office"],
}


def test_create_returns_201_and_the_product(client):
    response = client.post("/products", json=LAMP)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] == 1
    assert {key: body.get(key) for key in LAMP} == LAMP


def test_create_sets_location_header(client, make_product):
    make_product()
    response = client.post(
        "/products", json={"sku": "CHAIR-9", "name": "Chair", "price_cents": 4900}
    )

    assert response.status_code == 201, response.text
    location = response.headers.get("location")
    assert location is not None, "POST /products must send a Location header"
    assert urlsplit(location).path == "/products/2"
    fetched = client.get(urlsplit(location).path)
    assert fetched.status_code == 200
    assert fetched.json() == response.json()


def test_create_applies_defaults(client):
    response = client.post(
        "/products", json={"sku": "BULB-1", "name": "LED bulb", "price_cents": 500}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["quantity"] == 0
    assert body["tags"] == []


def test_ids_increase_and_are_never_reused(client, make_product):
    assert [make_product()["id"] for _ in range(3)] == [1, 2, 3]
    third = client.get("/products/3").json()

    assert client.delete("/products/2").status_code == 204
    assert make_product()["id"] == 4
    assert client.delete("/products/4").status_code == 204
    assert make_product()["id"] == 5

    # Deleting and creating must not have touched the others.
    assert client.get("/products/3").json() == third
    assert [p["id"] for p in client.get("/products").json()["items"]] == [1, 3, 5]


def test_duplicate_sku_is_409(client):
    assert client.post("/products", json=LAMP).status_code == 201

    response = client.post("/products", json={**LAMP, "name": "Another lamp", "price_cents": 100})

    assert response.status_code == 409, response.text
    detail = response.json().get("detail")
    assert isinstance(detail, str) and "LAMP-01" in detail, (
        f"409 detail must name the sku: {response.text}"
    )
    listing = client.get("/products").json()
    assert listing["total"] == 1
    assert listing["items"][0]["name"] == "Desk lamp"


def test_each_app_has_its_own_catalogue(make_client):
    first = make_client()
    second = make_client()

    assert first.post("/products", json=LAMP).status_code == 201
    assert first.post("/products", json={**LAMP, "sku": "LAMP-02"}).status_code == 201

    assert second.get("/products").json()["total"] == 0
    assert second.get("/products/1").status_code == 404
    created = second.post("/products", json=LAMP)
    assert created.status_code == 201, "the same sku in another app is not a conflict"
    assert created.json()["id"] == 1
