"""World transforms against hand-computed frames."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms.generator.world import (
    Names,
    expand_members,
    with_citizen_ids,
    with_contact,
    with_household_traits,
    with_lookalike_of,
    with_names,
    with_namesakes,
)


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
    assert_df_equality(
        got,
        spark.createDataFrame(expected, "hh_key string, member_no int, person_id long, pid12 string"),
        ignore_row_order=True,
        ignore_nullable=True,
    )
    assert "_persons_before" not in members.columns


def _households(spark, sizes: list[int]):
    """Survey households of one district (young and old heads mixed by the draws), sizes as given."""
    rows = [(f"10010101-{i:05d}", "1001", "100101", "10010101", True, 0.15, size) for i, size in enumerate(sizes, start=1)]
    return spark.createDataFrame(
        rows,
        "hh_key string, district_code string, subdistrict_code string, village_code string, surveyed boolean, elderly_rate double, size int",
    )


def test_a_twin_has_the_birth_date_and_relation_of_the_member_before_it(spark):
    members = expand_members(_households(spark, [6] * 300), seed=3, twins=0.3).cache()
    by_member = {(r.hh_key, r.member_no): r for r in members.collect()}
    twins = [r for r in by_member.values() if r.lookalike_kind == "twin"]
    assert 30 < len(twins) < 600  # 300 households of 6: some hundreds of children after a child
    for twin in twins:
        sibling = by_member[(twin.hh_key, twin.member_no - 1)]
        assert (twin.birth_date, twin.relation, twin.age) == (sibling.birth_date, sibling.relation, sibling.age)
        assert twin.relation in ("child", "grandchild") and sibling.lookalike_kind is None
    without = expand_members(_households(spark, [6] * 300), seed=3, twins=0.0)
    assert without.filter(F.col("lookalike_kind").isNotNull()).count() == 0
    # Members who are not twins are drawn exactly as without twins.
    same = members.filter(F.col("lookalike_kind").isNull()).select("hh_key", "member_no", "relation", "age", "sex", "birth_date")
    assert same.exceptAll(without.select(*same.columns)).count() == 0


def _persons(spark):
    """Two households of district 1001 (village 01 and 02), hand-made: head, spouse, two children."""
    rows = [
        ("10010101-00001", 1, "head", "M", "M", 40, dt.date(1978, 1, 5), "10010101", "100101"),
        ("10010101-00001", 2, "spouse", "F", "M", 38, dt.date(1980, 2, 6), "10010101", "100101"),
        ("10010101-00001", 3, "child", "M", "M", 12, dt.date(2006, 3, 7), "10010101", "100101"),
        ("10010101-00001", 4, "child", "F", "M", 16, dt.date(2002, 4, 8), "10010101", "100101"),
        ("10010102-00001", 1, "head", "F", "F", 50, dt.date(1968, 5, 9), "10010102", "100101"),
    ]
    schema = "hh_key string, member_no int, relation string, sex string, head_sex string, age int, birth_date date, village_code string, subdistrict_code string"
    persons = spark.createDataFrame(rows, schema).withColumns(
        {
            "district_code": F.lit("1001"),
            "surveyed": F.lit(False),
            "hh_id": F.lit(None).cast("string"),
            "lookalike_kind": F.lit(None).cast("string"),
            "_persons_before": F.when(F.col("village_code") == "10010101", 0).otherwise(4),
        }
    )
    return with_citizen_ids(persons, seed=7, migrant_share=0.0).withColumn("house_code", F.concat(F.col("district_code"), F.lit("0000001")))


def _names(spark, names: list[str]) -> Names:
    return Names(spark.createDataFrame(list(enumerate(names, start=1)), "index int, name string"), len(names))


def test_a_junior_takes_the_head_first_name_and_a_family_shares_one_phone(spark):
    male, female, family = _names(spark, ["สมชาย", "สมศักดิ์", "วิชัย"]), _names(spark, ["สมหญิง", "มาลี"]), _names(spark, ["ใจดี"])
    persons = (
        _persons(spark)
        .transform(lambda df: with_names(df, male, female, family, seed=7, juniors=1.0))
        .transform(lambda df: with_contact(df, seed=7, death_rate=0.0, family_phone=1.0))
        .withColumn("lookalike_of", F.lit(None).cast("long"))
        .transform(with_lookalike_of)
    )
    rows = {(r.hh_key[-8:-6], r.member_no): r for r in persons.collect()}
    head, son, daughter = rows[("01", 1)], rows[("01", 3)], rows[("01", 4)]
    assert son.first_name == head.first_name and (son.lookalike_kind, son.lookalike_of) == ("junior", head.person_id)
    assert daughter.lookalike_kind == "family_phone" and daughter.phone == head.phone
    assert rows[("01", 2)].phone == head.phone and son.phone is None  # under 15: no phone
    assert rows[("02", 1)].lookalike_kind is None and rows[("02", 1)].phone != head.phone


def test_a_namesake_lives_in_another_village_of_the_district_with_an_id_of_their_own(spark):
    villages = spark.createDataFrame(
        [("10010101", "100101", "1001", 1, 3), ("10010102", "100101", "1001", 2, 3), ("10010202", "100102", "1001", 3, 3)],
        "village_code string, subdistrict_code string, district_code string, village_no int, district_villages int",
    )
    persons = _persons(spark).withColumns({"first_name": F.lit("สมชาย"), "last_name": F.lit("ใจดี"), "title": F.lit("นาย")})
    out = with_namesakes(persons, villages, seed=11, rate=1.0)
    copies = out.filter(F.col("lookalike_kind") == "namesake").collect()
    originals = {r.person_id: r for r in persons.collect()}
    assert len(copies) == 3  # every adult of the two households; the children are under 18
    for copy in copies:
        original = originals[copy.lookalike_of]
        assert (copy.first_name, copy.last_name, copy.sex, copy.birth_date, copy.district_code) == (
            original.first_name,
            original.last_name,
            original.sex,
            original.birth_date,
            original.district_code,
        )
        assert copy.pid != original.pid and copy.person_id != original.person_id and copy.relation == "head"
        subdistrict = {"10010101": "100101", "10010102": "100101", "10010202": "100102"}
        assert copy.village_code != original.village_code and copy.subdistrict_code == subdistrict[copy.village_code]
    pids = [r.pid for r in out.collect()]
    assert len(set(pids)) == len(pids) == 8
    assert all(pid_checksum_ok(p) for p in pids)


def pid_checksum_ok(pid: str) -> bool:
    return int(pid[12]) == (11 - sum(int(d) * (13 - i) for i, d in enumerate(pid[:12])) % 11) % 10
