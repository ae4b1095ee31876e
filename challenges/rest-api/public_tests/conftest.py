"""Shared fixtures for the public tests. Run `pytest` from the repository root."""

import sys
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # Recent Starlette versions warn about their own httpx dependency here; not your concern.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

# Make `app` importable however pytest is started (the repository root holds the app/ package).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@pytest.fixture
def app():
    from app.main import create_app

    return create_app({"token-a", "token-b"})


@pytest.fixture
def client(app):
    """Authenticated with a valid token."""
    with TestClient(app, headers={"Authorization": "Bearer token-a"}) as client:
        yield client


@pytest.fixture
def anon(app):
    """Same app, no Authorization header."""
    client = TestClient(app)
    yield client
    client.close()
