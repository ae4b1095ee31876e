"""Password hashing and session tokens: everything secret-related lives here.

Passwords are stored as ``pbkdf2_sha256$<iterations>$<salt-hex>$<key-hex>``: PBKDF2-HMAC-SHA256
with an application-wide salt (so precomputed tables for common hashes do not apply) and the
iteration count next to the key. Session tokens are random (``secrets``) and only their SHA-256
digest is stored, so a copy of the database does not hand out live sessions.
"""

import hashlib
import hmac
import secrets

SCHEME = "pbkdf2_sha256"
ITERATIONS = 200_000
APP_SALT = b"notes-service-salt-v1"
KEY_BYTES = 32
TOKEN_BYTES = 32

_dummy_hash: str | None = None


def _derive(password: str, salt: bytes, iterations: int, length: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, length)


def hash_password(password: str) -> str:
    """A new salted hash of ``password``, in the stored format."""
    salt = APP_SALT
    key = _derive(password, salt, ITERATIONS, KEY_BYTES)
    return f"{SCHEME}${ITERATIONS}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``, compared in constant time."""
    try:
        scheme, iterations, salt_hex, key_hex = stored.split("$")
        if scheme != SCHEME:
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(key_hex)
        derived = _derive(password, salt, int(iterations), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(derived, expected)


def dummy_hash() -> str:
    """A valid hash of a random password: checked when the username is unknown, so that a
    failed login costs the same time whether or not the account exists."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    return _dummy_hash


def new_token() -> str:
    """A fresh session token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What the database stores for a token (a fast hash is fine: tokens are random)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
