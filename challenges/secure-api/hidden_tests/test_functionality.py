"""Functionality: the secured service still does everything it did before."""

from conftest import PASSWORD


def test_register_returns_the_new_user(service):
    response = service.register("alice")

    assert response.status_code == 201, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body.get("id"), int)
    assert body.get("username") == "alice"
    assert "password" not in response.text, "the response must not contain the password or hash"

    second = service.register("bob")
    assert second.status_code == 201
    assert second.json()["id"] != body["id"]


INVALID_REGISTRATIONS = [
    {"username": "al", "password": PASSWORD},  # username too short
    {"username": "a" * 33, "password": PASSWORD},  # username too long
    {"username": "al ice", "password": PASSWORD},  # a space
    {"username": "al'ice", "password": PASSWORD},  # a quote
    {"username": "alice", "password": "seven77"},  # password too short
    {"username": "alice", "password": "p" * 257},  # password too long
    {"username": "alice"},  # password missing
    {"username": "alice", "password": PASSWORD, "admin": True},  # an unknown field
]


def test_register_rejects_invalid_input(service):
    for body in INVALID_REGISTRATIONS:
        response = service.request("POST", "/register", json=body)
        assert response.status_code == 422, (body, response.status_code, response.text)
    assert service.query("SELECT count(*) FROM users") == [(0,)], "a rejected user was stored"


def test_register_accepts_boundary_values(service):
    for username in ["abc", "A" * 32, "al.ice_B-9"]:
        response = service.register(username, "8 chars!")
        assert response.status_code == 201, (username, response.status_code, response.text)
        assert service.login(username, "8 chars!").status_code == 200


def test_duplicate_username_is_409_and_keeps_the_account(service, alice):
    before = service.password_hash("alice")

    response = service.register("alice", "a different password")

    assert response.status_code == 409, (response.status_code, response.text)
    assert response.json() == {"detail": "username already taken"}
    assert service.password_hash("alice") == before
    assert service.login("alice", "a different password").status_code == 401
    assert service.login("alice").status_code == 200
    assert service.register("Alice").status_code == 201, "usernames are case-sensitive"


def test_login_returns_a_bearer_token(service):
    service.register("alice")

    response = service.login("alice")

    assert response.status_code == 200, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body.get("access_token"), str) and body["access_token"]
    assert body.get("token_type") == "bearer"


def test_note_lifecycle(service, alice):
    created = service.request("POST", "/notes", alice, json={"title": "groceries", "body": "milk"})
    assert created.status_code == 201, (created.status_code, created.text)
    note = created.json()
    assert isinstance(note.get("id"), int)
    assert (note.get("title"), note.get("body")) == ("groceries", "milk")
    path = f"/notes/{note['id']}"

    fetched = service.request("GET", path, alice)
    assert fetched.status_code == 200 and fetched.json() == note

    updated = service.request("PUT", path, alice, json={"title": "groceries", "body": "oat milk"})
    assert updated.status_code == 200, (updated.status_code, updated.text)
    assert updated.json() == {**note, "body": "oat milk"}
    assert service.request("GET", path, alice).json() == {**note, "body": "oat milk"}

    deleted = service.request("DELETE", path, alice)
    assert deleted.status_code == 204 and deleted.content == b""
    for method, body in [("GET", None), ("PUT", {"title": "t", "body": "b"}), ("DELETE", None)]:
        response = service.request(method, path, alice, json=body)
        assert response.status_code == 404, (method, response.status_code, response.text)
        assert response.json() == {"detail": "note not found"}
    assert service.notes(alice) == []


def test_list_returns_notes_in_creation_order(service, alice):
    created = [service.create_note(alice, f"note {i}", f"body {i}") for i in range(4)]
    service.request("DELETE", f"/notes/{created[1]['id']}", alice)

    assert service.notes(alice) == [created[0], created[2], created[3]]


def test_search_matches_title_or_body_case_insensitively(service, alice):
    a = service.create_note(alice, "Meeting notes", "discuss the budget")
    b = service.create_note(alice, "Shopping", "buy a notebook")
    c = service.create_note(alice, "Ideas", "nothing here")
    assert c

    assert service.notes(alice, search="NOTE") == [a, b]
    assert service.notes(alice, search="budget") == [a]
    assert service.notes(alice, search="meeting") == [a]
    assert service.notes(alice, search="absent") == []
    assert service.notes(alice, search="") == service.notes(alice)


INVALID_NOTES = [
    {"title": "", "body": "x"},
    {"title": "t" * 201, "body": "x"},
    {"title": "t", "body": "b" * 10_001},
    {"title": "t"},
    {"body": "x"},
    {"title": 5, "body": "x"},
    {"title": "t", "body": None},
]


def test_note_validation(service, alice):
    note = service.create_note(alice, "t" * 200, "b" * 10_000)  # the longest valid note
    path = f"/notes/{note['id']}"

    for body in INVALID_NOTES:
        for method, url in [("POST", "/notes"), ("PUT", path)]:
            response = service.request(method, url, alice, json=body)
            assert response.status_code == 422, (method, body, response.status_code)
    assert service.notes(alice) == [note]
    assert service.request("GET", path, alice).json() == note
    assert service.create_note(alice, "empty body allowed", "")["body"] == ""


def test_data_survives_a_restart(service, make_service, alice):
    note = service.create_note(alice, "persistent", "still here")

    restarted = make_service()  # a second app on the same database file

    token = restarted.token("alice")
    response = restarted.request("GET", "/notes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json() == [note]
    assert restarted.register("alice").status_code == 409
