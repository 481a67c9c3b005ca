"""Hash-based random draws: a pure function of (seed, key columns, purpose), partitioning-independent."""

from __future__ import annotations

import math

from pyspark.sql import Column
from pyspark.sql import functions as F

_BITS = 1 << 30


def uniform(seed: int, purpose: str, *keys: Column | str) -> Column:
    """A uniform draw in (0, 1)."""
    h = F.xxhash64(F.lit(seed), F.lit(purpose), *[F.col(k) if isinstance(k, str) else k for k in keys])
    return (F.pmod(h, F.lit(_BITS)) + F.lit(0.5)) / F.lit(float(_BITS))


def normal(seed: int, purpose: str, *keys: Column | str) -> Column:
    """A standard normal draw (Box-Muller on two hash uniforms)."""
    u1, u2 = uniform(seed, purpose + "#1", *keys), uniform(seed, purpose + "#2", *keys)
    return F.sqrt(F.lit(-2.0) * F.log(u1)) * F.cos(F.lit(2 * math.pi) * u2)


def integer(seed: int, purpose: str, low: int, high: int, *keys: Column | str) -> Column:
    """A uniform integer in [low, high]."""
    return (F.lit(low) + F.floor(uniform(seed, purpose, *keys) * F.lit(high - low + 1))).cast("int")
