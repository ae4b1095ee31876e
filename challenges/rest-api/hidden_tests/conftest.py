"""Fixtures for the graded suite: every test talks to the candidate's app through these.

The transport lives here only. Graded runs set ``ASSESS_SERVICE_URL``: the candidate's app
runs in a container of its own (service/serve.py) and is reached over HTTP, so nothing of the
candidate's runs in this process. Without it (a local run next to a solution), an in-process
``TestClient`` on ``app.main`` is used instead; the tests are the same.
"""

import itertools
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

SERVICE_URL = os.environ.get("ASSESS_SERVICE_URL")
TOKENS = frozenset({"token-a", "token-b"})
AUTH = {"Authorization": "Bearer token-a"}
_SERVICE_START_SECONDS = 8.0

MakeClient = Callable[..., httpx.Client]
MakeProduct = Callable[..., dict[str, Any]]
_service_up = False


def _wait_for_service() -> None:
    global _service_up
    deadline = time.monotonic() + _SERVICE_START_SECONDS
    while not _service_up:
        try:
            httpx.get(f"{SERVICE_URL}/__assess__/ready", timeout=1)
            _service_up = True
        except httpx.TransportError:
            if time.monotonic() > deadline:
                pytest.fail("the app's server did not come up")
            time.sleep(0.05)


def new_app(tokens: Iterable[str]) -> Any:
    """A fresh app from the candidate's factory (in process), or its id on the service.

    Created here rather than at module level so that a submission that fails to import
    fails every test with its own error instead of breaking collection.
    """
    if SERVICE_URL is None:
        from app.main import create_app

        return create_app(set(tokens))
    _wait_for_service()
    try:
        response = httpx.post(f"{SERVICE_URL}/__assess__/apps", json={"tokens": sorted(tokens)}, timeout=10)
    except httpx.TransportError as e:
        pytest.fail(f"the app's server stopped answering: {e!r}")
    if response.status_code != 201:
        pytest.fail(f"create_app failed: {response.json().get('error', response.text)}")
    return response.json()["app"]


def client_for(app: Any, headers: dict[str, str]) -> httpx.Client:
    """A client on ``app`` (from ``new_app``) sending ``headers`` on every request."""
    if SERVICE_URL is None:
        with warnings.catch_warnings():
            # Recent Starlette releases warn about the httpx transport when the test client is
            # imported; keep it from becoming a collection error under a strict warnings filter.
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        return TestClient(app, headers=headers)
    return httpx.Client(base_url=SERVICE_URL, headers={**headers, "x-assess-app": app}, timeout=10,
                        follow_redirects=True)


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    """Build a client on a fresh app: ``make_client(tokens=..., token=...)``.

    ``tokens`` is what ``create_app`` is given; ``token`` is sent as ``Bearer <token>`` on every
    request (``None`` sends no Authorization header).
    """
    with ExitStack() as stack:

        def make(tokens: Iterable[str] = TOKENS, token: str | None = "token-a") -> httpx.Client:
            headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
            return stack.enter_context(client_for(new_app(tokens), headers))

        yield make


@pytest.fixture
def app_pair() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Two clients on the same fresh app: one sending a valid token, one sending no credentials.

    Only the first one is entered (in process, it runs the app's lifespan, if any); the second
    one shares the app and its storage.
    """
    app = new_app(TOKENS)
    with client_for(app, AUTH) as authed:
        anonymous = client_for(app, {})
        yield authed, anonymous
        anonymous.close()


@pytest.fixture
def client(app_pair: tuple[httpx.Client, httpx.Client]) -> httpx.Client:
    """A client on a fresh app, authenticated with a valid token."""
    return app_pair[0]


@pytest.fixture
def anon(app_pair: tuple[httpx.Client, httpx.Client]) -> httpx.Client:
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
def make_product(client: httpx.Client, payload: Callable[..., dict[str, Any]]) -> MakeProduct:
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
