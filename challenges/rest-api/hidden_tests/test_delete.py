"""Deletion: DELETE /products/{id}."""


def test_delete_returns_204_and_removes_the_product(client, make_product):
    first = make_product()
    second = make_product()

    response = client.delete(f"/products/{first['id']}")
    assert response.status_code == 204, response.text
    assert response.content == b"", "a 204 has an empty body"

    assert client.get(f"/products/{first['id']}").status_code == 404
    again = client.delete(f"/products/{first['id']}")
    assert again.status_code == 404
    assert again.json().get("detail")
    assert client.delete("/products/999").status_code == 404

    listing = client.get("/products").json()
    assert listing["total"] == 1
    assert listing["items"] == [second]


def test_deleted_sku_can_be_reused(client):
    body = {"sku": "LAMP-01", "name": "Desk lamp", "price_cents": 2599}
    assert client.post("/products", json=body).status_code == 201
    assert client.delete("/products/1").status_code == 204

    response = client.post("/products", json={**body, "name": "Desk lamp v2"})
    assert response.status_code == 201, response.text
    assert response.json()["id"] == 2
    assert response.json()["name"] == "Desk lamp v2"
