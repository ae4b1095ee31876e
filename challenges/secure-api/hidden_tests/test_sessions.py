"""Sessions: random bearer tokens, required on every notes endpoint, revoked by logout."""

import re

import pytest

from conftest import PASSWORD

TOKEN = re.compile(r"[A-Za-z0-9_-]{43,}")


def assert_unauthorized(response):
    assert response.status_code == 401, (response.status_code, response.text)
    assert "detail" in response.json(), "a 401 must have a JSON body with 'detail'"
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.split(" ")[0].lower() == "bearer", (
        f"a 401 must carry WWW-Authenticate: Bearer, got {challenge!r}"
    )


ENDPOINTS = {
    "list": ("GET", "/notes", None),
    "create": ("POST", "/notes", {"title": "anonymous", "body": "x"}),
    "get": ("GET", "/notes/{id}", None),
    "update": ("PUT", "/notes/{id}", {"title": "anonymous", "body": "x"}),
    "delete": ("DELETE", "/notes/{id}", None),
    "logout": ("POST", "/logout", None),
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_endpoint_requires_a_token(service, alice, endpoint):
    note = service.create_note(alice, "mine", "private")
    method, path, body = ENDPOINTS[endpoint]

    assert_unauthorized(service.request(method, path.format(id=note["id"]), json=body))

    # Nothing happened: the note is intact and alice's session still works.
    assert service.notes(alice) == [note]


def test_invalid_tokens_are_rejected(service, make_service, alice):
    other_app = make_service("other.db")
    other_app.signup("alice")
    foreign_token = other_app.token("alice")

    for header in [
        f"Bearer {alice.token}x",
        f"Bearer {alice.token[:-1]}",
        f"Bearer {foreign_token}",
        "Bearer",
        "Bearer ",
        f"Basic {alice.token}",
        alice.token,
    ]:
        response = service.request("GET", "/notes", headers={"Authorization": header})
        assert_unauthorized(response)
    assert service.request("GET", "/notes", alice).status_code == 200


def test_tokens_are_long_random_and_unique(service, alice):
    tokens = [alice.token] + [service.token("alice") for _ in range(5)]

    for token in tokens:
        assert TOKEN.fullmatch(token), (
            f"a token must be at least 43 URL-safe characters (32 random bytes), got {token!r}"
        )
    assert len(set(tokens)) == len(tokens), "every login must get a new token"


def test_tokens_do_not_come_from_the_random_module(service, alice):
    # `random` is seeded beside the app, in the candidate's process, for each login.
    first = service.token("alice", seed_random=20240521)
    second = service.token("alice", seed_random=20240521)

    assert first != second, (
        "tokens must come from the secrets module: reseeding `random` reproduced a token"
    )


def test_every_session_works_at_once(service, alice, bob):
    note = service.create_note(alice, "mine", "private")
    second = service.token("alice")

    for token in [alice.token, second]:
        response = service.request("GET", "/notes", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        assert response.json() == [note]
    assert service.notes(bob) == []


def test_logout_revokes_only_that_token(service, alice):
    other = service.token("alice")
    other_headers = {"Authorization": f"Bearer {other}"}

    response = service.request("POST", "/logout", alice)
    assert response.status_code == 204, (response.status_code, response.text)

    assert_unauthorized(service.request("GET", "/notes", alice))
    assert_unauthorized(service.request("POST", "/logout", alice))
    assert service.request("GET", "/notes", headers=other_headers).status_code == 200
    # Logging in again works as usual.
    assert service.request("GET", "/notes", headers={
        "Authorization": f"Bearer {service.token('alice', PASSWORD)}"
    }).status_code == 200
