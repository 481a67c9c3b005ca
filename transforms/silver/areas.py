"""Area codes: clean, fill parents from a child's prefix, check every level against ref (once per distinct combination)."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.distinct import Step, per_distinct
from transforms.silver.canonical import with_issues
from udfs import areas

AREA_COLUMNS = ("house_code", *areas.LEVELS)


def with_area_codes(known_codes: Mapping[str, DataFrame]) -> Step:
    """From `<level>_raw` columns to checked `<level>` columns; an unknown code -> null + `<level>_unknown`.

    known_codes maps each level (province_code ... village_code) to a one-column DataFrame of the
    codes ref holds for it. A missing parent is filled from the child's prefix (or the house code's
    district) before the check. Each distinct combination of delivered codes is resolved once.
    """

    def resolve(codes: DataFrame) -> DataFrame:
        given = {level: areas.clean_code(F.col(f"{level}_raw")) for level in areas.LEVELS}
        given["house_district"] = F.col("_house_district")
        out = codes.withColumn("_area_issues", F.array().cast("array<string>"))
        for level in areas.LEVELS:
            out = out.withColumn(f"_given_{level}", areas.code_from_children(level, given))
        for level in areas.LEVELS:
            known = F.broadcast(known_codes[level].select(F.col(level).alias(f"_known_{level}")).distinct())
            out = out.join(known, on=F.col(f"_given_{level}") == F.col(f"_known_{level}"), how="left")
            unknown = F.col(f"_given_{level}").isNotNull() & F.col(f"_known_{level}").isNull()
            issue = F.array_compact(F.array(F.when(unknown, F.lit(f"{level}_unknown"))))
            out = out.withColumn(level, F.col(f"_known_{level}")).withColumn("_area_issues", F.concat("_area_issues", issue))
        return out

    def prepare(df: DataFrame) -> DataFrame:
        house_code = areas.clean_code(F.col("house_code_raw"))
        return df.withColumns({"house_code": house_code, "_house_district": areas.house_district(house_code)})

    def finish(df: DataFrame) -> DataFrame:
        return (
            df.transform(with_issues(areas.house_code_issue(F.col("house_code"))))
            .withColumn("_issues", F.concat("_issues", "_area_issues"))
            .drop("_area_issues", "_house_district")
        )

    inputs = [f"{level}_raw" for level in areas.LEVELS] + ["_house_district"]
    return Step(prepare=prepare, derivations=(per_distinct(inputs, resolve, [*areas.LEVELS, "_area_issues"]),), finish=finish)
