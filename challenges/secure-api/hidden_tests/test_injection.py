"""SQL injection: request values are data, never SQL, on every query (login, search, writes)."""

import pytest

from conftest import MISSING_NOTE_ID

LOGIN_PAYLOADS = [
    # Comments out the password check: "... WHERE username = 'alice'--' AND password_hash = ..."
    pytest.param("alice'--", id="comment-out-password"),
    # An always-true condition: the first user in the table, whoever that is.
    pytest.param("' OR '1'='1' --", id="tautology"),
]

SEARCH_PAYLOADS = [
    # Closes the parenthesised search condition and ORs in everything, other users included.
    pytest.param("') OR 1=1 --", id="or-true"),
    # The same without a comment: balanced quotes and parentheses.
    pytest.param("%') OR ('1'='1", id="or-true-balanced"),
    # Appends every account (and its password hash) to the result as fake notes.
    pytest.param("') UNION SELECT id, username, password_hash FROM users --", id="union"),
]


@pytest.mark.parametrize("username", LOGIN_PAYLOADS)
def test_login_rejects_sql_injection(service, alice, bob, username):
    response = service.login(username, "not the password")

    assert 400 <= response.status_code < 500, (
        f"login as {username!r} with a wrong password must fail (401), got "
        f"{response.status_code}: {response.text}"
    )
    assert "access_token" not in response.text
    # Nothing was changed, and the real accounts still work.
    assert sorted(row[0] for row in service.query("SELECT username FROM users")) == ["alice", "bob"]
    assert service.login("alice").status_code == 200


@pytest.mark.parametrize("payload", SEARCH_PAYLOADS)
def test_search_treats_sql_as_text(service, alice, bob, payload):
    service.create_note(alice, "alice's diary", "secret: the launch is on friday")
    plain = service.create_note(bob, "shopping", "milk, eggs")
    literal = service.create_note(bob, "odd note", f"this note quotes {payload} literally")

    response = service.request("GET", "/notes", bob, params={"search": payload})

    assert response.status_code == 200, (response.status_code, response.text)
    found = response.json()
    # Only bob's note that contains the payload as text matches; nothing of alice's, no users.
    assert [note.get("id") for note in found] == [literal["id"]], found
    assert "friday" not in response.text and "alice" not in response.text
    assert plain["id"] not in [note.get("id") for note in found]


def test_search_payload_cannot_change_the_database(service, alice, bob):
    mine = service.create_note(alice, "alice's diary", "dear diary")
    theirs = service.create_note(bob, "shopping", "milk, eggs")
    tables = service.tables()

    for payload in ["x'); DROP TABLE notes; --", "x'); DELETE FROM notes; --"]:
        response = service.request("GET", "/notes", bob, params={"search": payload})
        assert response.status_code == 200, (payload, response.status_code, response.text)
        assert response.json() == []

    assert service.tables() == tables
    assert service.notes(alice) == [mine]
    assert service.notes(bob) == [theirs]


def test_search_matches_like_wildcards_literally(service, alice):
    cotton = service.create_note(alice, "100% cotton", "a shirt")
    snake = service.create_note(alice, "naming", "use snake_case here")
    path = service.create_note(alice, "windows", r"saved in C:\temp\notes")
    plain = service.create_note(alice, "plain", "nothing special 100 percent")

    def search(term):
        return [note["id"] for note in service.notes(alice, search=term)]

    assert search("%") == [cotton["id"]], "'%' is an ordinary character in a search term"
    assert search("0%") == [cotton["id"]]
    assert search("_") == [snake["id"]], "'_' is an ordinary character in a search term"
    assert search("e_c") == [snake["id"]]
    assert search("\\") == [path["id"]]
    assert search("\\t") == [path["id"]]
    assert search("100") == [cotton["id"], plain["id"]]


TRICKY_TEXT = [
    ("Bob's \"list\"", "it's done; isn't it?"),
    ("x', (SELECT group_concat(password_hash) FROM users)) --", "ignored"),
    ("normal", "'); DELETE FROM notes; --"),
    ("x', body = (SELECT password_hash FROM users LIMIT 1) --", "y"),
]


def test_note_text_is_stored_verbatim_on_create(service, alice, bob):
    other = service.create_note(bob, "bob's", "untouched")

    for title, body in TRICKY_TEXT:
        response = service.request("POST", "/notes", alice, json={"title": title, "body": body})
        assert response.status_code == 201, (title, response.status_code, response.text)
        note = response.json()
        assert (note.get("title"), note.get("body")) == (title, body)
        fetched = service.request("GET", f"/notes/{note['id']}", alice)
        assert fetched.status_code == 200, fetched.text
        assert (fetched.json().get("title"), fetched.json().get("body")) == (title, body)

    assert len(service.notes(alice)) == len(TRICKY_TEXT)
    assert service.notes(bob) == [other]


def test_note_text_is_stored_verbatim_on_update(service, alice, bob):
    target = service.create_note(alice, "target", "to be replaced")
    sibling = service.create_note(alice, "sibling", "stays as it is")
    other = service.create_note(bob, "bob's", "untouched")

    for title, body in TRICKY_TEXT:
        response = service.request(
            "PUT", f"/notes/{target['id']}", alice, json={"title": title, "body": body}
        )
        assert response.status_code == 200, (title, response.status_code, response.text)
        fetched = service.request("GET", f"/notes/{target['id']}", alice).json()
        assert (fetched.get("title"), fetched.get("body")) == (title, body)
        # An injected UPDATE must not reach the other rows.
        assert service.request("GET", f"/notes/{sibling['id']}", alice).json() == sibling
        assert service.notes(bob) == [other]

    assert service.request("GET", f"/notes/{MISSING_NOTE_ID}", alice).status_code == 404
