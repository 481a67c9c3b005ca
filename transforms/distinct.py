"""Compute a costly derivation once per distinct input value instead of once per row.

Names, birth-date strings and area codes repeat a lot (66 M registry persons carry a few hundred
thousand distinct names): normalising, parsing and keying each distinct value once and joining the
results back is far cheaper than regular expressions on every row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

Transform = Callable[[DataFrame], DataFrame]


NULL_MARK = "\u0000"  # stands for null in the key: NUL never reaches silver (ingest quarantines it)


def with_derived_per_distinct(inputs: Sequence[str], derive: Transform, outputs: Sequence[str]) -> Transform:
    """Add `outputs`, computed by `derive` on the distinct combinations of `inputs` (nulls included).

    `derive` must use only the `inputs` columns. Rows and their distinct combinations meet on one 64-bit
    hash of the inputs (a join on one long is the cheapest Spark has); the distinct table is broadcast back
    (it is small next to the rows); the row order and every other column are unchanged.
    """

    def apply(df: DataFrame) -> DataFrame:
        clash = sorted(set(outputs) & set(df.columns))
        if clash:
            raise ValueError(f"output column(s) {', '.join(clash)} already exist")
        key = F.xxhash64(*[F.coalesce(F.col(name).cast("string"), F.lit(NULL_MARK)) for name in inputs])
        keyed = df.withColumn("_distinct_key", key)
        table = (
            keyed.select("_distinct_key", *inputs)
            .dropDuplicates(["_distinct_key"])
            .transform(derive)
            .select("_distinct_key", *outputs)
        )
        return keyed.join(F.broadcast(table), on="_distinct_key", how="left").drop("_distinct_key")

    return apply
