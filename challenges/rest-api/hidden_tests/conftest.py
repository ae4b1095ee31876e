"""Fixtures for the graded suite: every test talks to the candidate's app through these.

The transport (an in-process ``TestClient``) lives here only, so it can change in one place.
The candidate's code is imported as ``app.main`` from ``/submission``, which is on sys.path.
"""

import itertools
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

with warnings.catch_warnings():
    # Recent Starlette releases warn about the httpx transport when the test client is imported
    # (a warning about Starlette's own dependencies, not about the candidate's code); keep it from
    # becoming a collection error under a strict warnings filter.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TOKENS = frozenset({"token-a", "token-b"})
AUTH = {"Authorization": "Bearer token-a"}

MakeClient = Callable[..., TestClient]
MakeProduct = Callable[..., dict[str, Any]]


def new_app(tokens: Iterable[str]) -> Any:
    """A fresh app from the candidate's factory.

    Imported here rather than at module level so that a submission that fails to import
    fails every test with its own error instead of breaking collection.
    """
    from app.main import create_app

    return create_app(set(tokens))


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    """Build a client on a fresh app: ``make_client(tokens=..., token=...)``.

    ``tokens`` is what ``create_app`` is given; ``token`` is sent as ``Bearer <token>`` on every
    request (``None`` sends no Authorization header).
    """
    with ExitStack() as stack:

        def make(tokens: Iterable[str] = TOKENS, token: str | None = "token-a") -> TestClient:
            headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
            return stack.enter_context(TestClient(new_app(tokens), headers=headers))

        yield make


@pytest.fixture
def app_pair() -> Iterator[tuple[TestClient, TestClient]]:
    """Two clients on the same fresh app: one sending a valid token, one sending no credentials.

    Only the first one is entered (it runs the app's lifespan, if any); the second one shares
    the app and its storage.
    """
    app = new_app(TOKENS)
    with TestClient(app, headers=AUTH) as authed:
        anonymous = TestClient(app)
        yield authed, anonymous
        anonymous.close()


@pytest.fixture
def client(app_pair: tuple[TestClient, TestClient]) -> TestClient:
    """A client on a fresh app, authenticated with a valid token."""
    return app_pair[0]


@pytest.fixture
def anon(app_pair: tuple[TestClient, TestClient]) -> TestClient:
    """A client on the same app as ``client`` that sends no Authorization header."""
    return app_pair[1]


@pytest.fixture
def payload() -> Callable[..., dict[str, Any]]:
    """A valid POST body with a fresh sku (SKU-001, SKU-002, ...); keyword args override fields."""
    counter = itertools.count(1)

    def build(**fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "sku": f"SKU-{next(counter):03d}",
            "name": "Widget",
            "price_cents": 1000,
        }
        body.update(fields)
        return body

    return build


@pytest.fixture
def make_product(client: TestClient, payload: Callable[..., dict[str, Any]]) -> MakeProduct:
    """Create a product through the API (asserting success) and return the response body."""

    def create(**fields: Any) -> dict[str, Any]:
        response = client.post("/products", json=payload(**fields))
        assert response.status_code == 201, (
            f"setup: creating a product failed: {response.status_code} {response.text}"
        )
        return response.json()

    return create


@pytest.fixture
def error_fields() -> Callable[[Any], set[str]]:
    """The field names a 422 body points at: every string in the ``loc`` of each error."""

    def fields(response: Any) -> set[str]:
        assert response.status_code == 422, (response.status_code, response.text)
        detail = response.json().get("detail")
        assert isinstance(detail, list) and detail, (
            f"422 body must list errors in 'detail': {response.text}"
        )
        return {part for error in detail for part in error.get("loc", []) if isinstance(part, str)}

    return fields
