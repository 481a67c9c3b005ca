from datetime import date

from chispa import assert_df_equality

from tests.linkage.conftest import record
from transforms.linkage.deterministic import deterministic_links

PID = "3300100123456"
MOTHER = "3300100999991"


def _links(spark, make_records, rows):
    result = deterministic_links(make_records(rows), "dopa_registry", ["birth_date", "first_name_key"])
    expected_schema = "record_id string, spine_record_id string"
    return result, expected_schema


def test_corroborated_id_links(spark, make_records):
    rows = [
        record("dopa_registry", PID, pid=PID),
        # same ID, same birth date, different spelling of the name: corroborated by the birth date
        record("mof_welfare", "A1", pid=PID, first_name="somchay", first_name_key="SMX"),
        # same ID, birth date wrong but first name agrees: corroborated by the name
        record("dla_elderly", "E1", pid=PID, birth_date=date(1971, 1, 1), birth_year=1971),
    ]
    result, schema = _links(spark, make_records, rows)
    expected = spark.createDataFrame([("dla_elderly:E1", f"dopa_registry:{PID}"), ("mof_welfare:A1", f"dopa_registry:{PID}")], schema)
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_valid_id_of_another_person_does_not_link(spark, make_records):
    rows = [
        record("dopa_registry", PID, pid=PID),
        record(
            "mof_welfare", "A2", pid=PID, first_name="malee", first_name_key="ML", birth_date=date(1995, 2, 3), birth_year=1995, sex="F"
        ),
        # an invalid-checksum ID never links deterministically, even when everything else agrees
        record("dla_elderly", "E2", pid=PID, pid_valid=False),
    ]
    result, schema = _links(spark, make_records, rows)
    assert_df_equality(result, spark.createDataFrame([], schema), ignore_nullable=True)


def test_mothers_id_on_child_grant_does_not_link_child_to_mother(spark, make_records):
    from pyspark.sql import functions as F

    from transforms.linkage.records import union_canonical, with_blocking_keys
    from transforms.linkage.settings import load_linkage_settings

    mother = make_records(
        [
            record(
                "dopa_registry",
                MOTHER,
                pid=MOTHER,
                first_name="malee",
                first_name_key="ML",
                sex="F",
                birth_date=date(1990, 4, 1),
                birth_year=1990,
            )
        ]
    )
    child = make_records(
        [record("dcy_child_grant", "G1", pid=None, first_name="nong", first_name_key="NNK", birth_date=date(2020, 4, 1), birth_year=2020)]
    ).withColumns({"mother_pid": F.lit(MOTHER), "mother_pid_valid": F.lit(True), "mother_first_name": F.lit("malee")})
    records = with_blocking_keys(
        union_canonical([mother.drop("is_spine", "pid_head", "pid_tail"), child.drop("is_spine", "pid_head", "pid_tail")]),
        "dopa_registry",
        load_linkage_settings().derived_keys,
    )
    assert "mother_pid" not in records.columns
    result = deterministic_links(records, "dopa_registry", ["birth_date", "first_name_key"])
    assert_df_equality(result, spark.createDataFrame([], "record_id string, spine_record_id string"), ignore_nullable=True)


def test_pid_matches_keep_the_unlinked_and_unlinked_records_finds_them(spark, make_records):
    """Someone else's valid ID: a match row with no spine record; it and the ID-less record go to Splink."""
    from transforms.linkage.deterministic import pid_matches, unlinked_records

    rows = [
        record("dopa_registry", PID, pid=PID),
        record("mof_welfare", "A1", pid=PID),  # corroborated
        record("mof_welfare", "A2", pid=PID, first_name_key="ML", birth_date=date(1995, 2, 3), birth_year=1995),  # another person's ID
        record("dla_elderly", "E1", pid=None),  # no ID
        record("dla_elderly", "E2", pid=PID, pid_valid=False),  # invalid ID
    ]
    records = make_records(rows)
    matches = pid_matches(records, "dopa_registry", ["birth_date", "first_name_key"])
    expected = spark.createDataFrame(
        [("mof_welfare:A1", "mof_welfare", f"dopa_registry:{PID}", False), ("mof_welfare:A2", "mof_welfare", None, True)],
        "record_id string, source string, spine_record_id string, id_refuted boolean",
    )
    assert_df_equality(matches, expected, ignore_row_order=True, ignore_nullable=True)
    unlinked = sorted(r.record_id for r in unlinked_records(records, matches).collect())
    assert unlinked == ["dla_elderly:E1", "dla_elderly:E2", "mof_welfare:A2"]


def test_two_corroborating_registry_records_with_one_id_link_to_the_smallest(spark, make_records):
    rows = [record("dopa_registry", "R2", pid=PID), record("dopa_registry", "R1", pid=PID), record("mof_welfare", "A1", pid=PID)]
    result, schema = _links(spark, make_records, rows)
    assert_df_equality(result, spark.createDataFrame([("mof_welfare:A1", "dopa_registry:R1")], schema), ignore_nullable=True)


def test_parents_id_and_name_on_a_childs_record_do_not_link_by_id(spark, make_records):
    """The parent's ID and given name on the child's record (born 30 years later): no ID link, whatever agrees;
    a birth year within the gap, or unknown, still links."""
    rows = [
        record("dopa_registry", PID, pid=PID),  # the parent, born 1970
        record("dcy_child_grant", "G1", pid=PID, birth_date=date(2000, 5, 12), birth_year=2000),
        record("mof_welfare", "A1", pid=PID, birth_date=date(1980, 5, 12), birth_year=1980),  # 10 years: a typo's reach
        record("dla_elderly", "E1", pid=PID, birth_date=None, birth_year=None),
    ]
    result = deterministic_links(make_records(rows), "dopa_registry", ["birth_date", "first_name_key"], max_birth_year_gap=10)
    expected = spark.createDataFrame(
        [("mof_welfare:A1", f"dopa_registry:{PID}"), ("dla_elderly:E1", f"dopa_registry:{PID}")], "record_id string, spine_record_id string"
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_a_twins_id_on_a_record_does_not_link_it_to_the_twin(spark, make_records):
    """Twins share birth date, surname and house: the other twin's ID on a record is corroborated by the birth
    date, but the first name is a different name (another key, more than 2 edits), so it is left for the
    probabilistic pass. A misspelt first name (1 edit, another key) still links by ID."""
    twin = "3300100123464"
    rows = [
        record("dopa_registry", PID, pid=PID, first_name="สมชาย", first_name_key="SMC"),
        record("dopa_registry", twin, pid=twin, first_name="สมศักดิ์", first_name_key="SMSK"),
        record("cdd_bmn_member", "M1", pid=twin, first_name="สมชาย", first_name_key="SMC"),  # the twin's ID on สมชาย's record
        record("cdd_bmn_member", "M2", pid=PID, first_name="สมชาบ", first_name_key="SMCB"),  # a typo: one edit
        record("mof_welfare", "A1", pid=PID, first_name=None, first_name_key=None),  # no first name: no evidence against
    ]
    result = deterministic_links(make_records(rows), "dopa_registry", ["birth_date", "first_name_key"], max_first_name_edits=2)
    expected = spark.createDataFrame(
        [("cdd_bmn_member:M2", f"dopa_registry:{PID}"), ("mof_welfare:A1", f"dopa_registry:{PID}")],
        "record_id string, spine_record_id string",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_a_household_members_id_on_another_members_record_is_undone_when_the_member_agrees_on_birth_date(spark, make_records):
    """Household 30010101-00001: member 01 is B (B's ID, name and birth date); member 02 is A, written with B's ID
    and first name (A's birth date). Both link to B by ID; members of one household are different persons and
    only 01 agrees with B on the birth date, so 02's link is undone (it goes to the probabilistic pass). The
    same record alone in its household (00002-01) keeps its link: nothing contests it. Two members of household
    00003 claim C and neither agrees on the birth date: no evidence to choose, both keep it."""
    from transforms.linkage.deterministic import pid_matches, without_contested_claims

    pid_b, pid_c = "1300100000011", "1300100000021"
    born_a, born_b, born_c = date(1990, 1, 1), date(1992, 3, 4), date(1980, 7, 7)
    rows = [
        record("dopa_registry", pid_b, pid=pid_b, first_name="somsak", first_name_key="SMS", birth_date=born_b),
        record("dopa_registry", pid_c, pid=pid_c, first_name="malee", first_name_key="ML", birth_date=born_c),
        record("cdd_bmn_member", "30010101-00001-01", pid=pid_b, first_name="somsak", first_name_key="SMS", birth_date=born_b),
        record("cdd_bmn_member", "30010101-00001-02", pid=pid_b, first_name="somsak", first_name_key="SMS", birth_date=born_a),
        record("cdd_bmn_member", "30010101-00002-01", pid=pid_b, first_name="somsak", first_name_key="SMS", birth_date=born_a),
        record("cdd_bmn_member", "30010101-00003-01", pid=pid_c, first_name="malee", first_name_key="ML", birth_date=date(1981, 7, 7)),
        record("cdd_bmn_member", "30010101-00003-02", pid=pid_c, first_name="malee", first_name_key="ML", birth_date=date(1982, 7, 7)),
    ]
    records = make_records(rows)
    matches = pid_matches(records, "dopa_registry", ["birth_date", "first_name_key"], 10, 2, carry=("household", "birth_date"))
    result = without_contested_claims(matches, records, "dopa_registry", "household").select("record_id", "source", "spine_record_id")
    member = "cdd_bmn_member:30010101-"
    expected = spark.createDataFrame(
        [
            (f"{member}00001-01", "cdd_bmn_member", f"dopa_registry:{pid_b}"),
            (f"{member}00001-02", "cdd_bmn_member", None),
            (f"{member}00002-01", "cdd_bmn_member", f"dopa_registry:{pid_b}"),
            (f"{member}00003-01", "cdd_bmn_member", f"dopa_registry:{pid_c}"),
            (f"{member}00003-02", "cdd_bmn_member", f"dopa_registry:{pid_c}"),
        ],
        "record_id string, source string, spine_record_id string",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True, ignore_column_order=True)


def test_an_id_whose_registry_record_agrees_on_nothing_is_refuted(spark, make_records):
    """A carries B's ID with its own name and birth date: B's registry record agrees on neither, the ID is
    refuted (someone else's ID on the record). C gives its own ID and birth date with another first name: the
    birth date corroborates, the name is a different one, so no link, but the ID is not refuted. D's ID is in no
    registry record: nothing to refute. E's ID links."""
    from transforms.linkage.deterministic import pid_matches

    pid_b, pid_c, pid_e = "1300100000011", "1300100000021", "1300100000031"
    rows = [
        record("dopa_registry", pid_b, pid=pid_b, first_name="somsak", first_name_key="SMS", birth_date=date(1992, 3, 4)),
        record("dopa_registry", pid_c, pid=pid_c, first_name="malee", first_name_key="ML"),
        record("dopa_registry", pid_e, pid=pid_e),
        record("cdd_bmn_member", "H-01", pid=pid_b, first_name="anan", first_name_key="AN", birth_date=date(1990, 1, 1)),
        record("cdd_bmn_member", "H-02", pid=pid_c, first_name="wichai", first_name_key="WC"),
        record("cdd_bmn_member", "H-03", pid="1300100000049"),
        record("cdd_bmn_member", "H-04", pid=pid_e),
    ]
    result = pid_matches(make_records(rows), "dopa_registry", ["birth_date", "first_name_key"], 10, 2)
    expected = spark.createDataFrame(
        [
            ("cdd_bmn_member:H-01", None, True),
            ("cdd_bmn_member:H-02", None, False),
            ("cdd_bmn_member:H-03", None, False),
            ("cdd_bmn_member:H-04", f"dopa_registry:{pid_e}", False),
        ],
        "record_id string, spine_record_id string, id_refuted boolean",
    )
    assert_df_equality(result.select("record_id", "spine_record_id", "id_refuted"), expected, ignore_row_order=True, ignore_nullable=True)
