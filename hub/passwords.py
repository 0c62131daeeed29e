"""Agents' passwords: scrypt hashes that carry their own parameters and salt.

Format: `scrypt$<n>$<r>$<p>$<salt, base64>$<hash, base64>`, so the cost can be raised later
without breaking the hashes already stored (verification reads the parameters back).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

MIN_LENGTH = 10
# OWASP's scrypt floor (N=2^15, r=8, p=3): 32 MiB, and about 0.1-0.2 s per check on a small server.
N, R, P = 2**15, 8, 3
SALT_BYTES = 16
HASH_BYTES = 32


class WeakPassword(ValueError):
    """The password is refused before it is ever hashed; the message is for the person typing it."""


def check_strength(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password must be at least {MIN_LENGTH} characters long (it has {len(password)}).")
    if not password.strip():
        raise WeakPassword("The password must not be only spaces.")
    return password


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem: OpenSSL's default (32 MiB) is just below what n=2**15, r=8 needs.
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=128 * n * r * 2, dklen=HASH_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A new hash with a fresh random salt; `check_strength` first."""
    check_strength(password)
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_scrypt(password, salt, N, R, P))}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches; constant-time comparison; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(computed, base64.b64decode(expected))
    except (ValueError, TypeError):
        return False


@functools.cache
def dummy_hash() -> str:
    """Checked when the agent is unknown, so that an unknown name costs the same time as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))
