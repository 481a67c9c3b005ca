"""Each TPMAP indicator rule on hand-made households: applies / deprived, boundaries, exclusions."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from tests.gold.conftest import household, member
from transforms.gold.deprivation import with_household_deprivation


def flags(make, catalogue, households, members, number):
    out = with_household_deprivation(make.households(households), make.members(members), catalogue)
    return out.select("hh_id", F.col(f"ind{number}_applies").alias("applies"), F.col(f"ind{number}_deprived").alias("deprived")).orderBy(
        "hh_id"
    )


def expected(spark, rows):
    return spark.createDataFrame(rows, "hh_id string, applies boolean, deprived boolean").orderBy("hh_id")


def check(spark, make, catalogue, households, members, number, rows):
    assert_df_equality(flags(make, catalogue, households, members, number), expected(spark, rows), ignore_nullable=True)


H = ["30010101-00001", "30010101-00002", "30010101-00003", "30010101-00004"]


def test_1_low_birth_weight_only_with_an_infant(spark, make, catalogue):
    hhs = [household(h) for h in H[:4]]
    members = [
        member(H[0], 1, 30),
        member(H[0], 2, 0, birth_weight_g=2499),
        member(H[1], 1, 30),
        member(H[1], 2, 0, birth_weight_g=2500),  # boundary: 2,500 g is not under 2,500
        member(H[2], 1, 30),
        member(H[2], 2, 1),  # no infant: not applicable
        member(H[3], 1, 30),
        member(H[3], 2, 0, birth_weight_g=None),  # infant, weight unknown: applies, not deprived
    ]
    check(spark, make, catalogue, hhs, members, 1, [(H[0], True, True), (H[1], True, False), (H[2], False, False), (H[3], True, False)])


@pytest.mark.parametrize(
    "number,struct,item",
    [
        (4, "food_hygiene", "cooked_meat"),
        (5, "medicine_use", "reads_label"),
        (8, "housing", "durable_house"),
        (11, "home_hygiene", "safe_from_hazards"),
    ],
)
def test_item_lists_fail_on_any_false_item(spark, make, catalogue, number, struct, item):
    hhs = [household(H[0], **{struct: {item: False}}), household(H[1]), household(H[2], **{struct: {item: None}})]
    members = [member(h, 1, 30) for h in H[:3]]
    # A missing answer makes the indicator not applicable to the household.
    check(spark, make, catalogue, hhs, members, number, [(H[0], True, True), (H[1], True, False), (H[2], False, False)])


def test_9_drinking_water_boundary_5_litres(spark, make, catalogue):
    hhs = [
        household(H[0], drinking_water_litres_min=4.99),
        household(H[1], drinking_water_litres_min=5.0),
        household(H[2], drinking_water_litres_min=None),
    ]
    check(
        spark, make, catalogue, hhs, [member(h, 1, 30) for h in H[:3]], 9, [(H[0], True, True), (H[1], True, False), (H[2], False, False)]
    )


def test_10_use_water_boundary_45_litres(spark, make, catalogue):
    hhs = [household(H[0], use_water_litres_min=44.9), household(H[1], use_water_litres_min=45.0)]
    check(spark, make, catalogue, hhs, [member(h, 1, 30) for h in H[:2]], 10, [(H[0], True, True), (H[1], True, False)])


def test_7_exercise_members_6_plus(spark, make, catalogue):
    members = [
        member(H[0], 1, 30, exercise_days_per_week=2),
        member(H[1], 1, 30, exercise_minutes_per_day=29),
        member(H[2], 1, 30, exercise_days_per_week=3, exercise_minutes_per_day=30),
        member(H[3], 1, 5),  # only a 5-year-old: not applicable
    ]
    check(
        spark,
        make,
        catalogue,
        [household(h) for h in H],
        members,
        7,
        [(H[0], True, True), (H[1], True, True), (H[2], True, False), (H[3], False, False)],
    )


def test_15_preschool_care_ages_3_to_5(spark, make, catalogue):
    members = [
        member(H[0], 1, 30),
        member(H[0], 2, 4, preschool_care=False),
        member(H[1], 1, 30),
        member(H[1], 2, 5),
        member(H[2], 1, 30),
        member(H[2], 2, 6),
    ]
    check(
        spark, make, catalogue, [household(h) for h in H[:3]], members, 15, [(H[0], True, True), (H[1], True, False), (H[2], False, False)]
    )


def test_16_compulsory_school_6_to_14(spark, make, catalogue):
    members = [
        member(H[0], 1, 30),
        member(H[0], 2, 14, schooling="not_in_school"),
        member(H[1], 1, 30),
        member(H[1], 2, 6),
        member(H[2], 1, 30),
        member(H[2], 2, 15, schooling="not_in_school"),
    ]
    check(
        spark, make, catalogue, [household(h) for h in H[:3]], members, 16, [(H[0], True, True), (H[1], True, False), (H[2], False, False)]
    )


def test_17_continued_to_m4_applies_only_after_m3(spark, make, catalogue):
    members = [
        member(H[0], 1, 40),
        member(H[0], 2, 16, finished_m3_last_year=True, continued_m4=False),
        member(H[1], 1, 40),
        member(H[1], 2, 16, finished_m3_last_year=True, continued_m4=True),
        member(H[2], 1, 40),
        member(H[2], 2, 16, finished_m3_last_year=False, continued_m4=False),
    ]
    check(
        spark, make, catalogue, [household(h) for h in H[:3]], members, 17, [(H[0], True, True), (H[1], True, False), (H[2], False, False)]
    )


def test_19_literacy_15_to_59(spark, make, catalogue):
    members = [member(H[0], 1, 59, literate_numerate=False), member(H[1], 1, 15), member(H[2], 1, 60, literate_numerate=False)]
    check(
        spark, make, catalogue, [household(h) for h in H[:3]], members, 19, [(H[0], True, True), (H[1], True, False), (H[2], False, False)]
    )


def test_20_occupation_15_to_59_excludes_students_and_dependent_disabled(spark, make, catalogue):
    members = [
        member(H[0], 1, 30, occupation="none", income_main=0),
        member(H[1], 1, 20, occupation="none", income_main=0, full_time_student=True),  # student: left out
        member(H[2], 1, 30, occupation="none", income_main=0, disabled=True, disability_self_care=False),
        member(H[3], 1, 30, occupation="farmer", income_main=0, income_secondary=0),  # occupation but no income
    ]
    check(
        spark,
        make,
        catalogue,
        [household(h) for h in H],
        members,
        20,
        [(H[0], True, True), (H[1], False, False), (H[2], False, False), (H[3], True, True)],
    )


def test_20_null_occupation_and_income_sum(spark, make, catalogue):
    members = [member(H[0], 1, 30, occupation=None), member(H[1], 1, 30, income_main=0, income_secondary=1)]
    check(spark, make, catalogue, [household(h) for h in H[:2]], members, 20, [(H[0], True, True), (H[1], True, False)])


def test_21_occupation_60_plus(spark, make, catalogue):
    members = [
        member(H[0], 1, 70, occupation="none", income_main=0),
        member(H[1], 1, 70, occupation="none", income_main=0, disabled=True, disability_self_care=False),
        member(H[2], 1, 70, occupation="none", income_main=0, disabled=True, disability_self_care=True),
        member(H[3], 1, 59),
    ]
    check(
        spark,
        make,
        catalogue,
        [household(h) for h in H],
        members,
        21,
        [(H[0], True, True), (H[1], False, False), (H[2], True, True), (H[3], False, False)],
    )


def test_22_income_per_member_boundary_38000(spark, make, catalogue):
    hhs = [
        household(H[0]),  # 76,000 / 2 = 38,000: not deprived
        household(H[1], own_food_value=-1),  # 75,999 / 2 -> floor 37,999: deprived
        household(H[2], income_other={"remittances": 20000}, own_food_value=2000, member_count=3),  # (76,000+22,000)/3
        household(H[3], member_count=0),  # no survey count: divide by members counted
    ]
    members = [
        member(H[0], 1, 30, income_main=50000),
        member(H[0], 2, 30, income_main=20000, income_secondary=6000),
        member(H[1], 1, 30, income_main=50000),
        member(H[1], 2, 30, income_main=26000),
        member(H[2], 1, 30, income_main=76000),
        member(H[2], 2, 30, income_main=0),
        member(H[3], 1, 30, income_main=37999),
    ]
    check(spark, make, catalogue, hhs, members, 22, [(H[0], True, False), (H[1], True, True), (H[2], True, True), (H[3], True, True)])


def test_27_and_28_care(spark, make, catalogue):
    members = [
        member(H[0], 1, 65, elderly_care=False),
        member(H[1], 1, 30, disabled=True, disability_self_care=True, disability_care=False),
        member(H[2], 1, 30),
    ]
    hhs = [household(h) for h in H[:3]]
    check(spark, make, catalogue, hhs, members, 27, [(H[0], True, True), (H[1], False, False), (H[2], False, False)])
    check(spark, make, catalogue, hhs, members, 28, [(H[0], False, False), (H[1], True, True), (H[2], False, False)])


def test_threshold_change_changes_result_without_code(spark, make, catalogue, tmp_path):
    from jobs.indicators import CATALOGUE_FILE, load_catalogue

    text = CATALOGUE_FILE.read_text(encoding="utf-8").replace("threshold: 38000", "threshold: 40000")
    changed = tmp_path / "indicators.yaml"
    changed.write_text(text, encoding="utf-8")
    hhs, members = [household(H[0])], [member(H[0], 1, 30, income_main=39000)]
    check(spark, make, catalogue, hhs, members, 22, [(H[0], True, False)])
    check(spark, make, load_catalogue(changed), hhs, members, 22, [(H[0], True, True)])


def test_dimensions_poverty_and_household_without_members(spark, make, catalogue):
    hhs = [household(H[0], drinking_water_litres_min=1.0), household(H[1]), household(H[2])]
    members = [member(H[0], 1, 30, literate_numerate=False), member(H[1], 1, 30)]
    out = with_household_deprivation(make.households(hhs), make.members(members), catalogue)
    got = out.select("hh_id", "members", "deprived_indicators", "deprived_dimensions", "is_poor").orderBy("hh_id")
    # H[2] has no member rows: it is counted with 0 members and no income per member can be computed.
    want = spark.createDataFrame(
        [(H[0], 1, [9, 19], ["living", "education"], True), (H[1], 1, [], [], False), (H[2], 0, [], [], False)],
        "hh_id string, members long, deprived_indicators array<int>, deprived_dimensions array<string>, is_poor boolean",
    )
    assert_df_equality(got, want, ignore_nullable=True)
