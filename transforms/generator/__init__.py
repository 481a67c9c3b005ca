"""Synthetic Thailand: the world (persons, households, survey answers) and the agencies' deliveries.

Every random draw is a hash of (seed, entity key, purpose), so output does not depend on partitioning.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame

# Materialises a frame that later steps read more than once, so its plan runs once (the job passes a
# checkpoint or a cache; transforms stay free of actions).
Keep = Callable[[DataFrame], DataFrame]


def as_is(df: DataFrame) -> DataFrame:
    return df
