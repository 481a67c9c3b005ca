"""End to end at S = 0.001: no silver person-bearing table loses area codes the delivery had."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from transforms.contracts import load_contracts
from transforms.silver.pipeline import person_sources

PERSON_SOURCES = person_sources(load_contracts())

pytestmark = pytest.mark.slow  # the generated world through standardize (~4 min at S = 0.001, shared with the other end-to-end tests)

AREAS = ["house_code", "village_code", "subdistrict_code", "district_code", "province_code"]


def test_survey_members_have_their_households_area(spark, pipeline):
    pipeline("standardize")
    households = spark.table("silver.cdd_bmn").select("hh_id", *[F.col(c).alias(f"hh_{c}") for c in AREAS])
    members = spark.table("silver.cdd_bmn_member").join(households, "hh_id", how="inner")
    assert members.count() == spark.table("silver.cdd_bmn_member").count()
    differing = members.filter(" OR ".join(f"NOT ({c} <=> hh_{c})" for c in AREAS)).count()
    assert differing == 0
    assert members.filter(F.col("subdistrict_code").isNotNull()).count() > 0.95 * members.count()


def test_no_person_table_has_a_null_district_where_the_delivery_gave_one(spark, pipeline):
    """A null district in silver needs a reason: no area delivered at all, or an unknown code flagged."""
    pipeline("standardize")
    for source in PERSON_SOURCES.values():
        silver = spark.table(f"silver.{source.silver}")
        unexplained = silver.filter(F.col("district_code").isNull() & ~F.exists("_issues", lambda issue: issue.endswith("_code_unknown")))
        if source.silver == "cdd_bmn_member":
            delivered = spark.table("bronze.cdd_bmn").select(F.col("hh_id"), *[F.col(c).alias(f"raw_{c}") for c in AREAS])
            unexplained = unexplained.join(delivered, "hh_id", how="inner")
        else:
            keyed = spark.table(f"bronze.{source.bronze}").transform(source.adapter)
            delivered = keyed.select("record_key", *[F.col(f"{c}_raw").alias(f"raw_{c}") for c in AREAS])
            unexplained = unexplained.join(delivered, "record_key", how="inner")
        with_area = unexplained.filter(" OR ".join(f"raw_{c} IS NOT NULL AND trim(raw_{c}) <> ''" for c in AREAS))
        assert with_area.count() == 0, f"silver.{source.silver}: district lost although the delivery had an area"
