"""Area codes: clean, fill parents from a child's prefix, check every level against ref (broadcast joins)."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.silver.canonical import Transform, with_issues
from udfs import areas

AREA_COLUMNS = ("house_code", *areas.LEVELS)


def with_area_codes(known_codes: Mapping[str, DataFrame]) -> Transform:
    """From `<level>_raw` columns to checked `<level>` columns; an unknown code -> null + `<level>_unknown`.

    known_codes maps each level (province_code ... village_code) to a one-column DataFrame of the
    codes ref holds for it. A missing parent is filled from the child's prefix before the check.
    """

    def apply(df: DataFrame) -> DataFrame:
        raw = {name: areas.clean_code(F.col(f"{name}_raw")) for name in AREA_COLUMNS}
        filled = {level: areas.code_from_children(level, raw) for level in areas.LEVELS}
        out = df.withColumn("house_code", raw["house_code"]).transform(with_issues(areas.house_code_issue(F.col("house_code"))))
        for level in areas.LEVELS:
            out = out.withColumn(f"_given_{level}", filled[level])
        for level in areas.LEVELS:
            known = F.broadcast(known_codes[level].select(F.col(level).alias(f"_known_{level}")).distinct())
            out = out.join(known, on=F.col(f"_given_{level}") == F.col(f"_known_{level}"), how="left")
            unknown = F.col(f"_given_{level}").isNotNull() & F.col(f"_known_{level}").isNull()
            out = out.withColumn(level, F.col(f"_known_{level}")).transform(with_issues(F.when(unknown, F.lit(f"{level}_unknown"))))
        return out.drop(*[f"_given_{level}" for level in areas.LEVELS], *[f"_known_{level}" for level in areas.LEVELS])

    return apply
