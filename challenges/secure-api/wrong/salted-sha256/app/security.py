"""Password hashing and session tokens: everything secret-related lives here.

Passwords are stored as ``sha256$<salt-hex>$<digest-hex>``: a fresh random salt per password,
so equal passwords hash differently and rainbow tables are useless. Session tokens are random
(``secrets``) and only their SHA-256 digest is stored, so a copy of the database does not hand
out live sessions.
"""

import hashlib
import hmac
import secrets

SCHEME = "sha256"
SALT_BYTES = 16
TOKEN_BYTES = 32

_dummy_hash: str | None = None


def _derive(password: str, salt: bytes) -> bytes:
    return hashlib.sha256(salt + password.encode("utf-8")).digest()


def hash_password(password: str) -> str:
    """A new salted hash of ``password``, in the stored format."""
    salt = secrets.token_bytes(SALT_BYTES)
    return f"{SCHEME}${salt.hex()}${_derive(password, salt).hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``, compared in constant time."""
    try:
        scheme, salt_hex, key_hex = stored.split("$")
        if scheme != SCHEME:
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(key_hex)
        derived = _derive(password, salt)
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
