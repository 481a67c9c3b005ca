"""Person grain: surveyed persons' poverty and welfare status through the linkage; registry persons' welfare."""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.gold.catalogue import PROGRAMS
from transforms.gold.deprivation import AREA_CODES


def person_ids(records: DataFrame, xref: DataFrame) -> DataFrame:
    """Attach the linked person_id to source records (null when the linkage has no row for them)."""
    return records.join(xref.select("record_id", "person_id"), on="record_id", how="left")


def welfare_status(welfare_registry: DataFrame, xref: DataFrame) -> DataFrame:
    """Per person: registered for the welfare card (any record), verified (any record verified)."""
    return (
        person_ids(welfare_registry.select("record_id", "welfare_status"), xref)
        .where(F.col("person_id").isNotNull())
        .groupBy("person_id")
        .agg(F.max(F.col("welfare_status") == "verified").alias("welfare_verified"))
        .withColumn("welfare_registered", F.lit(True))
    )


def with_person_poverty(
    members: DataFrame,
    households: DataFrame,
    xref: DataFrame,
    welfare_registry: DataFrame,
    pseudonym: Callable[[Column], Column],
    elderly_age_min: int,
    keys: list[str],
) -> DataFrame:
    """One row per surveyed member: household flags, welfare found through the linkage, target-poor flag.

    `households` is gold household deprivation; `pseudonym` maps person_id to its keyed hash.
    """
    status = welfare_status(welfare_registry, xref)
    linked = person_ids(members.select("record_id", *keys, "member_no", "relation", "age", "sex", "disabled", "chronic_illness"), xref)
    # Inner: a member whose household row is missing has no household flags (the job counts them).
    joined = linked.join(households.drop("members"), on=keys, how="inner").join(status, on="person_id", how="left")
    registered = F.coalesce(F.col("welfare_registered"), F.lit(False))
    verified = F.coalesce(F.col("welfare_verified"), F.lit(False))
    return (
        joined.withColumn("person_key", pseudonym(F.col("person_id")))
        .withColumn("is_linked", F.col("person_id").isNotNull())
        .withColumn("is_elderly", F.coalesce(F.col("age") >= elderly_age_min, F.lit(False)))
        .withColumn("is_disabled", F.coalesce(F.col("disabled"), F.lit(False)))
        .withColumn("has_chronic_illness", F.coalesce(F.col("chronic_illness"), F.lit(False)))
        .withColumn("welfare_registered", registered)
        .withColumn("welfare_verified", verified)
        .withColumn("is_target_poor", F.col("is_poor") & verified)
        .drop("record_id", "disabled", "chronic_illness")
    )


def household_person_counts(person_poverty: DataFrame, keys: list[str]) -> DataFrame:
    """Per household: persons, registered, verified, elderly, disabled, chronically ill, target poor."""

    def count(flag: str) -> Column:
        return F.sum(F.col(flag).cast("long")).alias(f"n_{flag}")

    return person_poverty.groupBy(*keys).agg(
        F.count(F.lit(1)).alias("n_persons"),
        *[
            count(c)
            for c in ("welfare_registered", "welfare_verified", "is_elderly", "is_disabled", "has_chronic_illness", "is_target_poor")
        ],
    )


def _program(records: DataFrame, xref: DataFrame, amount: Column, name: str) -> DataFrame:
    # Repeated records of one allowance (monthly payments, redeliveries) are one allowance: take the largest.
    return (
        person_ids(records.select("record_id", amount.alias("_amount")), xref)
        .where(F.col("person_id").isNotNull())
        .groupBy("person_id")
        .agg(F.max(F.coalesce(F.col("_amount"), F.lit(0))).cast("long").alias(f"{name}_monthly"))
        .withColumn(f"receives_{name}", F.lit(True))
    )


def with_age_band(age: Column, bands: list[int]) -> Column:
    """'0-5', '6-14', ..., '80+' from the configured lower bounds."""
    expr = None
    for low, high in zip(bands, bands[1:] + [None], strict=True):
        label = f"{low}+" if high is None else f"{low}-{high - 1}"
        test = age >= low if high is None else (age >= low) & (age < high)
        expr = F.when(test, F.lit(label)) if expr is None else expr.when(test, F.lit(label))
    return expr


def person_welfare_programs(
    persons: DataFrame,
    xref: DataFrame,
    welfare_registry: DataFrame,
    elderly_allowance: DataFrame,
    disability_allowance: DataFrame,
    child_grant: DataFrame,
    card_monthly: int,
    as_of_date: str,
    age_bands: list[int],
) -> DataFrame:
    """Per linked person (kept with person_id, for joins inside the job): programs received and monthly total."""
    card = (
        welfare_status(welfare_registry, xref)
        .select("person_id", "welfare_registered", F.col("welfare_verified").alias("receives_welfare_card"))
        .withColumn(
            "welfare_card_monthly",
            F.when(F.col("receives_welfare_card"), F.lit(card_monthly).cast("long")).otherwise(F.lit(0).cast("long")),
        )
    )
    elderly = _program(elderly_allowance, xref, F.col("monthly_amount"), "elderly_allowance")
    disability = _program(disability_allowance, xref, F.col("allowance_monthly"), "disability_allowance")
    child = _program(child_grant, xref, F.col("amount_monthly"), "child_grant")
    age = F.floor(F.months_between(F.lit(as_of_date).cast("date"), F.col("birth_date")) / 12).cast("int")
    out = persons.select("person_id", "sex", *AREA_CODES, age.alias("age"))
    for program in (card, elderly, disability, child):
        out = out.join(program, on="person_id", how="left")
    for name in PROGRAMS:
        out = out.withColumn(f"receives_{name}", F.coalesce(F.col(f"receives_{name}"), F.lit(False)))
        out = out.withColumn(f"{name}_monthly", F.coalesce(F.col(f"{name}_monthly"), F.lit(0).cast("long")))
    return (
        out.withColumn("welfare_registered", F.coalesce(F.col("welfare_registered"), F.lit(False)))
        .withColumn("age_band", with_age_band(F.col("age"), age_bands))
        .withColumn(
            "programs",
            F.filter(F.array(*[F.when(F.col(f"receives_{n}"), F.lit(n)) for n in PROGRAMS]), lambda x: x.isNotNull()),
        )
        .withColumn("monthly_total", sum((F.col(f"{n}_monthly") for n in PROGRAMS), F.lit(0).cast("long")))
    )
