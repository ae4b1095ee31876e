"""Validation of POST bodies: 422 with an error that names the field, and nothing stored."""

import pytest

VALID = {
    "sku": "LAMP-01",
    "name": "Desk lamp",
    "price_cents": 2599,
    "quantity": 1,
    "tags": ["lighting"],
}
MISSING = object()


def body_with(field, value):
    body = dict(VALID)
    if value is MISSING:
        del body[field]
    else:
        body[field] = value
    return body


@pytest.mark.parametrize(
    ("field", "bad_values"),
    [
        pytest.param(
            "sku", [MISSING, "lamp-01", "AB", "A" * 33, "LAMP 01", "LAMP_01", ""], id="bad-sku"
        ),
        pytest.param("name", [MISSING, "", "   ", "x" * 101, 42], id="bad-name"),
        pytest.param("price_cents", [MISSING, -1, 12.5, "cheap", None], id="bad-price"),
        pytest.param("quantity", [-1, 2.5, "many"], id="bad-quantity"),
        pytest.param(
            "tags",
            ["lighting", ["Lighting"], [""], ["x" * 21], ["on sale"], [1]],
            id="bad-tags",
        ),
        pytest.param("id", [99, 1], id="client-chosen-id"),
    ],
)
def test_create_rejects_invalid(client, error_fields, field, bad_values):
    for value in bad_values:
        response = client.post("/products", json=body_with(field, value))
        assert field in error_fields(response), (
            f"{field}={value!r}: the 422 must name {field!r}: {response.text}"
        )

    assert client.get("/products").json()["total"] == 0, "rejected products must not be stored"


def test_accepts_boundary_values(client):
    cases = [
        {"sku": "A-1", "name": "x", "price_cents": 0, "quantity": 0, "tags": []},
        {
            "sku": "9" * 32,
            "name": "y" * 100,
            "price_cents": 10**9,
            "quantity": 10**6,
            "tags": ["z" * 20],
        },
        {
            "sku": "2024-NEW-SKU",
            "name": "Café crème 50% — déjà vu",
            "price_cents": 1,
            "tags": ["a", "new-2024", "b2b"],
        },
    ]
    for case in cases:
        response = client.post("/products", json=case)
        assert response.status_code == 201, (case, response.text)
        body = response.json()
        assert {key: body.get(key) for key in case} == case


def test_name_is_trimmed(client):
    response = client.post(
        "/products", json={"sku": "LAMP-01", "name": "  Desk lamp \t", "price_cents": 1}
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Desk lamp"
    assert client.get("/products/1").json()["name"] == "Desk lamp"

    # Length is measured after trimming.
    padded = "  " + "n" * 100 + "  "
    response = client.post("/products", json={"sku": "LAMP-02", "name": padded, "price_cents": 1})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "n" * 100
