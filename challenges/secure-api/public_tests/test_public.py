"""Public tests: a sample of what the hidden suite grades (it checks much more)."""

import sqlite3

from conftest import PASSWORD


def test_notes_round_trip(client, signup):
    alice = signup("alice")

    created = client.post("/notes", json={"title": "groceries", "body": "milk"}, headers=alice)
    assert created.status_code == 201
    note = created.json()
    assert (note["title"], note["body"]) == ("groceries", "milk")

    assert client.get(f"/notes/{note['id']}", headers=alice).json() == note
    assert client.get("/notes", headers=alice).json() == [note]
    assert client.get("/notes", params={"search": "GROC"}, headers=alice).json() == [note]


def test_notes_require_a_token(client):
    response = client.get("/notes")

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_search_term_is_text_not_sql(client, signup):
    alice = signup("alice")
    bob = signup("bob")
    created = client.post("/notes", json={"title": "diary", "body": "private"}, headers=alice)
    assert created.status_code == 201

    response = client.get("/notes", params={"search": "') OR 1=1 --"}, headers=bob)

    assert response.status_code == 200
    assert response.json() == []


def test_another_users_note_is_404(client, signup):
    alice = signup("alice")
    bob = signup("bob")
    note = client.post("/notes", json={"title": "mine", "body": "private"}, headers=alice).json()

    assert client.get(f"/notes/{note['id']}", headers=bob).status_code == 404
    assert client.delete(f"/notes/{note['id']}", headers=bob).status_code == 404
    assert client.get(f"/notes/{note['id']}", headers=alice).json() == note


def test_failed_logins_look_the_same(client, signup):
    signup("alice")

    wrong_password = client.post("/login", json={"username": "alice", "password": "nope nope"})
    unknown_user = client.post("/login", json={"username": "mallory", "password": PASSWORD})

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()


def test_passwords_are_stored_salted_and_slow(client, signup, db_path):
    signup("alice")
    signup("bob")

    with sqlite3.connect(db_path) as conn:
        hashes = [row[0] for row in conn.execute("SELECT password_hash FROM users")]

    assert len(hashes) == 2 and hashes[0] != hashes[1]  # same password, different salt
    for stored in hashes:
        assert stored.startswith(("scrypt$", "pbkdf2_sha256$"))
        assert PASSWORD not in stored
