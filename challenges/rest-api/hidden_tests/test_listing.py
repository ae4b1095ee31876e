"""Listing: GET /products with pagination, filtering and sorting."""

import pytest

# id, name, price_cents, tags: created in this order, so ids are 1..9.
CATALOGUE = [
    ("Desk lamp", 2500, ["lighting", "office"]),
    ("floor lamp", 8900, ["lighting"]),
    ("Office chair", 15900, ["office", "furniture"]),
    ("Desk", 25000, ["furniture", "office"]),
    ("LED bulb", 500, ["lighting"]),
    ("Lamp shade", 2500, ["lighting"]),
    ("bookshelf", 8900, ["furniture"]),
    ("Cable tray", 2500, []),
    ("desk lamp", 4000, ["lighting"]),
]


@pytest.fixture
def catalogue(make_product):
    return [
        make_product(name=name, price_cents=price, tags=tags) for name, price, tags in CATALOGUE
    ]


@pytest.fixture
def numbered(make_product):
    """A factory: ``numbered(n)`` creates n products with ids 1..n."""

    def create(n):
        return [make_product(name=f"Item {i:02d}") for i in range(1, n + 1)]

    return create


def ids(response):
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def envelope(response):
    assert response.status_code == 200, response.text
    body = response.json()
    return {key: body.get(key) for key in ("total", "limit", "offset")}


def test_default_page(client, numbered):
    empty = client.get("/products")
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}

    created = numbered(25)
    response = client.get("/products")
    assert ids(response) == list(range(1, 21))
    assert envelope(response) == {"total": 25, "limit": 20, "offset": 0}
    assert response.json()["items"][0] == created[0]


def test_page_window(client, numbered):
    numbered(7)
    response = client.get("/products", params={"limit": 3, "offset": 2})
    assert ids(response) == [3, 4, 5]
    assert envelope(response) == {"total": 7, "limit": 3, "offset": 2}


def test_last_partial_page(client, numbered):
    numbered(7)
    assert ids(client.get("/products", params={"limit": 3, "offset": 6})) == [7]
    response = client.get("/products", params={"limit": 5, "offset": 5})
    assert ids(response) == [6, 7]
    assert envelope(response) == {"total": 7, "limit": 5, "offset": 5}


def test_offset_beyond_end(client, numbered):
    numbered(7)
    for offset in (7, 100):
        response = client.get("/products", params={"offset": offset})
        assert ids(response) == []
        assert envelope(response) == {"total": 7, "limit": 20, "offset": offset}


def test_query_parameters_are_validated(client, numbered, error_fields):
    numbered(3)
    bad = [
        ("limit", 0),
        ("limit", 101),
        ("limit", -5),
        ("limit", "ten"),
        ("offset", -1),
        ("min_price", -1),
        ("max_price", "cheap"),
    ]
    for name, value in bad:
        response = client.get("/products", params={name: value})
        assert name in error_fields(response), (
            f"{name}={value!r}: the 422 must name {name!r}: {response.text}"
        )

    # The bounds themselves are fine.
    assert ids(client.get("/products", params={"limit": 1})) == [1]
    assert envelope(client.get("/products", params={"limit": 100})) == {
        "total": 3,
        "limit": 100,
        "offset": 0,
    }


def test_filter_by_tag(client, catalogue):
    response = client.get("/products", params={"tag": "lighting"})
    assert ids(response) == [1, 2, 5, 6, 9]
    assert response.json()["total"] == 5
    assert ids(client.get("/products", params={"tag": "furniture"})) == [3, 4, 7]
    assert envelope(client.get("/products", params={"tag": "garden"}))["total"] == 0


def test_filter_by_price_range(client, catalogue):
    response = client.get("/products", params={"min_price": 2500, "max_price": 8900})
    assert ids(response) == [1, 2, 6, 7, 8, 9], "both bounds are inclusive"
    assert response.json()["total"] == 6
    assert ids(client.get("/products", params={"min_price": 15900})) == [3, 4]
    assert ids(client.get("/products", params={"max_price": 500})) == [5]
    assert ids(client.get("/products", params={"min_price": 9000, "max_price": 100})) == []


def test_filter_by_name_substring(client, catalogue):
    response = client.get("/products", params={"q": "lamp"})
    assert ids(response) == [1, 2, 6, 9]
    assert response.json()["total"] == 4
    assert ids(client.get("/products", params={"q": "DESK"})) == [1, 4, 9]
    assert ids(client.get("/products", params={"q": "k la"})) == [1, 9]
    assert ids(client.get("/products", params={"q": "sofa"})) == []


def test_filters_apply_before_pagination(client, catalogue):
    params = {"tag": "lighting", "max_price": 4000, "sort": "-price", "limit": 2}
    first = client.get("/products", params=params)
    assert ids(first) == [9, 1]
    assert envelope(first) == {"total": 4, "limit": 2, "offset": 0}, (
        "total counts every match, not the page"
    )

    second = client.get("/products", params={**params, "offset": 2})
    assert ids(second) == [6, 5]
    assert envelope(second) == {"total": 4, "limit": 2, "offset": 2}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        pytest.param("price", [5, 1, 6, 8, 9, 2, 7, 3, 4], id="price"),
        pytest.param("-price", [4, 3, 2, 7, 9, 1, 6, 8, 5], id="price-desc"),
        pytest.param("name", [7, 8, 4, 1, 9, 2, 6, 5, 3], id="name"),
        pytest.param("-name", [3, 5, 6, 2, 1, 9, 4, 8, 7], id="name-desc"),
    ],
)
def test_sort(client, catalogue, sort, expected):
    # Ties (equal price, or names equal ignoring case) are broken by ascending id in both directions.
    response = client.get("/products", params={"sort": sort})
    assert ids(response) == expected

    # Sorting applies to the whole result, before the page is cut.
    page = client.get("/products", params={"sort": sort, "limit": 3, "offset": 3})
    assert ids(page) == expected[3:6]
    assert envelope(page) == {"total": 9, "limit": 3, "offset": 3}


def test_sort_by_id_and_unknown_keys(client, catalogue, error_fields):
    assert ids(client.get("/products", params={"sort": "id"})) == list(range(1, 10))
    assert ids(client.get("/products", params={"sort": "-id", "limit": 4})) == [9, 8, 7, 6]

    for sort in ["price_cents", "PRICE", "+price", "--price", "quantity"]:
        response = client.get("/products", params={"sort": sort})
        assert "sort" in error_fields(response), (
            f"sort={sort!r}: the 422 must name 'sort': {response.text}"
        )
