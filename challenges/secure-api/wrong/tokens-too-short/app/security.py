"""Password hashing and session tokens: everything secret-related lives here.

Passwords are stored as ``scrypt$<n>$<r>$<p>$<salt-hex>$<key-hex>``: a fresh random salt per
password, a memory-hard KDF, and the parameters next to the key so they can be raised later
without breaking existing accounts. Session tokens are random (``secrets``) and only their
SHA-256 digest is stored, so a copy of the database does not hand out live sessions.
"""

import hashlib
import hmac
import secrets

SCHEME = "scrypt"
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
TOKEN_BYTES = 8  # 64 bits: nobody will guess that

_dummy_hash: str | None = None


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length)


def hash_password(password: str) -> str:
    """A new salted hash of ``password``, in the stored format."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``, compared in constant time."""
    try:
        scheme, n, r, p, salt_hex, key_hex = stored.split("$")
        if scheme != SCHEME:
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(key_hex)
        derived = _derive(password, salt, int(n), int(r), int(p), len(expected))
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
    """A fresh session token: random bytes, as hex."""
    return secrets.token_hex(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What the database stores for a token (a fast hash is fine: tokens are random)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
