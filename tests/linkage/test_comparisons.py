"""The configured comparison levels (conf/linkage.yaml) on hand-written pairs: which level each pair falls in.

Each comparison's levels become one CASE expression, evaluated by Spark with Splink's similarity functions,
as Splink scores pairs. Look-alikes (twins, a parent and child, names in Latin script, 1 January births).
"""

from __future__ import annotations

from datetime import date

import pytest
from pyspark.sql import functions as F

from tests.linkage.conftest import record
from transforms.linkage.records import with_latin_flag, with_roman_names
from transforms.linkage.settings import load_linkage_settings
from transforms.linkage.splink_settings import splink_settings


def _level_sql(comparison) -> str:
    branches = " ".join(f"WHEN {lvl.sql} THEN '{lvl.label}'" for lvl in comparison.levels[:-1])
    return f"CASE {branches} ELSE '{comparison.levels[-1].label}' END"


@pytest.fixture(scope="module")
def levels_of(spark, make_records):
    from splink import SparkAPI

    SparkAPI(spark_session=spark)  # registers jaro_winkler and the other similarity functions
    settings = load_linkage_settings()

    def compare(left: dict, right: dict) -> dict[str, str]:
        records = with_roman_names(with_latin_flag(make_records([left, right]))).drop("is_spine", "pid_head", "pid_tail")
        lhs, rhs = records.filter(F.col("record_id") == left["record_id"]), records.filter(F.col("record_id") == right["record_id"])
        pair = lhs.select([F.col(c).alias(f"{c}_l") for c in lhs.columns]).crossJoin(
            rhs.select([F.col(c).alias(f"{c}_r") for c in rhs.columns])
        )
        row = pair.select([F.expr(_level_sql(c)).alias(c.name) for c in settings.comparisons]).first()
        return row.asDict()

    return compare


def test_twins_first_names_that_differ_fall_in_the_else_level_whatever_else_agrees(levels_of):
    one = record("dopa_registry", "R1", first_name="สมชาย", first_name_key="SMC", last_name="ใจดี", phone="0812345678")
    two = record("cdd_bmn_member", "M1", first_name="วิชัย", first_name_key="WC", last_name="ใจดี", phone="0812345678")
    levels = levels_of(one, two)
    assert levels["first_name"] == "else"
    assert (levels["last_name"], levels["birth_date"], levels["area"], levels["phone"]) == ("exact", "exact day", "same village", "exact")


def test_a_latin_name_meets_its_thai_form_at_the_romanised_level(levels_of):
    thai = record("dopa_registry", "R1", first_name="สมชาย", first_name_key="SMC", last_name="ใจดี", last_name_key="JT")
    latin = record("mof_welfare", "A1", first_name="Somchai", first_name_key=None, last_name="Jaidee", last_name_key=None)
    assert (levels_of(thai, latin)["first_name"], levels_of(thai, latin)["last_name"]) == ("romanised (Latin script)",) * 2
    other = record("mof_welfare", "A2", first_name="Wichai", first_name_key=None, last_name="Jaidee", last_name_key=None)
    assert levels_of(thai, other)["first_name"] == "else"


def test_thai_names_that_only_romanise_alike_are_not_compared_romanised(levels_of):
    """สมพร / สมพงษ์ are different names; the romanised level is only for a record written in Latin script."""
    one = record("dopa_registry", "R1", first_name="สมพร", first_name_key="SMPN", last_name="ใจดี")
    two = record("cdd_bmn_member", "M1", first_name="สมพงษ์", first_name_key="SMPK", last_name="ใจดี")
    assert levels_of(one, two)["first_name"] in ("jaro-winkler >= 0.88", "else")


def test_first_name_and_surname_written_in_each_others_place(levels_of):
    one = record("dopa_registry", "R1", first_name="สมชาย", first_name_key="SMC", last_name="ใจดี", last_name_key="JT")
    swapped = record("mof_welfare", "A1", first_name="ใจดี", first_name_key="JT", last_name="สมชาย", last_name_key="SMC")
    assert (levels_of(one, swapped)["first_name"], levels_of(one, swapped)["last_name"]) == (
        "swapped with surname",
        "swapped with first name",
    )
    # a tone mark lost on the way: the phonetic keys still cross
    variant = record("mof_welfare", "A2", first_name="ใจดี", first_name_key="JT", last_name="สมซาย", last_name_key="SMC")
    assert levels_of(one, variant)["first_name"] == "swapped with surname"
    # the same surname, another first name: not a swap (a sibling)
    sibling = record("mof_welfare", "A3", first_name="วิชัย", first_name_key="WC", last_name="ใจดี", last_name_key="JT")
    assert levels_of(one, sibling)["first_name"] == "else"


def test_birth_dates_on_1_january_and_a_generation_apart(levels_of):
    new_year = {"birth_date": date(1970, 1, 1), "birth_year": 1970}
    assert (
        levels_of(record("dopa_registry", "R1", **new_year), record("mof_welfare", "A1", **new_year))["birth_date"] == "exact day 1 January"
    )
    assert levels_of(record("dopa_registry", "R1"), record("mof_welfare", "A1"))["birth_date"] == "exact day"
    child = record("dcy_child_grant", "G1", birth_date=date(2000, 5, 12), birth_year=2000)
    assert levels_of(record("dopa_registry", "R1"), child)["birth_date"] == "more than 10 years apart"
    cousin = record("mof_welfare", "A2", birth_date=date(1975, 5, 12), birth_year=1975)
    assert levels_of(record("dopa_registry", "R1"), cousin)["birth_date"] == "else"


def test_fixed_levels_reach_splink_with_their_m_probability_fixed():
    comparisons = {c["output_column_name"]: c["comparison_levels"] for c in splink_settings(load_linkage_settings())["comparisons"]}
    first_else = comparisons["first_name"][-1]
    gap = next(lvl for lvl in comparisons["birth_date"] if lvl["label_for_charts"] == "more than 10 years apart")
    assert (first_else["m_probability"], first_else["fix_m_probability"]) == (1e-6, True)
    assert (gap["m_probability"], gap["fix_m_probability"]) == (1e-9, True)
    assert "m_probability" not in comparisons["first_name"][1]  # trained


def test_a_first_name_two_members_of_a_household_share_is_compared_as_unknown(spark, make_records, levels_of):
    """Household 30010101-00001: member 02 is written with member 01's first name (another member's first name
    on the record). On the residual (member 01 was placed by its ID) member 02's first name becomes unknown, and
    its comparison with its own registry record (another first name: about -20) falls in the null level. Member
    03's name is its own; household 00002's member and a welfare record share the name but not the household:
    all keep theirs. In household 00003 two members share a name; 02 carries another member's ID (named in
    `own`), so its name is its own and kept, and 01's is unknown."""
    from chispa import assert_df_equality

    from transforms.linkage.records import with_shared_values_unknown

    def member(key, name, name_key, born):
        return record("cdd_bmn_member", f"30010101-{key}", first_name=name, first_name_key=name_key, birth_date=born)

    records = make_records(
        [
            member("00001-01", "สมชาย", "SMC", date(1970, 5, 12)),
            member("00001-02", "สมชาย", "SMC", date(1990, 2, 3)),
            member("00001-03", "มาลี", "ML", date(1995, 2, 3)),
            member("00002-01", "สมชาย", "SMC", date(1960, 2, 3)),
            record("mof_welfare", "W1", first_name="สมชาย", first_name_key="SMC"),
            member("00003-01", "วิชัย", "WC", date(1950, 2, 3)),
            member("00003-02", "วิชัย", "WC", date(1952, 2, 3)),
        ]
    )
    residual = records.filter(F.col("record_key") != "30010101-00001-01")
    own = spark.createDataFrame([("cdd_bmn_member:30010101-00003-02",)], "record_id string")
    result = with_shared_values_unknown(residual, records, "household", {"first_name": "first_name_key"}, own)
    expected = spark.createDataFrame(
        [
            ("cdd_bmn_member:30010101-00001-02", None, "SMC"),
            ("cdd_bmn_member:30010101-00001-03", "มาลี", "ML"),
            ("cdd_bmn_member:30010101-00002-01", "สมชาย", "SMC"),
            ("mof_welfare:W1", "สมชาย", "SMC"),
            ("cdd_bmn_member:30010101-00003-01", None, "WC"),
            ("cdd_bmn_member:30010101-00003-02", "วิชัย", "WC"),
        ],
        "record_id string, first_name string, first_name_key string",
    )
    assert result.columns == residual.columns
    assert_df_equality(result.select("record_id", "first_name", "first_name_key"), expected, ignore_row_order=True, ignore_nullable=True)
    own_registry = record("dopa_registry", "R2", first_name="วิชัย", first_name_key="WC", birth_date=date(1990, 2, 3))
    written = member("00001-02", "สมชาย", "SMC", date(1990, 2, 3))
    assert levels_of(own_registry, written)["first_name"] == "else"
    assert levels_of(own_registry, {**written, "first_name": None})["first_name"] == "null"
