"""Updates: PATCH /products/{id}."""

LAMP = {
    "sku": "LAMP-01",
    "name": "Desk lamp",
    "price_cents": 2599,
    "quantity": 7,
    "tags": ["lighting"],
}
CHAIR = {
    "sku": "CHAIR-01",
    "name": "Office chair",
    "price_cents": 15900,
    "quantity": 2,
    "tags": ["office"],
}


def create(client, body):
    response = client.post("/products", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_patch_updates_only_given_fields(client):
    lamp = create(client, LAMP)

    response = client.patch("/products/1", json={"price_cents": 1999, "tags": ["lighting", "sale"]})

    assert response.status_code == 200, response.text
    expected = {**lamp, "price_cents": 1999, "tags": ["lighting", "sale"]}
    assert {key: response.json().get(key) for key in expected} == expected
    assert client.get("/products/1").json() == response.json()

    # An empty patch changes nothing.
    unchanged = client.patch("/products/1", json={})
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json() == response.json()


def test_patch_unknown_product_is_404(client):
    create(client, LAMP)

    for path in ["/products/2", "/products/999"]:
        response = client.patch(path, json={"name": "Ghost"})
        assert response.status_code == 404, (path, response.text)
        assert response.json().get("detail")
    assert client.get("/products").json()["total"] == 1


def test_patch_to_a_taken_sku_is_409_and_changes_nothing(client):
    create(client, LAMP)
    chair = create(client, CHAIR)

    response = client.patch("/products/2", json={"name": "Renamed chair", "sku": "LAMP-01"})

    assert response.status_code == 409, response.text
    detail = response.json().get("detail")
    assert isinstance(detail, str) and "LAMP-01" in detail, (
        f"409 detail must name the sku: {response.text}"
    )
    assert client.get("/products/2").json() == chair
    assert client.get("/products", params={"q": "renamed"}).json()["total"] == 0


def test_patch_can_keep_or_change_its_own_sku(client):
    create(client, LAMP)
    create(client, CHAIR)

    same = client.patch("/products/1", json={"sku": "LAMP-01", "name": "Desk lamp II"})
    assert same.status_code == 200, f"re-sending a product's own sku is not a conflict: {same.text}"
    assert same.json()["name"] == "Desk lamp II"

    moved = client.patch("/products/1", json={"sku": "LAMP-02"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["sku"] == "LAMP-02"

    # The old sku is free again; the new one is taken.
    assert client.post("/products", json=LAMP).status_code == 201
    assert client.post("/products", json={**LAMP, "sku": "LAMP-02"}).status_code == 409


def test_patch_rejects_invalid_values(client, error_fields):
    lamp = create(client, LAMP)

    bad = [
        {"price_cents": -5},
        {"quantity": -1},
        {"name": "   "},
        {"sku": "lamp 01"},
        {"tags": ["Sale"]},
        {"name": None},
        {"price_cents": None},
        {"id": 7},
    ]
    for body in bad:
        response = client.patch("/products/1", json=body)
        (field,) = body
        assert field in error_fields(response), (
            f"{body}: the 422 must name {field!r}: {response.text}"
        )
        assert client.get("/products/1").json() == lamp, (
            f"{body}: a rejected patch must change nothing"
        )
