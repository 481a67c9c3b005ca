"""The synthetic world built from the reference tables: everyone in the registry, the survey's households and
members with their answers and deprivations; pure (jobs.generate reads ref.* and writes the deliveries)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from transforms.generator import rounds, survey, world
from transforms.generator.random import uniform
from transforms.generator.settings import GeneratorSettings

INDICATORS = world.INDICATORS
PERSON_COLUMNS = [
    "person_id",
    "pid",
    "title",
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "house_code",
    "hh_id",
    "village_code",
    "subdistrict_code",
    "district_code",
    "province_code",
    "is_alive",
]
# Beyond the contract (for evaluation): survey coverage, age, relation, poverty, welfare status, and look-alikes
# (kind and the person they were made to resemble; transforms.generator.world).
PERSON_EXTRA = [
    "surveyed",
    "age",
    "relation",
    "maiden_name",
    "phone",
    "is_disabled",
    "is_poor",
    "welfare_status",
    "lookalike_kind",
    "lookalike_of",
]


@dataclass(frozen=True)
class Reference:
    """What the world is calibrated to: published figures per district (pandas) and for the country (one
    row), per village, and the area lists."""

    district_figures: pd.DataFrame  # ref.tpmap2561_district
    country_figures: dict[str, Any]  # ref.tpmap2561_country
    village_figures: DataFrame  # ref.tpmap2561_village
    villages: DataFrame  # ref.village
    subdistricts: DataFrame  # ref.subdistrict


def district_parameters(d: pd.DataFrame, settings: GeneratorSettings) -> pd.DataFrame:
    """Per district (small: ~900 rows) from its published figures (ref.tpmap2561_district): normal thresholds
    per indicator, size, disability, MOF rates."""
    inv = NormalDist().inv_cdf
    out = pd.DataFrame({"district_code": d["district_code"].astype(str)})
    persons = d["housemember_cnt"].astype(float).clip(lower=1)
    for n in INDICATORS:
        rate = (d[f"indicator{n}_cnt"].astype(float) / d[f"indicator{n}_all"].astype(float).clip(lower=1)).fillna(0.0)
        out[f"thr_{n}"] = rate.clip(1e-6, 0.999).map(inv)
    out["mean_size"] = (persons / d["household_cnt"].astype(float).clip(lower=1)).fillna(2.8)
    out["disabled_rate"] = (d["disabled_cnt"].astype(float) / persons).fillna(0.01)
    out["elderly_rate"] = (d["elderly_cnt"].astype(float) / persons).clip(0, 0.9).fillna(0.19)
    reg = d["mof_reg_cnt"].astype(float)
    out["thr_reg"] = (reg / persons / settings.world.adult_share).clip(1e-4, 0.97).map(inv)
    out["p_val"] = (d["mof_val_cnt"].astype(float) / reg.clip(lower=1)).clip(0, 1).fillna(0.8)
    return out


def district_villages(villages: DataFrame) -> DataFrame:
    """Villages (ref.village) numbered 1..n within their district, with n: where with_namesakes houses a namesake."""
    villages = villages.select("village_code", "subdistrict_code", "district_code")
    numbered = Window.partitionBy("district_code").orderBy("village_code")
    return villages.withColumns(
        {"village_no": F.row_number().over(numbered), "district_villages": F.count("*").over(Window.partitionBy("district_code"))}
    )


def build_world(
    ref: Reference,
    names: tuple[world.Names, world.Names, world.Names],
    settings: GeneratorSettings,
    scale: float,
    seed: int,
    keep: Callable[[DataFrame], DataFrame] = lambda df: df,
    survey_round: int = rounds.FIRST_ROUND,
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(persons with everything, survey households with answers, survey members with answers) of the round.

    A later round is round 2561's world moved on year by year (transforms/generator/rounds.py), its survey drawn
    again on it. `keep` is applied to the frames later steps read more than once (the job materialises them)."""
    w = settings.world
    spark = ref.villages.sparkSession
    params = spark.createDataFrame(district_parameters(ref.district_figures, settings))
    country = ref.country_figures
    survey_persons = float(country["housemember_cnt"])
    not_surveyed_ratio = max(0.0, (w.registry_persons - w.bangkok_persons - survey_persons) / survey_persons)
    nonsurvey_reg_rate = max(
        0.0, (w.welfare_registrants - float(country["mof_reg_cnt"])) / ((w.registry_persons - survey_persons) * w.adult_share)
    )

    villages = (
        ref.village_figures.groupBy(F.substring("village_id", 1, 8).alias("village_code"))
        .agg(F.sum("household_cnt").cast("double").alias("households"))
        .join(ref.villages.select("village_code", "subdistrict_code", "district_code", "province_code"), "village_code", "inner")
    )
    surveyed = villages.withColumn("area_key", F.col("village_code")).withColumn("surveyed", F.lit(True))
    others = (
        villages.withColumn("area_key", F.concat(F.lit("N"), "village_code"))
        .withColumn("households", F.col("households") * not_surveyed_ratio)
        .withColumn("surveyed", F.lit(False))
    )
    bkk = ref.subdistricts.where((F.col("province_code") == "10") & ~F.col("is_municipal"))
    bkk_households = w.bangkok_persons / w.bangkok_household_size / bkk.count()
    bangkok = bkk.select(
        F.lit(None).cast("string").alias("village_code"),
        F.lit(bkk_households).alias("households"),
        "subdistrict_code",
        "district_code",
        "province_code",
        F.concat(F.lit("B"), "subdistrict_code").alias("area_key"),
        F.lit(False).alias("surveyed"),
    )
    areas = surveyed.unionByName(others).unionByName(bangkok)
    thresholds = params.select("district_code", *[f"thr_{n}" for n in INDICATORS])  # joined per survey household, not carried by persons
    households = (
        world.expand_households(areas, scale, seed)
        .join(F.broadcast(params.drop(*[f"thr_{n}" for n in INDICATORS])), "district_code", "left")
        .withColumn("mean_size", F.coalesce(F.col("mean_size"), F.lit(w.bangkok_household_size)))
        .withColumn("disabled_rate", F.coalesce(F.col("disabled_rate"), F.lit(w.disabled_rate_not_surveyed)))
        .withColumn(
            "elderly_rate",
            F.when(F.col("surveyed"), F.coalesce(F.col("elderly_rate"), F.lit(w.elderly_share_not_surveyed))).otherwise(
                F.lit(w.elderly_share_not_surveyed)
            ),
        )
        .transform(lambda df: world.with_household_traits(df, seed, w.poverty_correlation, w.poverty_size_weight))
    )
    male, female, family = names
    alike = w.lookalikes
    persons = (
        world.expand_members(households, seed, alike.twins)
        .transform(lambda df: world.with_citizen_ids(df, seed, w.migrant_share))
        .transform(lambda df: world.with_names(df, male, female, family, seed, alike.juniors))
        .transform(lambda df: world.with_namesakes(df, district_villages(ref.villages), seed, alike.namesakes))
        .transform(lambda df: world.with_contact(df, seed, w.death_rate, alike.family_phone))
        .transform(world.with_lookalike_of)
        .transform(keep)
    )

    def surveyed_members(persons: DataFrame) -> DataFrame:
        return survey.with_member_traits(persons.where(F.col("surveyed")), seed)

    deprived = survey.with_deprivation(surveyed_members(persons), thresholds, seed, keep=keep)
    for r in range(rounds.FIRST_ROUND + 1, survey_round + 1):  # a later round: the world moved on a year at a time
        last = keep(deprived.groupBy("hh_key").agg(*[F.max(f"d{n}").alias(f"d{n}") for n in INDICATORS]))
        persons = keep(rounds.next_round(persons, ref.villages, names, seed, r, settings.rounds))
        deprived = survey.with_deprivation(
            surveyed_members(persons),
            thresholds,
            rounds.round_seed(seed, r),
            keep=keep,
            previous=last,
            persistence=settings.rounds.deprivation_persistence,
        )
    members = (
        deprived.transform(lambda df: survey.with_member_answers(df, seed))
        .transform(lambda df: survey.with_incomes(df, seed))
        .transform(keep)
    )
    survey_households = keep(survey.household_answers(members, seed, rounds.years_after_first(survey_round)))
    # Everyone: the persons outside the survey, and the survey's members with their disability and their
    # household's poverty (any indicator failed) from their own rows, so persons need no join (no shuffle).
    not_surveyed = persons.where(~F.col("surveyed")).withColumns(
        {"is_disabled": uniform(seed, "disabled_other", "pid") < w.disabled_rate_not_surveyed, "is_poor": F.lit(False)}
    )
    surveyed = members.select(
        *persons.columns,
        (F.col("disabled") == "y").alias("is_disabled"),
        F.greatest(*[F.col(f"d{n}") for n in INDICATORS]).alias("is_poor"),
    )
    everyone = (
        not_surveyed.unionByName(surveyed)
        .withColumn("nonsurvey_reg_rate", F.lit(nonsurvey_reg_rate))
        .transform(
            lambda df: survey.with_welfare(
                df,
                seed,
                w.welfare_correlation,
                w.verification_factor_poor,
                w.verification_factor_other,
                rounds.registration_draw(seed, survey_round, settings.rounds.registration_persistence),
            )
        )
        .select(*PERSON_COLUMNS, *PERSON_EXTRA, "hh_key", "member_no")  # what the sources and the truth use
    )
    return everyone, survey_households, members
