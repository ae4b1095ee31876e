"""Authorization: users reach only their own notes; a foreign note looks like a missing one."""

import pytest

from conftest import MISSING_NOTE_ID

REQUESTS = {
    "get": ("GET", None),
    "put": ("PUT", {"title": "hijacked", "body": "bob was here"}),
    "delete": ("DELETE", None),
}


@pytest.mark.parametrize("action", list(REQUESTS))
def test_another_users_note_is_not_found(service, alice, bob, action):
    note = service.create_note(alice, "alice's plans", "private")
    method, body = REQUESTS[action]

    foreign = service.request(method, f"/notes/{note['id']}", bob, json=body)
    missing = service.request(method, f"/notes/{MISSING_NOTE_ID}", bob, json=body)

    assert foreign.status_code == 404, (
        f"{method} on another user's note must be 404 (not 403: that would confirm it exists), "
        f"got {foreign.status_code}: {foreign.text}"
    )
    assert foreign.json() == missing.json(), "a foreign note must look exactly like a missing one"
    # alice's note is untouched.
    assert service.request("GET", f"/notes/{note['id']}", alice).json() == note
    assert service.notes(alice) == [note]
    assert service.notes(bob) == []


def test_list_shows_only_own_notes(service, alice, bob):
    mine = [service.create_note(alice, f"alice {i}", "x") for i in range(2)]
    theirs = [service.create_note(bob, f"bob {i}", "x") for i in range(3)]

    assert service.notes(alice) == mine
    assert service.notes(bob) == theirs


def test_search_shows_only_own_notes(service, alice, bob):
    # alice's notes match bob's search term in the body and in the title.
    service.create_note(alice, "Q3", "the launch plan")
    service.create_note(alice, "plan B", "do not tell bob")
    own = service.create_note(bob, "weekend", "plan a trip")

    assert service.notes(bob, search="plan") == [own]
    assert [note["title"] for note in service.notes(alice, search="plan")] == ["Q3", "plan B"]


def test_client_cannot_set_owner_or_id(service, alice, bob):
    """Unknown fields are rejected (422): ownership and ids never come from the body."""
    alices = service.create_note(alice, "alice's", "original")
    bobs = service.create_note(bob, "bob's", "original")
    attempts = [
        # alice plants a note in bob's account
        (alice, "POST", "/notes", {"owner_id": bob.id}),
        # alice overwrites bob's note by choosing its id
        (alice, "POST", "/notes", {"id": bobs["id"]}),
        # bob moves his note into alice's account
        (bob, "PUT", f"/notes/{bobs['id']}", {"owner_id": alice.id}),
        (bob, "PUT", f"/notes/{bobs['id']}", {"id": alices["id"]}),
    ]

    for user, method, path, extra in attempts:
        body = {"title": "planted", "body": "x", **extra}
        response = service.request(method, path, user, json=body)
        assert response.status_code == 422, (
            f"{method} {path} with {extra} must be rejected with 422 (unknown field), got "
            f"{response.status_code}: {response.text}"
        )
    assert service.notes(alice) == [alices]
    assert service.notes(bob) == [bobs]
