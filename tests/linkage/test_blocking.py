from datetime import date

from chispa import assert_df_equality

from tests.linkage.conftest import record
from transforms.linkage.blocking import blocking_rule_sql, candidate_pairs
from transforms.linkage.settings import load_linkage_settings

SCHEMA = "record_id_l string, record_id_r string"


def test_expected_pairs_each_once(spark, make_records):
    rows = [
        record("dopa_registry", "1", pid="3300100123456"),
        record("dopa_registry", "2", pid="3300100654321", first_name="malee", first_name_key="ML"),
        # PID one edit from registry 1 in the tail: pid_head + birth_year block; also same village+year, names
        record("mof_welfare", "A", pid="3300100123457", pid_valid=False),
        # nothing shared with anyone except the phone of record C
        record(
            "dla_elderly",
            "B",
            first_name="x",
            last_name="y",
            first_name_key="X",
            last_name_key="Y",
            birth_date=date(1940, 1, 1),
            birth_year=1940,
            village_code="99999999",
            phone="+66811111111",
        ),
        record(
            "dep_disability",
            "C",
            first_name="p",
            last_name="q",
            first_name_key="P",
            last_name_key="Q",
            birth_date=date(1950, 1, 1),
            birth_year=1950,
            village_code="88888888",
            phone="+66811111111",
        ),
    ]
    rules = [
        ["pid"],
        ["pid_head", "birth_year"],
        ["pid_tail"],
        ["village_code", "birth_year"],
        ["last_name_key", "birth_year"],
        ["first_name_key", "last_name_key"],
        ["phone"],
    ]
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
    rows = [
        record("mof_welfare", "A", phone=None, birth_year=None, birth_date=None),
        record("dla_elderly", "B", phone=None, birth_year=None, birth_date=None, first_name_key=None),
    ]
    result = candidate_pairs(make_records(rows), [["phone"], ["village_code", "birth_year"], ["first_name_key", "last_name_key"]])
    assert_df_equality(result, spark.createDataFrame([], SCHEMA), ignore_nullable=True)


def test_splink_rule_excludes_spine_pairs():
    assert blocking_rule_sql(["village_code", "birth_year"]) == (
        "l.village_code = r.village_code AND l.birth_year = r.birth_year AND NOT (l.is_spine AND r.is_spine)"
    )


def test_link_only_pairs_records_of_different_sources_only(spark, make_records):
    rows = [
        record("dopa_registry", "1", phone="0811111111"),
        record("mof_welfare", "A", phone="0811111111"),
        record("mof_welfare", "B", phone="0811111111"),
        record("dla_elderly", "C", phone="0811111111"),
    ]
    records = make_records(rows)
    both = [
        ("dla_elderly:C", "dopa_registry:1"),
        ("dla_elderly:C", "mof_welfare:A"),
        ("dla_elderly:C", "mof_welfare:B"),
        ("dopa_registry:1", "mof_welfare:A"),
        ("dopa_registry:1", "mof_welfare:B"),
    ]
    expected = spark.createDataFrame(both, SCHEMA)
    assert_df_equality(candidate_pairs(records, [["phone"]], link_only=True), expected, ignore_row_order=True, ignore_nullable=True)
    with_same_source = spark.createDataFrame([*both, ("mof_welfare:A", "mof_welfare:B")], SCHEMA)
    assert_df_equality(candidate_pairs(records, [["phone"]]), with_same_source, ignore_row_order=True, ignore_nullable=True)
    assert blocking_rule_sql(["phone"], link_only=True) == "l.phone = r.phone AND NOT (l.is_spine AND r.is_spine) AND l.source <> r.source"


def test_configured_rules_pair_the_designed_cases_and_not_a_surname_and_year_alone(spark, make_records):
    """conf/linkage.yaml's rules on hand-made records: each designed case finds its registry record; a record
    sharing only surname and birth year (the old, scale-quadratic rule) is not a candidate."""
    reg2 = dict(
        pid="1100200765432",
        first_name_key="ML",
        last_name_key="SK",
        birth_date=date(1985, 3, 7),
        birth_year=1985,
        village_code="10020101",
        district_code="1002",
    )
    others = dict(first_name_key="ZZ", last_name_key="YY")
    rows = [
        record("dopa_registry", "1", pid="3300100123456"),
        record("dopa_registry", "2", **reg2),
        # ID with digits 7 and 8 swapped (head 1-6 intact), same birth date, nothing else shared
        record("mof_welfare", "A", pid="3300101023456", pid_valid=False, village_code="99999999", district_code="9999", **others),
        # ID with a changed digit 5 (tail intact), day and month swapped (year intact)
        record(
            "dla_elderly",
            "B",
            pid="1100900765432",
            pid_valid=False,
            birth_date=date(1985, 7, 3),
            birth_year=1985,
            village_code="77777777",
            district_code="7777",
            **others,
        ),
        # no ID, other names (a changed given name and surname), same village and birth date
        record(
            "dep_disability",
            "C",
            first_name_key="QQ",
            last_name_key="RR",
            birth_date=date(1985, 3, 7),
            birth_year=1985,
            village_code="10020101",
            district_code="1002",
        ),
        # no ID, moved, year-only birth date: same given name and surname keys and birth year
        record(
            "dcy_child_grant",
            "D",
            first_name_key="ML",
            last_name_key="SK",
            birth_date=date(1985, 1, 1),
            birth_year=1985,
            birth_date_precision="year",
            village_code="55555555",
            district_code="5555",
        ),
        # no ID, a maiden surname, a year-only birth date: same first name key, village and birth year
        record(
            "mof_welfare",
            "G",
            first_name_key="ML",
            last_name_key="NN",
            birth_date=date(1985, 1, 1),
            birth_year=1985,
            birth_date_precision="year",
            village_code="10020101",
            district_code="1002",
        ),
        # registry 1's surname key and birth year only
        record(
            "mof_welfare",
            "E",
            first_name_key="PP",
            birth_date=date(1970, 8, 8),
            birth_year=1970,
            village_code="44444444",
            district_code="4444",
        ),
        # no ID, moved, day and month swapped, first name and surname swapped: the name keys in either order
        record(
            "dla_elderly",
            "F",
            first_name_key="SK",
            last_name_key="ML",
            birth_date=date(1985, 7, 3),
            birth_year=1985,
            village_code="66666666",
            district_code="6666",
        ),
    ]
    result = candidate_pairs(make_records(rows), load_linkage_settings().probabilistic.blocking_rules)
    expected = spark.createDataFrame(
        [
            ("dopa_registry:1", "mof_welfare:A"),
            ("dla_elderly:B", "dopa_registry:2"),
            ("dep_disability:C", "dopa_registry:2"),
            ("dcy_child_grant:D", "dopa_registry:2"),
            ("dla_elderly:F", "dopa_registry:2"),
            ("dopa_registry:2", "mof_welfare:G"),
            ("dcy_child_grant:D", "dla_elderly:F"),  # two non-registry records of one person pair too
        ],
        SCHEMA,
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_spine_records_sharing_no_rule_key_with_another_source_are_left_out(spark, make_records):
    """Only spine records that can pair reach Splink: candidate pairs are the same with and without the others."""
    from transforms.linkage.blocking import with_spine_candidates_only

    rows = [
        record("dopa_registry", "1", pid="3300100123456"),
        record("dopa_registry", "2", pid="3300100654321", first_name_key="ML", last_name_key="SK", village_code="10020101"),
        record(
            "dopa_registry",
            "3",
            pid="1100200765432",
            first_name_key="QQ",
            last_name_key="RR",
            village_code="20020101",
            birth_date=date(1990, 1, 1),
            birth_year=1990,
            phone="+66822222222",
        ),
        record("mof_welfare", "A", pid="3300100123457", pid_valid=False, first_name_key="ZZ", last_name_key="YY", village_code="99999999"),
        record("dla_elderly", "B", pid=None, first_name_key="ML", last_name_key="SK", village_code="55555555"),
    ]
    rules = load_linkage_settings().probabilistic.blocking_rules
    records = make_records(rows)
    kept = with_spine_candidates_only(records, rules)
    assert sorted(r.record_id for r in kept.collect()) == ["dla_elderly:B", "dopa_registry:1", "dopa_registry:2", "mof_welfare:A"]
    assert_df_equality(candidate_pairs(kept, rules), candidate_pairs(records, rules), ignore_row_order=True, ignore_nullable=True)
