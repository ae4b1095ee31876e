"""Password storage: a salted, slow KDF in the contracted format, verified in constant time."""

import hashlib
import re

import pytest

from conftest import PASSWORD

MIN_SCRYPT_N = 2**14
MIN_SCRYPT_R = 8
MIN_PBKDF2_ITERATIONS = 100_000
MIN_SALT_BYTES = 16
MIN_KEY_BYTES = 32

HEX = re.compile(r"[0-9a-fA-F]+")


def parse(stored):
    """The stored hash as (scheme, params, salt, key); fails the test on any other format."""
    parts = stored.split("$")
    if parts[0] == "scrypt" and len(parts) == 6:
        scheme, n, r, p, salt, key = parts
        params = {"n": n, "r": r, "p": p}
    elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
        scheme, iterations, salt, key = parts
        params = {"iterations": iterations}
    else:
        pytest.fail(
            "password_hash must be 'scrypt$<n>$<r>$<p>$<salt-hex>$<key-hex>' or "
            f"'pbkdf2_sha256$<iterations>$<salt-hex>$<key-hex>', got {stored!r}"
        )
    for name, value in params.items():
        assert value.isdigit(), f"{name} must be a decimal integer in {stored!r}"
    for name, value in [("salt", salt), ("key", key)]:
        assert HEX.fullmatch(value) and len(value) % 2 == 0, f"{name} must be hex in {stored!r}"
    return scheme, {k: int(v) for k, v in params.items()}, bytes.fromhex(salt), bytes.fromhex(key)


def derive(scheme, params, password, salt, length):
    if scheme == "scrypt":
        n, r, p = params["n"], params["r"], params["p"]
        return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                              maxmem=256 * n * r + 2**20, dklen=length)
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, params["iterations"],
                               dklen=length)


def test_password_hash_uses_a_slow_salted_kdf(service, alice):
    scheme, params, salt, key = parse(service.password_hash("alice"))

    if scheme == "scrypt":
        assert params["n"] >= MIN_SCRYPT_N, f"scrypt n must be >= 2**14, got {params['n']}"
        assert params["r"] >= MIN_SCRYPT_R, f"scrypt r must be >= 8, got {params['r']}"
        assert params["p"] >= 1
    else:
        assert params["iterations"] >= MIN_PBKDF2_ITERATIONS, (
            f"pbkdf2 iterations must be >= {MIN_PBKDF2_ITERATIONS}, got {params['iterations']}"
        )
    assert len(salt) >= MIN_SALT_BYTES, f"the salt must be at least 16 bytes, got {len(salt)}"
    assert len(key) >= MIN_KEY_BYTES, f"the derived key must be at least 32 bytes, got {len(key)}"


@pytest.mark.parametrize(
    "password",
    [
        pytest.param(PASSWORD, id="ascii"),
        pytest.param("pässwörd with ünïcödé 🔑", id="unicode"),
    ],
)
def test_stored_hash_is_the_kdf_of_the_password(service, password):
    service.signup("carol", password)
    scheme, params, salt, key = parse(service.password_hash("carol"))

    assert derive(scheme, params, password, salt, len(key)) == key, (
        "the stored key must be the KDF of the UTF-8 password with the stored salt and "
        "parameters"
    )


def test_same_password_gets_a_different_salt_and_hash(service):
    for name in ["alice", "bob", "carol"]:
        service.signup(name, PASSWORD)

    stored = [service.password_hash(name) for name in ["alice", "bob", "carol"]]
    salts = {parse(value)[2] for value in stored}
    keys = {parse(value)[3] for value in stored}

    assert len(salts) == 3, "every password gets its own random salt"
    assert len(keys) == 3, "the same password must hash differently for different users"


def test_password_is_never_stored_in_a_recoverable_form(service, alice):
    service.create_note(alice, "a note", "so that the database has some content")
    service.request("POST", "/logout", alice)
    service.token("alice")
    stored = service.stored_bytes()

    password = PASSWORD.encode("utf-8")
    forbidden = {
        "the plain password": password,
        "the password as hex": password.hex().encode(),
        "an unsalted SHA-256 of the password": hashlib.sha256(password).hexdigest().encode(),
        "an unsalted MD5 of the password": hashlib.md5(password).hexdigest().encode(),
        "an unsalted SHA-1 of the password": hashlib.sha1(password).hexdigest().encode(),
    }
    for what, value in forbidden.items():
        assert value not in stored and value.upper() not in stored, (
            f"the database files contain {what}"
        )


def test_hashes_are_compared_with_compare_digest(service, alice, compare_digest_calls):
    compare_digest_calls.clear()
    assert service.login("alice").status_code == 200
    assert compare_digest_calls.all(), (
        "a successful login must compare the derived key with hmac.compare_digest"
    )

    compare_digest_calls.clear()
    assert service.login("alice", PASSWORD + "!").status_code == 401
    assert compare_digest_calls.all(), (
        "a failed login must compare the derived key with hmac.compare_digest"
    )


def test_only_the_exact_password_logs_in(service):
    password = " Tr0ub4dor&3 " + "x" * 100 + "-end "
    service.signup("alice", password)

    for attempt in [
        password.upper(),
        password.lower(),
        password.strip(),
        password[:-1],
        password + " ",
        password[:72],
        " " + password,
        "",
    ]:
        response = service.login("alice", attempt)
        assert response.status_code == 401, (attempt, response.status_code, response.text)
    assert service.login("alice", password).status_code == 200
