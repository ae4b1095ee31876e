"""Authentication: every endpoint needs ``Authorization: Bearer <token>`` with a configured token."""

import pytest

ORIGINAL = {
    "sku": "LAMP-01",
    "name": "Desk lamp",
    "price_cents": 2599,
    "quantity": 3,
    "tags": ["lighting"],
}


def assert_unauthorized(response) -> None:
    assert response.status_code == 401, (response.status_code, response.text)
    assert "detail" in response.json(), "a 401 must have a JSON error body with 'detail'"
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.split(" ")[0].lower() == "bearer", (
        f"WWW-Authenticate must name Bearer, got {challenge!r}"
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param(
            "POST", "/products", {"sku": "NEW-01", "name": "New", "price_cents": 1}, id="create"
        ),
        pytest.param("GET", "/products", None, id="list"),
        pytest.param("GET", "/products/1", None, id="get"),
        pytest.param("PATCH", "/products/1", {"name": "Hijacked", "price_cents": 0}, id="update"),
        pytest.param("DELETE", "/products/1", None, id="delete"),
    ],
)
def test_requires_token(client, anon, method, path, body):
    assert client.post("/products", json=ORIGINAL).status_code == 201

    assert_unauthorized(anon.request(method, path, json=body))

    # The rejected request must have had no effect.
    assert client.get("/products").json()["total"] == 1
    product = client.get("/products/1").json()
    assert {key: product.get(key) for key in ORIGINAL} == ORIGINAL


def test_only_configured_tokens_are_accepted(client, make_client):
    created = client.post("/products", json=ORIGINAL)
    assert created.status_code == 201

    # Every configured token works, and they all see the same catalogue.
    other = client.get("/products/1", headers={"Authorization": "Bearer token-b"})
    assert other.status_code == 200
    assert other.json()["sku"] == "LAMP-01"

    for token in ["token-c", "TOKEN-A", "token", "token-a-and-more", "secret-1"]:
        assert_unauthorized(client.get("/products", headers={"Authorization": f"Bearer {token}"}))

    # The tokens are the ones given to create_app, not built into the code.
    custom = {"secret-1", "secret-2"}
    assert make_client(tokens=custom, token="secret-1").get("/products").status_code == 200
    assert make_client(tokens=custom, token="secret-2").get("/products").status_code == 200
    assert_unauthorized(make_client(tokens=custom, token="token-a").get("/products"))


def test_rejects_malformed_authorization(client):
    for header in [
        "Basic dG9rZW4tYTo=",
        "token-a",
        "Bearer",  # "Bearer " is the same on the wire: HTTP strips a value's trailing space
        "Bearertoken-a",
        "Token token-a",
    ]:
        assert_unauthorized(client.get("/products", headers={"Authorization": header}))


def test_auth_is_checked_before_validation_and_lookup(anon):
    assert_unauthorized(anon.post("/products", json={"sku": "bad sku", "price_cents": -1}))
    assert_unauthorized(anon.get("/products", params={"limit": 0, "sort": "nope"}))
    assert_unauthorized(anon.get("/products/999"))
    assert_unauthorized(anon.patch("/products/999", json={"price_cents": -1}))
    assert_unauthorized(anon.delete("/products/999"))
