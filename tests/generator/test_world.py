"""World transforms against hand-computed frames."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms.generator.world import with_citizen_ids, with_household_traits


def test_persons_are_numbered_in_household_order_within_each_district(spark):
    """Serials 1..n per district in (hh_key, member_no) order, from the sizes of the earlier households:
    the district's households sorted by hh_key, whatever order the rows come in."""
    households = spark.createDataFrame(
        [("1001", "B100101-00002", 4.0), ("1001", "B100101-00001", 2.5), ("1001", "B100102-00001", 1.0), ("5001", "500101-00001", 3.0)],
        "district_code string, hh_key string, mean_size double",
    ).transform(lambda df: with_household_traits(df, seed=7, correlation=0.3, size_weight=0.35))
    sizes = {r.hh_key: (r.district_code, r.size) for r in households.collect()}
    members = (
        households.withColumn("member_no", F.explode(F.sequence(F.lit(1), F.col("size"))))
        .withColumns({"surveyed": F.lit(True), "birth_date": F.lit(dt.date(1990, 1, 1))})
        .transform(lambda df: with_citizen_ids(df, seed=7, migrant_share=0.0))
    )
    expected, serial = [], {}
    for hh_key in sorted(sizes):
        district, size = sizes[hh_key]
        for member_no in range(1, size + 1):
            serial[district] = serial.get(district, 0) + 1
            expected.append((hh_key, member_no, int(district) * 10_000_000 + serial[district], f"1{district}{serial[district]:07d}"))
    got = members.select("hh_key", "member_no", "person_id", F.substring("pid", 1, 12).alias("pid12"))
    assert_df_equality(got, spark.createDataFrame(expected, "hh_key string, member_no int, person_id long, pid12 string"),
                       ignore_row_order=True, ignore_nullable=True)
    assert "_persons_before" not in members.columns
