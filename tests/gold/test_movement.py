"""Movement between two survey rounds (transforms/gold/movement.py) on hand-made households and persons.

Round 2561 -> 2562:
- h1 (p1 head, p2, p3) poor; in 2562 p3 heads a household of their own (h9, with a newborn p11): h1 continues
  with p1, p2 and stays poor; h9 is new.
- h2 (p4, p5) poor, moved to another village as h7 and no longer poor: the same household under a new id.
- h3 (p6) not poor, not surveyed in 2562.
- h4 (p7, an unlinked member) not poor, poor in 2562: entered.
- h5 (p9 head, p10): p9 moves to h8 and p10 stays at h5: one person each way; h5 keeps its id, h8 is new.
- h6 (p12 head, p13 child): the household leaves the survey the year p13 heads a household of their own
  (h10): one person of two, not the head or spouse, under a new id is a new household, not h6 moved.
- h11 (p14 head, p15 spouse): p14 dies and p15 moves to another village (h12): the household moved.
"""

from __future__ import annotations

from chispa import assert_df_equality

from transforms.gold import movement
from transforms.gold.deprivation import deprived_col, dimension_col

R = ("2561", "2562")


def _household(catalogue, hh_id, survey_round, village, members, is_poor, deprived=()):
    row = {"hh_id": hh_id, "survey_round": survey_round, "village_code": village, "members": members, "is_poor": is_poor}
    row |= {"province_code": "10", "district_code": "1001", "subdistrict_code": "100101"}
    row |= {dimension_col(d): f"dim_{d}" in deprived for d in catalogue.dimensions}
    return row | {deprived_col(n): f"ind{n}" in deprived for n in catalogue.numbers}


def _frame(spark, rows):
    return spark.createDataFrame(rows).select(*rows[0])


def _households(spark, catalogue):
    before = [
        _household(catalogue, "h1", "2561", "V1", 3, True, ("dim_income", "ind28")),
        _household(catalogue, "h2", "2561", "V1", 2, True, ("dim_income", "ind28")),
        _household(catalogue, "h3", "2561", "V1", 1, False),
        _household(catalogue, "h4", "2561", "V1", 2, False),
        _household(catalogue, "h5", "2561", "V1", 2, False),
        _household(catalogue, "h6", "2561", "V1", 2, True),
        _household(catalogue, "h11", "2561", "V1", 2, False),
    ]
    now = [
        _household(catalogue, "h1", "2562", "V1", 2, True, ("dim_income", "ind28")),
        _household(catalogue, "h9", "2562", "V1", 2, False),
        _household(catalogue, "h7", "2562", "V2", 2, False),
        _household(catalogue, "h4", "2562", "V1", 2, True, ("dim_income", "ind28")),
        _household(catalogue, "h5", "2562", "V1", 1, False),
        _household(catalogue, "h8", "2562", "V1", 1, False),
        _household(catalogue, "h10", "2562", "V1", 1, False),
        _household(catalogue, "h12", "2562", "V2", 1, False),
    ]
    return _frame(spark, before), _frame(spark, now)


def _person(catalogue, key, hh_id, member_no, village, poor, target, deprived=(), relation=None):
    relation = relation or {1: "head", 2: "spouse"}.get(member_no, "child")
    row = {"person_key": key, "hh_id": hh_id, "member_no": member_no, "relation": relation, "village_code": village}
    row |= {"is_poor": poor, "is_target_poor": target}
    row |= {"province_code": "10", "district_code": "1001", "subdistrict_code": "100101"}
    row |= {dimension_col(d): f"dim_{d}" in deprived for d in catalogue.dimensions}
    return row | {deprived_col(n): f"ind{n}" in deprived for n in catalogue.numbers}


def _persons(spark, catalogue):
    poor = ("dim_income", "ind28")
    before = [
        _person(catalogue, "p1", "h1", 1, "V1", True, True, poor),
        _person(catalogue, "p2", "h1", 2, "V1", True, False, poor),
        _person(catalogue, "p3", "h1", 3, "V1", True, True, poor),
        _person(catalogue, "p4", "h2", 1, "V1", True, True, poor),
        _person(catalogue, "p5", "h2", 2, "V1", True, True, poor),
        _person(catalogue, "p6", "h3", 1, "V1", False, False),
        _person(catalogue, "p7", "h4", 1, "V1", False, False),
        _person(catalogue, None, "h4", 2, "V1", False, False),
        _person(catalogue, "p9", "h5", 1, "V1", False, False),
        _person(catalogue, "p10", "h5", 2, "V1", False, False),
        _person(catalogue, "p12", "h6", 1, "V1", True, True),
        _person(catalogue, "p13", "h6", 2, "V1", True, True, relation="child"),
        _person(catalogue, "p14", "h11", 1, "V1", False, False),
        _person(catalogue, "p15", "h11", 2, "V1", False, False),
    ]
    now = [
        _person(catalogue, "p1", "h1", 1, "V1", True, True, poor),
        _person(catalogue, "p2", "h1", 2, "V1", True, False, poor),
        _person(catalogue, "p3", "h9", 1, "V1", False, False),
        _person(catalogue, "p11", "h9", 2, "V1", False, False),
        _person(catalogue, "p4", "h7", 1, "V2", False, False),
        _person(catalogue, "p5", "h7", 2, "V2", False, False),
        _person(catalogue, "p7", "h4", 1, "V1", True, True, poor),
        _person(catalogue, None, "h4", 2, "V1", True, False, poor),
        _person(catalogue, "p10", "h5", 1, "V1", False, False),
        _person(catalogue, "p9", "h8", 1, "V1", False, False),
        _person(catalogue, "p13", "h10", 1, "V1", False, False),
        _person(catalogue, "p15", "h12", 2, "V2", False, False),
    ]
    return _frame(spark, before), _frame(spark, now)


def test_households_continue_by_the_persons_they_share(spark, catalogue):
    before, now = _persons(spark, catalogue)
    expected = spark.createDataFrame(
        [("h1", "h1", 2), ("h2", "h7", 2), ("h4", "h4", 1), ("h5", "h5", 1), ("h11", "h12", 1)],
        "previous_hh_id string, hh_id string, persons_in_both int",
    )
    assert_df_equality(movement.household_pairs(before, now), expected, ignore_row_order=True, ignore_nullable=True)


def test_household_movement(spark, catalogue):
    before_hh, now_hh = _households(spark, catalogue)
    before, now = _persons(spark, catalogue)
    got = movement.household_movement(before_hh, now_hh, before, now, catalogue, R).select(
        "survey_round", "previous_round", "hh_id", "previous_hh_id", "village_code", "moved_village",
        "members_before", "members_now", "persons_in_both", "poverty_movement", "dim_income_movement", "ind28_movement", "ind1_movement",
    )  # fmt: skip
    expected = spark.createDataFrame(
        [
            ("2562", "2561", "h1", "h1", "V1", False, 3, 2, 2, "both", "both", "both", "neither"),
            ("2562", "2561", "h7", "h2", "V2", True, 2, 2, 2, "left", "left", "left", "neither"),
            ("2562", "2561", None, "h3", "V1", False, 1, None, 0, "not_surveyed_now", "not_surveyed_now", "not_surveyed_now", "not_surveyed_now"),
            ("2562", "2561", "h4", "h4", "V1", False, 2, 2, 1, "entered", "entered", "entered", "neither"),
            ("2562", "2561", "h5", "h5", "V1", False, 2, 1, 1, "neither", "neither", "neither", "neither"),
            ("2562", "2561", None, "h6", "V1", False, 2, None, 0, "not_surveyed_now", "not_surveyed_now", "not_surveyed_now", "not_surveyed_now"),
            ("2562", "2561", "h9", None, "V1", False, None, 2, 0, "not_surveyed_before", "not_surveyed_before", "not_surveyed_before", "not_surveyed_before"),
            ("2562", "2561", "h8", None, "V1", False, None, 1, 0, "not_surveyed_before", "not_surveyed_before", "not_surveyed_before", "not_surveyed_before"),
            ("2562", "2561", "h10", None, "V1", False, None, 1, 0, "not_surveyed_before", "not_surveyed_before", "not_surveyed_before", "not_surveyed_before"),
            ("2562", "2561", "h12", "h11", "V2", True, 2, 1, 1, "neither", "neither", "neither", "neither"),
        ],
        "survey_round string, previous_round string, hh_id string, previous_hh_id string, village_code string, moved_village boolean, "
        "members_before long, members_now long, persons_in_both int, poverty_movement string, dim_income_movement string, "
        "ind28_movement string, ind1_movement string",
    )  # fmt: skip
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_person_movement_with_the_programs_received(spark, catalogue):
    before, now = _persons(spark, catalogue)
    welfare = spark.createDataFrame(
        [("p1", True, False, False, False), ("p3", True, True, False, False), ("p6", False, True, False, False)],
        "person_key string, " + ", ".join(f"{p} boolean" for p in movement.PROGRAM_FLAGS),
    )
    got = movement.person_movement(before, now, welfare, catalogue, R).select(
        "person_key", "hh_id", "previous_hh_id", "poverty_movement", "target_poor_movement", "dim_income_movement", *movement.PROGRAM_FLAGS
    )
    rows = [
        ("p1", "h1", "h1", "both", "both", "both", True, False, False, False),
        ("p2", "h1", "h1", "both", "neither", "both", False, False, False, False),
        ("p3", "h9", "h1", "left", "left", "left", True, True, False, False),
        ("p4", "h7", "h2", "left", "left", "left", False, False, False, False),
        ("p5", "h7", "h2", "left", "left", "left", False, False, False, False),
        ("p6", None, "h3", "not_surveyed_now", "not_surveyed_now", "not_surveyed_now", False, True, False, False),
        ("p7", "h4", "h4", "entered", "entered", "entered", False, False, False, False),
        ("p9", "h8", "h5", "neither", "neither", "neither", False, False, False, False),
        ("p10", "h5", "h5", "neither", "neither", "neither", False, False, False, False),
        ("p11", "h9", None, "not_surveyed_before", "not_surveyed_before", "not_surveyed_before", False, False, False, False),
        ("p12", None, "h6", "not_surveyed_now", "not_surveyed_now", "not_surveyed_now", False, False, False, False),
        ("p13", "h10", "h6", "left", "left", "neither", False, False, False, False),
        ("p14", None, "h11", "not_surveyed_now", "not_surveyed_now", "not_surveyed_now", False, False, False, False),
        ("p15", "h12", "h11", "neither", "neither", "neither", False, False, False, False),
    ]
    schema = "person_key string, hh_id string, previous_hh_id string, poverty_movement string, target_poor_movement string, "
    schema += "dim_income_movement string, " + ", ".join(f"{p} boolean" for p in movement.PROGRAM_FLAGS)
    assert_df_equality(got, spark.createDataFrame(rows, schema), ignore_row_order=True, ignore_nullable=True)


def test_area_changes_from_the_previous_round_held(spark):
    columns = "survey_round string, level string, area_code string, " + ", ".join(f"{c} double" for c in movement.AREA_CHANGES)
    area = spark.createDataFrame(
        [
            ("2561", "province", "10", 100.0, 20.0, 50.0, 12.5),
            ("2563", "province", "10", 110.0, 15.0, None, 10.0),
            ("2563", "province", "11", 30.0, 3.0, 6.0, 5.0),
            ("2564", "province", "10", 111.0, 15.0, 40.0, 9.0),
        ],
        columns,
    )
    got = movement.with_area_changes(area, ["2561", "2563", "2564"]).select("survey_round", "area_code", *movement.area_change_columns())
    expected = spark.createDataFrame(
        [
            ("2561", "10", None, None, None, None, None),
            ("2563", "10", "2561", 10.0, -5.0, None, -2.5),
            ("2563", "11", "2561", None, None, None, None),
            ("2564", "10", "2563", 1.0, 0.0, None, -1.0),
        ],
        "survey_round string, area_code string, previous_round string, " + ", ".join(f"{c}_change double" for c in movement.AREA_CHANGES),
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_the_round_before_each_round_held():
    assert movement.previous_rounds(["2563", "2561", "2562", "2561"]) == {"2562": "2561", "2563": "2562"}


def test_household_flow_between_states_and_hidden_when_a_count_is_small(spark, catalogue):
    before_hh, now_hh = _households(spark, catalogue)
    before, now = _persons(spark, catalogue)
    moved = movement.household_movement(before_hh, now_hh, before, now, catalogue, R)
    flow = movement.household_flow(moved)
    schema = "survey_round string, previous_round string, from_state string, to_state string, households long"
    expected = spark.createDataFrame(
        [
            ("2562", "2561", "poor", "poor", 1),  # h1
            ("2562", "2561", "poor", "not poor", 1),  # h2 -> h7
            ("2562", "2561", "not poor", "not surveyed", 1),  # h3
            ("2562", "2561", "not poor", "poor", 1),  # h4
            ("2562", "2561", "not poor", "not poor", 2),  # h5, h11 -> h12
            ("2562", "2561", "poor", "not surveyed", 1),  # h6
            ("2562", "2561", "not surveyed", "not poor", 3),  # h9, h8, h10
        ],
        schema,
    )
    assert_df_equality(flow, expected, ignore_row_order=True, ignore_nullable=True)
    shown = spark.createDataFrame([("2563", "2562", "poor", "poor", 12), ("2563", "2562", "poor", "not poor", 10)], schema)
    published = movement.published_flow(flow.unionByName(shown), threshold=2)
    hidden = [("2562", "2561", f, t, None) for f, t in [(r[2], r[3]) for r in expected.collect()]]
    assert_df_equality(published, spark.createDataFrame(hidden, schema).unionByName(shown), ignore_row_order=True, ignore_nullable=True)
