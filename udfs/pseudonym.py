"""Keyed pseudonyms for gold: HMAC-SHA256(secret, value) as a Spark SQL expression.

Spark 4.2 has no HMAC function, but it has sha2 over binary, so RFC 2104 is built from it:
HMAC(K, m) = SHA256((K' xor opad) || SHA256((K' xor ipad) || m)), K' = the key padded to the
64-byte block (hashed first when longer). The two padded keys are computed once on the driver, so
the whole thing runs in the JVM, vectorised, with no Python UDF. Output: 64 lowercase hex digits,
identical to Python's hmac.new(key, value, hashlib.sha256).hexdigest().
"""

from __future__ import annotations

import hashlib

from pyspark.sql import Column
from pyspark.sql import functions as F

_BLOCK = 64


def _padded_keys(secret: str) -> tuple[bytes, bytes]:
    key = secret.encode("utf-8")
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    inner = bytes(b ^ 0x36 for b in key)
    outer = bytes(b ^ 0x5C for b in key)
    return inner, outer


def hmac_sha256(value: Column | str, secret: str) -> Column:
    """HMAC-SHA256 hex digest of the UTF-8 text of `value` (null stays null)."""
    if not secret:
        raise ValueError("the pseudonym secret must not be empty")
    inner, outer = _padded_keys(secret)
    text = F.col(value) if isinstance(value, str) else value
    message = F.encode(text.cast("string"), "UTF-8")
    inner_digest = F.unhex(F.sha2(F.concat(F.lit(inner), message), 256))
    return F.sha2(F.concat(F.lit(outer), inner_digest), 256)
