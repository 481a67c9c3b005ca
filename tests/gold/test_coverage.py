"""Welfare coverage by eligibility (transforms/gold/coverage.py) on five hand-made persons, with the
programs' rules of conf/indicators.yaml."""

from __future__ import annotations

from chispa import assert_df_equality

from transforms.gold import coverage

PROGRAM_COLUMNS = ("receives_welfare_card", "receives_elderly_allowance", "receives_disability_allowance", "receives_child_grant")
PROGRAMS_SCHEMA = (
    "person_id string, province_code string, district_code string, subdistrict_code string, village_code string, age int, "
    + ", ".join(f"{c} boolean" for c in PROGRAM_COLUMNS)
)
SURVEY_SCHEMA = (
    "person_id string, surveyed boolean, is_poor boolean, is_target_poor boolean, is_disabled boolean, survey_age int, "
    "survey_province_code string, survey_district_code string, survey_subdistrict_code string, survey_village_code string"
)


def _area(village: str) -> tuple:
    return village[:2], village[:4], village[:6], village


def _inputs(spark):
    # P1: 70, target poor, card and old-age allowance; surveyed in another village than the registry's.
    # P2: only in the survey (no registry age), aged 3, poor, disabled, receives nothing.
    # P3: 40, not poor, disabled: card and disability allowance. P4: 65, never surveyed, old-age allowance.
    # P5: 4, surveyed, not poor, child grant.
    programs = spark.createDataFrame(
        [
            ("P1", *_area("10010199"), 70, True, True, False, False),
            ("P3", *_area("10010102"), 40, True, False, True, False),
            ("P4", *_area("10010103"), 65, False, True, False, False),
            ("P5", *_area("10010102"), 4, False, False, False, True),
        ],
        PROGRAMS_SCHEMA,
    )
    survey = spark.createDataFrame(
        [
            ("P1", True, True, True, False, 70, *_area("10010101")),
            ("P2", True, True, False, True, 3, *_area("10010101")),
            ("P3", True, False, False, True, 40, *_area("10010102")),
            ("P5", True, False, False, False, 4, *_area("10010102")),
        ],
        SURVEY_SCHEMA,
    )
    return programs, survey


def test_facts_area_age_and_eligibility_per_program(spark, catalogue):
    programs, survey = _inputs(spark)
    got = coverage.coverage_facts(programs, survey, catalogue.programs).select(
        "village_code", "program", "surveyed", "is_poor", "is_target_poor", "receives", "eligible"
    )
    v1, v2, v3 = "10010101", "10010102", "10010103"
    rows = {  # village, surveyed, poor, target poor, then (receives, eligible) for card, elderly, disability, child
        "P1": (v1, True, True, True, [(True, True), (True, True), (False, False), (False, False)]),
        "P2": (v1, True, True, False, [(False, False), (False, False), (False, True), (False, True)]),
        "P3": (v2, True, False, False, [(True, False), (False, False), (True, True), (False, False)]),
        "P4": (v3, False, False, False, [(False, False), (True, True), (False, False), (False, False)]),
        "P5": (v2, True, False, False, [(False, False), (False, False), (False, False), (True, False)]),
    }
    names = ("welfare_card", "elderly_allowance", "disability_allowance", "child_grant")
    expected = spark.createDataFrame(
        [(v, p, s, poor, tp, r, e) for v, s, poor, tp, flags in rows.values() for p, (r, e) in zip(names, flags, strict=True)],
        "village_code string, program string, surveyed boolean, is_poor boolean, is_target_poor boolean, receives boolean, eligible boolean",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_country_counts_and_rates_over_the_eligible(spark, catalogue):
    programs, survey = _inputs(spark)
    counts = (
        "recipients",
        "target_poor",
        "target_poor_reached",
        "target_poor_not_reached",
        "recipients_not_poor",
        "recipients_not_surveyed",
        "recipients_not_eligible",
        "eligible_poor",
        "eligible_poor_reached",
        "eligible_poor_not_reached",
        "eligible_target_poor",
        "eligible_target_poor_reached",
        "eligible_target_poor_not_reached",
    )
    rates = ("exclusion_error_rate", "eligible_poor_exclusion_rate", "eligible_target_poor_exclusion_rate", "inclusion_error_rate")
    got = (
        coverage.aggregate_coverage(coverage.coverage_facts(programs, survey, catalogue.programs))
        .where("level = 'country'")
        .select("program", *counts, *rates)
    )
    expected = spark.createDataFrame(
        [
            # card: P1 eligible and reached; P3 (not poor) a recipient not eligible of 2 surveyed recipients.
            ("welfare_card", 2, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 0.0, 0.0, 0.0, 0.5),
            # old age: P1 reached; P4 eligible but not surveyed, so in no poor count and not in the inclusion rate.
            ("elderly_allowance", 2, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0.0, 0.0, 0.0, 0.0),
            # disability: P2 (poor, disabled) missed; the target poor P1 is not disabled, so no eligible target poor.
            ("disability_allowance", 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1.0, 1.0, None, 0.0),
            # child grant: P2 (3, poor) missed; P5 (4, not poor) receives it without being eligible.
            ("child_grant", 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1.0, 1.0, None, 1.0),
        ],
        "program string, " + ", ".join(f"{c} long" for c in counts) + ", " + ", ".join(f"{r} double" for r in rates),
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
