"""User enumeration: a failed login says nothing about whether the username exists."""

from conftest import PASSWORD


def test_login_failures_are_indistinguishable(service, alice):
    wrong_password = service.login("alice", "not the password")
    unknown_user = service.login("mallory", PASSWORD)
    unknown_and_wrong = service.login("nobody-at-all", "not the password")
    malformed_name = service.login("?", PASSWORD)

    assert wrong_password.status_code == 401, (wrong_password.status_code, wrong_password.text)
    assert "detail" in wrong_password.json()
    assert wrong_password.headers.get("www-authenticate", "").lower().startswith("bearer")
    for other in [unknown_user, unknown_and_wrong, malformed_name]:
        assert (other.status_code, other.json()) == (
            wrong_password.status_code,
            wrong_password.json(),
        ), "every failed login must get the same status and body"
        assert other.headers.get("www-authenticate") == wrong_password.headers.get(
            "www-authenticate"
        )


def test_unknown_username_costs_a_full_password_check(service, alice, kdf_calls):
    kdf_calls.clear()
    assert service.login("alice", "not the password").status_code == 401
    known = kdf_calls.all()
    assert known, "checking a password must use hashlib.scrypt or hashlib.pbkdf2_hmac"

    kdf_calls.clear()
    assert service.login("mallory", "not the password").status_code != 200
    unknown = kdf_calls.all()

    assert unknown, (
        "a login for an unknown username must still run the KDF (against a dummy hash), so that "
        "its response time does not reveal that the account does not exist"
    )
    assert set(unknown) == set(known), (
        f"the dummy check must use the same KDF settings as a real one: {unknown} vs {known}"
    )
