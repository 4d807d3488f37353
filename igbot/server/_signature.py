"""Meta's webhook signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``.

Always computed over the raw bytes as they arrived (never a re-serialised body), compared in
constant time.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr

__all__ = ["SIGNATURE_HEADER", "sign_body", "verify_signature"]

SIGNATURE_HEADER = "X-Hub-Signature-256"


def _key(secret: str | bytes | SecretStr) -> bytes:
    if isinstance(secret, SecretStr):
        secret = secret.get_secret_value()
    return secret.encode() if isinstance(secret, str) else secret


def sign_body(secret: str | bytes | SecretStr, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta would send for ``body``."""
    return "sha256=" + hmac.digest(_key(secret), body, "sha256").hex()


def verify_signature(secret: str | bytes | SecretStr, body: bytes,
                     header: str | bytes | None) -> bool:
    """Whether ``header`` is the right signature of ``body`` (constant-time comparison)."""
    if not header:
        return False
    given = header.encode("latin-1") if isinstance(header, str) else header
    # hmac.digest: OpenSSL's one-shot HMAC, no Python HMAC object per request
    expected = b"sha256=" + hmac.digest(_key(secret), body, "sha256").hex().encode()
    return hmac.compare_digest(expected, given.strip().lower())
