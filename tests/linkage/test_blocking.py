from datetime import date

from chispa import assert_df_equality

from tests.linkage.conftest import record
from transforms.linkage.blocking import blocking_rule_sql, candidate_pairs

SCHEMA = "record_id_l string, record_id_r string"


def test_expected_pairs_each_once(spark, make_records):
    rows = [
        record("dopa_registry", "1", pid="3300100123456"),
        record("dopa_registry", "2", pid="3300100654321", first_name="malee", first_name_key="ML"),
        # PID one edit from registry 1 in the tail: pid_head + birth_year block; also same village+year, names
        record("mof_welfare", "A", pid="3300100123457", pid_valid=False),
        # nothing shared with anyone except the phone of record C
        record("dla_elderly", "B", first_name="x", last_name="y", first_name_key="X", last_name_key="Y",
               birth_date=date(1940, 1, 1), birth_year=1940, village_code="99999999", phone="+66811111111"),
        record("dep_disability", "C", first_name="p", last_name="q", first_name_key="P", last_name_key="Q",
               birth_date=date(1950, 1, 1), birth_year=1950, village_code="88888888", phone="+66811111111"),
    ]
    rules = [["pid"], ["pid_head", "birth_year"], ["pid_tail"], ["village_code", "birth_year"],
             ["last_name_key", "birth_year"], ["first_name_key", "last_name_key"], ["phone"]]
    result = candidate_pairs(make_records(rows), rules)
    expected = spark.createDataFrame(
        [
            ("dep_disability:C", "dla_elderly:B"),
            ("dopa_registry:1", "mof_welfare:A"),
            ("dopa_registry:2", "mof_welfare:A"),  # same village and birth year; registry 1-2 never paired
        ],
        SCHEMA,
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)
    assert result.count() == result.distinct().count()


def test_null_keys_never_pair(spark, make_records):
    rows = [record("mof_welfare", "A", phone=None, birth_year=None, birth_date=None),
            record("dla_elderly", "B", phone=None, birth_year=None, birth_date=None, first_name_key=None)]
    result = candidate_pairs(make_records(rows), [["phone"], ["village_code", "birth_year"], ["first_name_key", "last_name_key"]])
    assert_df_equality(result, spark.createDataFrame([], SCHEMA), ignore_nullable=True)


def test_splink_rule_excludes_spine_pairs():
    assert blocking_rule_sql(["village_code", "birth_year"]) == (
        "l.village_code = r.village_code AND l.birth_year = r.birth_year AND NOT (l.is_spine AND r.is_spine)"
    )
