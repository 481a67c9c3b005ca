"""End to end at S = 0.001: does silver recover the generator's true ID, birth date and phone?

Compares the standardised generated world with <truth>/persons, records and errors (conf/CONTRACTS.md)
and prints the share of records whose true value is recovered, per field and error kind.
"""

from __future__ import annotations

import re

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.contracts import load_contracts
from transforms.silver.pipeline import person_sources
from udfs.phones import phone_e164

PERSON_SOURCES = person_sources(load_contracts())

pytestmark = pytest.mark.slow  # the generated world through standardize (~4 min at S = 0.001, shared with the other end-to-end tests)

# Error kinds standardisation can undo (formatting, era, notation); the others (typos, another person's
# ID, lost digits, two-digit years, swaps with both parts <= 12) are reported but not asserted.
RECOVERABLE = re.compile(
    r"format|separator|space|dash|hyphen|scientific_(exact|full|recoverable)|era|be_ce|ce_be|be_in_ce|ce_in_be|thai_digit|month_name|zero_width|country_code|trunk|plus66|intl"
)
NOT_RECOVERABLE = re.compile(r"lossy|typo|mistyp|transpos|drop|other|another|missing|wrong|swap|two_digit")


def silver_records(spark) -> DataFrame:
    columns = ["record_id", "pid", "birth_date", "birth_date_precision", "phone"]
    tables = [spark.table(f"silver.{s.silver}").select(*columns) for s in PERSON_SOURCES.values()]
    out = tables[0]
    for table in tables[1:]:
        out = out.unionByName(table)
    return out


def silver_record_id(source: str = "source", key: str = "record_key"):
    # The truth names survey members with source cdd_bmn (or cdd_bmn_member); silver calls them cdd_bmn_member.
    name = F.when(F.col(source).isin("cdd_bmn", "cdd_bmn_member"), F.lit("cdd_bmn_member")).otherwise(F.col(source))
    return F.concat(name, F.lit(":"), F.col(key))


def recovered_flags(records: DataFrame, persons: DataFrame, silver: DataFrame) -> DataFrame:
    truth = records.join(
        persons.select("person_id", F.col("pid").alias("true_pid"), F.col("birth_date").alias("true_birth")), "person_id", how="inner"
    )
    joined = truth.withColumn("record_id", silver_record_id()).join(silver, "record_id", how="left")
    same_year = F.year("birth_date") == F.year("true_birth")
    same_month = same_year & (F.month("birth_date") == F.month("true_birth"))
    birth_ok = (
        F.when(F.col("birth_date_precision") == "day", F.col("birth_date") == F.col("true_birth"))
        .when(F.col("birth_date_precision") == "month", same_month)
        .when(F.col("birth_date_precision") == "year", same_year)
    )
    return joined.select(
        "record_id",
        F.col("pid").eqNullSafe(F.col("true_pid")).alias("pid"),  # no true ID (newborn, migrant): null is right
        F.coalesce(birth_ok, F.lit(False)).alias("birth_date"),
        "phone",
    )


def recovery_shares(flags: DataFrame, errors: DataFrame) -> list[tuple[str, str, int, float]]:
    """(field, error_kind, records, share recovered); error_kind `none` = records without an error on the field."""
    errs = errors.withColumn("record_id", silver_record_id()).withColumn("field", F.lower("field"))
    out = []
    for field in ("pid", "birth_date", "phone"):
        field_errors = errs.filter(F.col("field").contains(field.split("_")[0]))
        if field == "phone":
            ok = field_errors.join(flags.select("record_id", "phone"), "record_id", how="left").select(
                "error_kind", F.coalesce(F.col("phone") == phone_e164(F.col("true_value")), F.lit(False)).alias("ok")
            )
        else:
            ok = field_errors.join(flags.select("record_id", F.col(field).alias("ok")), "record_id", how="inner").select("error_kind", "ok")
            clean = flags.join(field_errors.select("record_id"), "record_id", how="left_anti").select(
                F.lit("none").alias("error_kind"), F.col(field).alias("ok")
            )
            ok = ok.unionByName(clean)
        for row in ok.groupBy("error_kind").agg(F.count(F.lit(1)).alias("n"), F.avg(F.col("ok").cast("double")).alias("share")).collect():
            out.append((field, row.error_kind, row.n, row.share))
    return sorted(out)


def test_generated_world_recovers_true_values(spark, config, pipeline):
    pipeline("standardize")
    truth = config.paths.resolved("truth")
    flags = recovered_flags(spark.read.parquet(f"{truth}/records"), spark.read.parquet(f"{truth}/persons"), silver_records(spark))
    shares = recovery_shares(flags, spark.read.parquet(f"{truth}/errors"))
    print("\nfield       error_kind                         records  recovered")
    for field, kind, n, share in shares:
        print(f"{field:<11} {kind:<34} {n:>7}  {share:7.1%}")
    for field, kind, _, share in shares:
        if kind == "none" and field != "phone":
            assert share >= 0.99, f"{field}: only {share:.1%} of error-free records recovered"
        elif RECOVERABLE.search(kind) and not NOT_RECOVERABLE.search(kind):
            assert share >= 0.9, f"{field} {kind}: only {share:.1%} recovered"
