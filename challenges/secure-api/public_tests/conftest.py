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

PASSWORD = "correct horse battery staple"


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "notes.db"


@pytest.fixture
def client(db_path):
    """A client on a fresh app with its own database file. Server errors become 500s."""
    from app.main import create_app

    with TestClient(create_app(str(db_path)), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def signup(client):
    """signup("alice") registers and logs in a user; returns the Authorization header to send."""

    def register_and_login(username, password=PASSWORD):
        credentials = {"username": username, "password": password}
        assert client.post("/register", json=credentials).status_code == 201
        response = client.post("/login", json=credentials)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return register_and_login
