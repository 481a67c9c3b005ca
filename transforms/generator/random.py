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


def normal_cdf(x: Column) -> Column:
    """The standard normal CDF: 0.5 erfc(-x / sqrt 2), erfc by Abramowitz & Stegun 7.1.26 (absolute error
    under 1.5e-7, and relative error small in the tails, where the exp factor carries the value)."""
    z = F.abs(x) / F.lit(math.sqrt(2.0))
    t = F.lit(1.0) / (F.lit(1.0) + F.lit(0.3275911) * z)
    poly = t * (
        F.lit(0.254829592) + t * (F.lit(-0.284496736) + t * (F.lit(1.421413741) + t * (F.lit(-1.453152027) + t * F.lit(1.061405429))))
    )
    tail = F.lit(0.5) * poly * F.exp(-z * z)
    return F.when(x < 0, tail).otherwise(F.lit(1.0) - tail)
