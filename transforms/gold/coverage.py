"""Welfare coverage per area, level and program: who receives, which target poor are reached or missed."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.gold.areas import with_levels
from transforms.gold.deprivation import AREA_CODES
from transforms.gold.persons import PROGRAMS


def person_survey_status(person_poverty_with_ids: DataFrame) -> DataFrame:
    """Per linked person: surveyed, BMN-poor, target poor (any of their member records), survey area."""
    return (
        person_poverty_with_ids.where(F.col("person_id").isNotNull())
        .groupBy("person_id")
        .agg(
            F.lit(True).alias("surveyed"),
            F.max("is_poor").alias("is_poor"),
            F.max("is_target_poor").alias("is_target_poor"),
            *[F.min(c).alias(f"survey_{c}") for c in AREA_CODES],
        )
    )


def coverage_facts(person_programs: DataFrame, survey_status: DataFrame) -> DataFrame:
    """One row per person and program; the area is the survey household's, else the person's registry area."""
    joined = person_programs.join(survey_status, on="person_id", how="full")
    surveyed = F.coalesce(F.col("surveyed"), F.lit(False))
    in_survey_area = F.col("survey_village_code").isNotNull()
    areas = [F.when(in_survey_area, F.col(f"survey_{c}")).otherwise(F.col(c)).alias(c) for c in AREA_CODES]
    programs = F.explode(F.array(*[
        F.struct(F.lit(p).alias("program"), F.coalesce(F.col(f"receives_{p}"), F.lit(False)).alias("receives"))
        for p in PROGRAMS
    ])).alias("p")
    return joined.select(
        *areas,
        surveyed.alias("surveyed"),
        F.coalesce(F.col("is_poor"), F.lit(False)).alias("is_poor"),
        F.coalesce(F.col("is_target_poor"), F.lit(False)).alias("is_target_poor"),
        programs,
    ).select(*AREA_CODES, "surveyed", "is_poor", "is_target_poor", "p.program", "p.receives")


def aggregate_coverage(facts: DataFrame) -> DataFrame:
    """All levels x programs in one GROUPING SETS aggregation."""
    sets = [["program", *AREA_CODES[:i]] for i in range(len(AREA_CODES), -1, -1)]
    # program is in every set, so its (leading) grouping bit is always 0 and the ids match the area rollup's.
    gid = F.grouping_id(F.col("program"), *[F.col(c) for c in AREA_CODES]).alias("_gid")

    def count(cond):
        return F.sum(F.when(cond, 1).otherwise(0)).cast("long")

    receives, tp = F.col("receives"), F.col("is_target_poor")
    return (
        facts.groupingSets(sets, "program", *AREA_CODES)
        .agg(
            gid,
            count(receives).alias("recipients"),
            count(tp).alias("target_poor"),
            count(receives & tp).alias("target_poor_reached"),
            count(~receives & tp).alias("target_poor_not_reached"),
            count(receives & F.col("surveyed") & ~F.col("is_poor")).alias("recipients_not_poor"),
            count(receives & ~F.col("surveyed")).alias("recipients_not_surveyed"),
        )
        .transform(with_levels)
        .withColumn("exclusion_error_rate", F.when(F.col("target_poor") > 0, F.col("target_poor_not_reached") / F.col("target_poor")))
    )


COVERAGE_COMMENTS = {
    "level": "Area level: country, province, district, subdistrict or village",
    "area_code": "Code of the area at its level (TH for the country)",
    "parent_code": "Code of the enclosing area (null for the country)",
    "province_code": "Province code (null above province level)",
    "district_code": "District code (null above district level)",
    "subdistrict_code": "Subdistrict code (null above subdistrict level)",
    "village_code": "BMN village code (null above village level)",
    "program": "welfare_card (verified MOF card), elderly_allowance, disability_allowance or child_grant",
    "recipients": "Persons receiving the program (area: survey household if surveyed, else registry address)",
    "target_poor": "Target-poor persons in the area",
    "target_poor_reached": "Target-poor persons receiving the program",
    "target_poor_not_reached": "Target-poor persons not receiving the program (exclusion error)",
    "recipients_not_poor": "Recipients who were surveyed and are not BMN-poor (inclusion error)",
    "recipients_not_surveyed": "Recipients not found in the BMN survey (poverty unknown)",
    "exclusion_error_rate": "target_poor_not_reached / target_poor",
}
