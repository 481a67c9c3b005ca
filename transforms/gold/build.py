"""Every gold table from its silver inputs and the area names, before any write: the whole computation of
the indicators job, pure (jobs.indicators reads the inputs and writes what this returns)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.gold import areas, coverage, deprivation, persons
from transforms.gold.catalogue import IndicatorCatalogue
from udfs.pseudonym import hmac_sha256


@dataclass
class GoldTables:
    """The gold DataFrames before writing (person_id still present where later joins need it)."""

    household_deprivation: DataFrame
    person_poverty: DataFrame
    person_welfare: DataFrame
    area_indicators: DataFrame
    welfare_coverage: DataFrame


def build_gold(
    inputs: dict[str, DataFrame],
    names: DataFrame,
    catalogue: IndicatorCatalogue,
    secret: str,
    keep: Callable[[DataFrame], DataFrame] = lambda df: df,
) -> GoldTables:
    """All gold tables from the silver inputs (households, members, xref, persons and the programmes by role:
    welfare_registry, elderly_allowance, disability_allowance, child_grant; jobs.indicators.silver_inputs)
    and the area names; pure, no I/O.

    The households, persons and programs each feed several tables, and the xref several joins: `keep` (a
    cache, for a job that writes them all) is applied to each, so that writing the tables one after another
    does not compute or read them again.
    """
    households, members = inputs["households"], inputs["members"]
    xref = keep(inputs["xref"].select("record_id", "person_id"))  # read by five joins
    keys = deprivation.household_keys(households, members)
    hh = keep(deprivation.with_household_deprivation(households, members, catalogue))
    people = keep(
        persons.with_person_poverty(
            members, hh, xref, inputs["welfare_registry"], lambda c: hmac_sha256(c, secret), catalogue.elderly_age_min, keys
        )
    )
    facts = hh.join(persons.household_person_counts(people, keys), on=keys, how="left").fillna(
        0,
        subset=[
            "n_persons",
            "n_welfare_registered",
            "n_welfare_verified",
            "n_is_elderly",
            "n_is_disabled",
            "n_has_chronic_illness",
            "n_is_target_poor",
        ],
    )
    area = (
        areas.aggregate_all_levels(facts, catalogue)
        .transform(areas.with_sibling_rank)
        .transform(lambda df: areas.with_area_names(df, names))
    )
    programs = keep(
        persons.person_welfare_programs(
            inputs["persons"],
            xref,
            inputs["welfare_registry"],
            inputs["elderly_allowance"],
            inputs["disability_allowance"],
            inputs["child_grant"],
            catalogue.welfare_card_monthly_baht,
            catalogue.as_of_date,
            catalogue.age_bands,
        )
    )
    cover = coverage.aggregate_coverage(coverage.coverage_facts(programs, coverage.person_survey_status(people), catalogue.programs))
    return GoldTables(hh, people, programs.withColumn("person_key", hmac_sha256(F.col("person_id"), secret)), area, cover)
