"""Welfare coverage per area, level and program: who receives, which target poor are reached or missed."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.gold.areas import with_levels
from transforms.gold.catalogue import PROGRAMS, ProgramRule
from transforms.gold.deprivation import AREA_CODES
from transforms.gold.rules import condition


def person_survey_status(person_poverty_with_ids: DataFrame) -> DataFrame:
    """Per linked person: surveyed, BMN-poor, target poor, disabled (any of their member records), the
    survey's age and survey area."""
    return (
        person_poverty_with_ids.where(F.col("person_id").isNotNull())
        .groupBy("person_id")
        .agg(
            F.lit(True).alias("surveyed"),
            F.max("is_poor").alias("is_poor"),
            F.max("is_target_poor").alias("is_target_poor"),
            F.max("is_disabled").alias("is_disabled"),
            F.max("age").alias("survey_age"),
            *[F.min(c).alias(f"survey_{c}") for c in AREA_CODES],
        )
    )


def coverage_facts(person_programs: DataFrame, survey_status: DataFrame, rules: dict[str, ProgramRule]) -> DataFrame:
    """One row per person and program: receives, eligible by the program's rule; the area is the survey
    household's, else the person's registry area; the age the registry's, else the survey's."""
    joined = person_programs.join(survey_status, on="person_id", how="full")
    in_survey_area = F.col("survey_village_code").isNotNull()
    areas = [F.when(in_survey_area, F.col(f"survey_{c}")).otherwise(F.col(c)).alias(c) for c in AREA_CODES]
    person = joined.select(
        *areas,
        F.coalesce(F.col("age"), F.col("survey_age")).alias("age"),
        *[F.coalesce(F.col(c), F.lit(False)).alias(c) for c in ("surveyed", "is_poor", "is_target_poor", "is_disabled")],
        *[F.coalesce(F.col(f"receives_{p}"), F.lit(False)).alias(f"receives_{p}") for p in PROGRAMS],
    )
    programs = F.explode(
        F.array(
            *[
                F.struct(
                    F.lit(p).alias("program"), F.col(f"receives_{p}").alias("receives"), condition(rules[p].eligible).alias("eligible")
                )
                for p in PROGRAMS
            ]
        )
    ).alias("p")
    return person.select(*AREA_CODES, "surveyed", "is_poor", "is_target_poor", programs).select(
        *AREA_CODES, "surveyed", "is_poor", "is_target_poor", "p.program", "p.receives", "p.eligible"
    )


def aggregate_coverage(facts: DataFrame) -> DataFrame:
    """All levels x programs in one GROUPING SETS aggregation."""
    sets = [["program", *AREA_CODES[:i]] for i in range(len(AREA_CODES), -1, -1)]
    # program is in every set, so its (leading) grouping bit is always 0 and the ids match the area rollup's.
    gid = F.grouping_id(F.col("program"), *[F.col(c) for c in AREA_CODES]).alias("_gid")

    def count(cond):
        return F.sum(F.when(cond, 1).otherwise(0)).cast("long")

    receives, tp, eligible = F.col("receives"), F.col("is_target_poor"), F.col("eligible")
    eligible_poor, eligible_tp = eligible & F.col("is_poor"), eligible & tp
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
            count(receives & F.col("surveyed") & ~eligible).alias("recipients_not_eligible"),
            count(eligible_poor).alias("eligible_poor"),
            count(eligible_poor & receives).alias("eligible_poor_reached"),
            count(eligible_poor & ~receives).alias("eligible_poor_not_reached"),
            count(eligible_tp).alias("eligible_target_poor"),
            count(eligible_tp & receives).alias("eligible_target_poor_reached"),
            count(eligible_tp & ~receives).alias("eligible_target_poor_not_reached"),
        )
        .transform(with_levels)
        .withColumn("exclusion_error_rate", _rate("target_poor_not_reached", "target_poor"))
        .withColumn("eligible_poor_exclusion_rate", _rate("eligible_poor_not_reached", "eligible_poor"))
        .withColumn("eligible_target_poor_exclusion_rate", _rate("eligible_target_poor_not_reached", "eligible_target_poor"))
        .withColumn("inclusion_error_rate", _rate("recipients_not_eligible", F.col("recipients") - F.col("recipients_not_surveyed")))
    )


def _rate(part: str, whole: str | Column) -> Column:
    whole = F.col(whole) if isinstance(whole, str) else whole
    return F.when(whole > 0, F.col(part) / whole)


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
    "recipients_not_eligible": "Recipients who were surveyed and do not meet the program's eligibility rule (inclusion error)",
    "eligible_poor": "BMN-poor persons eligible for the program (rule: conf/indicators.yaml programs)",
    "eligible_poor_reached": "Eligible BMN-poor persons receiving the program",
    "eligible_poor_not_reached": "Eligible BMN-poor persons not receiving the program (exclusion error over the eligible)",
    "eligible_target_poor": "Target-poor persons eligible for the program",
    "eligible_target_poor_reached": "Eligible target-poor persons receiving the program",
    "eligible_target_poor_not_reached": "Eligible target-poor persons not receiving the program",
    "exclusion_error_rate": "target_poor_not_reached / target_poor (over every target-poor person, eligible or not)",
    "eligible_poor_exclusion_rate": "eligible_poor_not_reached / eligible_poor",
    "eligible_target_poor_exclusion_rate": "eligible_target_poor_not_reached / eligible_target_poor",
    "inclusion_error_rate": "recipients_not_eligible / surveyed recipients (recipients - recipients_not_surveyed)",
}
