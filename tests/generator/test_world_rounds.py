"""Survey rounds (transforms/generator/rounds.py): each step of a year on hand-made persons."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from transforms.generator import rounds, survey
from transforms.generator.settings import GeneratorSettings, Redelivery, RoundSettings, WorldSettings
from transforms.generator.world import Names, check_digit

PERSON_SCHEMA = (
    "person_id long, pid string, hh_key string, hh_id string, member_no int, relation string, sex string, head_sex string, age int, "
    "birth_date date, title string, first_name string, last_name string, maiden_name string, phone string, is_alive boolean, "
    "surveyed boolean, house_code string, village_code string, subdistrict_code string, district_code string, province_code string, "
    "latent_poverty double, lookalike_kind string, lookalike_of long, size int"
)


def _person(person_id, hh_key, member_no, relation, sex, age, alive=True, surveyed=True, village="10010101", district="1001", last="ดี"):
    """A person of a household in `village` (its subdistrict and province from the codes)."""
    subdistrict, province = (village[:6] if village else district + "01"), district[:2]
    hh_id = f"{village}-{hh_key[-1]:0>5}" if surveyed else None
    return (
        person_id,
        f"3{district}{person_id % 10_000_000:07d}0",
        hh_key,
        hh_id,
        member_no,
        relation,
        sex,
        "M",
        age,
        dt.date(2018 - age, 1, 1),
        "นาย" if sex == "M" else "นาง",
        "สมชาย" if sex == "M" else "สมศรี",
        last,
        last,
        None,
        alive,
        surveyed,
        f"{district}0000001",
        village,
        subdistrict,
        district,
        province,
        0.5,
        None,
        None,
        1,
    )


def _persons(spark, rows):
    return spark.createDataFrame(rows, PERSON_SCHEMA)


def _flags(df):
    return df.withColumns({"_new_house": F.lit(False), "_new_id": F.lit(False)})


def test_deaths_follow_the_mortality_rate_and_leave_the_survey(spark):
    persons = _persons(
        spark,
        [
            _person(1, "h1", 1, "head", "M", 70),
            _person(2, "h1", 2, "spouse", "F", 65),
            _person(3, "h2", 1, "head", "M", 40, alive=False, surveyed=False),
        ],
    )
    everyone_dies = rounds.with_deaths(persons, seed=1, r=2562, base=1.0, growth=0.0).select("person_id", "is_alive", "surveyed")
    expected = spark.createDataFrame(
        [(1, False, False), (2, False, False), (3, False, False)], "person_id long, is_alive boolean, surveyed boolean"
    )
    assert_df_equality(everyone_dies, expected, ignore_row_order=True, ignore_nullable=True)
    nobody_dies = rounds.with_deaths(persons, seed=1, r=2562, base=0.0, growth=0.1).select("person_id", "is_alive", "surveyed")
    expected = spark.createDataFrame(
        [(1, True, True), (2, True, True), (3, False, False)], "person_id long, is_alive boolean, surveyed boolean"
    )
    assert_df_equality(nobody_dies, expected, ignore_row_order=True, ignore_nullable=True)


def test_grown_children_leave_to_head_their_own_household(spark):
    persons = _flags(
        _persons(
            spark,
            [
                _person(1, "h1", 1, "head", "M", 55),
                _person(2, "h1", 2, "child", "F", 25),
                _person(3, "h1", 3, "child", "M", 15),
                _person(4, "h1", 4, "grandchild", "M", 30),
                _person(5, "h1", 5, "child", "M", 28, alive=False, surveyed=False),
                _person(6, "h1", 6, "spouse", "F", 30),
            ],
        )
    )
    got = rounds.with_children_leaving(persons, seed=1, r=2562, rate=1.0).select(
        "person_id", "hh_key", "member_no", "relation", "head_sex", "_new_house"
    )
    expected = spark.createDataFrame(
        [
            (1, "h1", 1, "head", "M", False),
            (2, "h1-L2562-2", 1, "head", "F", True),
            (3, "h1", 3, "child", "M", False),
            (4, "h1-L2562-4", 1, "head", "M", True),
            (5, "h1", 5, "child", "M", False),
            (6, "h1", 6, "spouse", "M", False),
        ],
        "person_id long, hh_key string, member_no int, relation string, head_sex string, _new_house boolean",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    left = rounds.with_children_leaving(persons, seed=1, r=2562, rate=1.0).where("person_id = 2").first()
    assert left.latent_poverty != 0.5  # their own circumstances: a fresh draw


def _villages(spark):
    return spark.createDataFrame(
        [("10010101", "100101", "1001", "10"), ("10010201", "100102", "1001", "10"), ("50010101", "500101", "5001", "50")],
        "village_code string, subdistrict_code string, district_code string, province_code string",
    )


def test_moving_households_move_together_to_a_real_village(spark):
    rows = [_person(10 * h + m, f"h{h}", m, "head" if m == 1 else "child", "M", 40 - 10 * m) for h in range(1, 9) for m in (1, 2)]
    rows += [_person(901, "b1", 1, "head", "M", 40, surveyed=False, village=None, district="1050")]  # a district without villages
    persons = _flags(_persons(spark, rows))
    villages = _villages(spark)
    within = rounds.with_household_moves(persons, villages, seed=3, r=2562, rate=1.0, away=0.0)
    assert within.columns == persons.columns
    places = within.select("hh_key", "village_code", "subdistrict_code", "district_code", "province_code", "_new_house").distinct()
    assert places.count() == 9  # every household in one place
    assert places.where(~F.col("_new_house")).count() == 0
    known = places.join(villages, ["village_code", "subdistrict_code", "district_code", "province_code"], "left_anti")
    assert known.count() == 0  # codes of a real village, consistent with each other
    assert {r.district_code for r in places.where("hh_key != 'b1'").collect()} == {"1001"}  # stayed in their district
    nobody = rounds.with_household_moves(persons, villages, seed=3, r=2562, rate=0.0, away=0.0)
    assert_df_equality(nobody, persons, ignore_row_order=True, ignore_nullable=True)


def test_survey_coverage_changes_only_for_households_of_a_village(spark):
    persons = _flags(
        _persons(
            spark,
            [
                _person(1, "h1", 1, "head", "M", 40),
                _person(2, "N1", 1, "head", "M", 40, surveyed=False),
                _person(3, "S3", 1, "head", "M", 40, surveyed=False),  # a namesake's house
                _person(4, "B4", 1, "head", "M", 40, surveyed=False, village=None),
            ],
        )
    )
    got = rounds.with_survey_coverage(persons, seed=1, r=2562, exit_rate=1.0, entry_rate=1.0).select(
        "person_id", "surveyed", "hh_id", "_new_id"
    )
    expected = spark.createDataFrame(
        [(1, False, None, False), (2, True, None, True), (3, False, None, False), (4, False, None, False)],
        "person_id long, surveyed boolean, hh_id string, _new_id boolean",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def _names(spark):
    def names(*given):
        return Names(spark.createDataFrame(list(enumerate(given, start=1)), "index int, name string"), len(given))

    return names("ก้อง"), names("ดาว"), names("ใจดี")


def test_a_woman_of_18_to_44_at_the_head_of_a_household_may_have_a_baby(spark):
    persons = _flags(
        _persons(
            spark,
            [
                _person(1, "h1", 1, "head", "M", 35, last="สุขใจ"),
                _person(2, "h1", 2, "spouse", "F", 30, last="สุขใจ"),
                _person(3, "h2", 1, "head", "F", 50),
                _person(4, "h3", 1, "head", "F", 25, alive=False, surveyed=False),
                _person(5, "h4", 1, "head", "F", 20, surveyed=False, last="มีสุข"),
            ],
        )
    )
    babies = rounds.with_births(persons, _names(spark), seed=1, r=2562, fertility=1.0).where("age = 0")
    got = babies.select("person_id", "hh_key", "member_no", "relation", "last_name", "maiden_name", "is_alive", "surveyed", "title", "sex")
    first, second = 1001 * 10_000_000 + 6_000_001, 1001 * 10_000_000 + 6_000_002
    sex = {r.hh_key: r.sex for r in babies.collect()}
    title = {"M": "เด็กชาย", "F": "เด็กหญิง"}
    expected = spark.createDataFrame(
        [
            (first, "h1", 51, "child", "สุขใจ", "สุขใจ", True, True, title[sex["h1"]], sex["h1"]),
            (second, "h4", 51, "child", "มีสุข", "มีสุข", True, False, title[sex["h4"]], sex["h4"]),
        ],
        "person_id long, hh_key string, member_no int, relation string, last_name string, maiden_name string, is_alive boolean, "
        "surveyed boolean, title string, sex string",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    ids = babies.select("pid", F.substring("pid", 1, 12).alias("twelve")).withColumn("check", check_digit(F.col("twelve")))
    assert sorted(r.twelve for r in ids.collect()) == ["110016000001", "110016000002"]
    assert all(r.pid[-1] == r.check for r in ids.collect())
    born = babies.select("birth_date").collect()
    assert all(dt.date(2018, 3, 15) <= r.birth_date < dt.date(2019, 3, 15) for r in born)  # in the year before the round's fieldwork
    assert rounds.with_births(persons, _names(spark), seed=1, r=2562, fertility=0.0).count() == 5


def test_new_houses_get_new_codes_and_the_surveyed_a_new_survey_id(spark):
    persons = _persons(
        spark,
        [
            _person(1, "a", 1, "head", "M", 40),
            _person(2, "a", 2, "child", "M", 10),
            _person(6, "a", 3, "parent", "M", 80, alive=False, surveyed=False),  # died before: did not move with them
            _person(3, "b", 1, "head", "M", 40, surveyed=False),
            _person(4, "c", 1, "head", "M", 40),
            _person(5, "d", 1, "head", "M", 40),
        ],
    ).withColumns(
        {
            "_new_house": F.col("hh_key").isin("a", "b") & F.col("is_alive"),
            "_new_id": F.col("hh_key") == "c",  # surveyed for the first time, in the house it had
        }
    )
    got = rounds.with_new_houses(persons, 2562).select("person_id", "house_code", "hh_id")
    expected = spark.createDataFrame(
        [
            (1, "10018100001", "10010101-91001"),
            (2, "10018100001", "10010101-91001"),
            (6, "10010000001", None),
            (3, "10018100002", None),
            (4, "10010000001", "10010101-91003"),  # numbered in the village after a and b
            (5, "10010000001", "10010101-0000d"),
        ],
        "person_id long, house_code string, hh_id string",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_latent_poverty_moves_with_its_persistence(spark):
    persons = _persons(
        spark, [_person(1, "h1", 1, "head", "M", 40), _person(2, "h1", 2, "child", "M", 10), _person(3, "h2", 1, "head", "M", 40)]
    )
    kept = persons.withColumn("latent_poverty", rounds.moved_latent(1, 2562, 0.999999999)).select("latent_poverty").collect()
    assert all(abs(r.latent_poverty - 0.5) < 1e-3 for r in kept)
    moved = persons.withColumn("latent_poverty", rounds.moved_latent(1, 2562, 0.0))
    per_household = moved.groupBy("hh_key").agg(F.countDistinct("latent_poverty").alias("n")).collect()
    assert {r.n for r in per_household} == {1}  # one draw per household


def test_a_later_round_is_dated_and_seeded_on_its_own():
    settings = GeneratorSettings(
        delivery="2018-06-30",
        redelivery=Redelivery(source="x", delivery="2018-07-31"),
        rows_per_file=10,
        world=WorldSettings(
            registry_persons=1,
            bangkok_persons=0,
            bangkok_household_size=2,
            welfare_registrants=1,
            adult_share=0.8,
            poverty_correlation=0.3,
            poverty_size_weight=0.3,
            welfare_correlation=0.0,
            verification_factor_poor=1.0,
            verification_factor_other=1.0,
            migrant_share=0.0,
            death_rate=0.0,
            disabled_rate_not_surveyed=0.0,
            elderly_share_not_surveyed=0.1,
        ),
        sources={},
    )
    later = settings.for_round(2)
    assert (later.delivery, later.redelivery.delivery) == ("2020-06-30", "2020-07-31")
    assert rounds.reference_date(2563) == "2020-03-15"
    assert rounds.round_seed(7, 2561) == 7 and rounds.round_seed(7, 2562) != 7
    assert rounds.registration_draw(7, 2561, 0.9) is None
    assert isinstance(settings.rounds, RoundSettings)


SCOPE_COLUMNS = "hh_key string, district_code string, member_no int, age int, latent_poverty double, poverty_correlation double, "
SCOPE_COLUMNS += "finished_m3_last_year string, full_time_student string, _incapable boolean, disabled string"


@pytest.mark.parametrize("persistence", [1.0, 0.0])
def test_a_household_keeps_last_rounds_answers_with_the_persistence(spark, persistence):
    """Every indicator that applies is failed by this round's draw (thresholds far above any latent factor); last
    round's answers were: h1 failed all, h2 none, h3 was not surveyed. With persistence 1 h1 and h2 keep them
    (h1 only where they still apply); with 0 every household takes this round's draw."""
    members = spark.createDataFrame(
        [(h, "1001", 1, 30, 0.0, 0.3, None, "n", False, "n") for h in ("h1", "h2", "h3")],
        SCOPE_COLUMNS,
    )
    thresholds = spark.createDataFrame(
        [("1001", *[8.0] * len(survey.INDICATORS))], ["district_code", *[f"thr_{n}" for n in survey.INDICATORS]]
    )
    previous = spark.createDataFrame(
        [("h1", *[True] * len(survey.INDICATORS)), ("h2", *[False] * len(survey.INDICATORS))],
        ["hh_key", *[f"d{n}" for n in survey.INDICATORS]],
    )
    got = survey.with_deprivation(members, thresholds, seed=5, previous=previous, persistence=persistence)
    applies = {4, 5, 7, 8, 9, 10, 11, 19, 20, 22}  # an adult of 30, not a student, able, not disabled
    failing = {"h1": applies, "h2": set() if persistence == 1.0 else applies, "h3": applies}
    expected = spark.createDataFrame(
        [(h, *[n in failing[h] for n in survey.INDICATORS]) for h in ("h1", "h2", "h3")], ["hh_key", *[f"d{n}" for n in survey.INDICATORS]]
    )
    assert_df_equality(got.select("hh_key", *[f"d{n}" for n in survey.INDICATORS]), expected, ignore_row_order=True, ignore_nullable=True)


def test_an_agency_keeps_a_persons_record_key_in_every_round(spark):
    """Record keys follow the person (the same application number next round, whoever else joined or left),
    are unique, and are not the digits of the person's ID."""
    from transforms.generator.sources import keyed_by_person

    ids = [10_010_000_001, 10_010_000_002, 10_010_000_003, 50_010_000_001]
    first = keyed_by_person(spark.createDataFrame([(i,) for i in ids], "person_id long"), "4", seed=9)
    later_ids = [10_010_000_002, 10_010_000_003, 50_010_000_001, 10_016_000_001]  # one gone, one born
    later = keyed_by_person(spark.createDataFrame([(i,) for i in later_ids], "person_id long"), "4", seed=9)
    keys = {r.person_id: r.record_key for r in first.collect()}
    again = {r.person_id: r.record_key for r in later.collect()}
    assert all(again[i] == keys[i] for i in ids[1:])
    assert len(set(keys.values()) | set(again.values())) == 5
    assert all(k.startswith(("41001", "45001")) and len(k) == 12 for k in again.values())
    assert all(k[5:] != str(i)[4:] for i, k in again.items())  # not the serial of the ID
    other_source = keyed_by_person(spark.createDataFrame([(ids[0],)], "person_id long"), "5", seed=9).first().record_key
    assert other_source[1:] != keys[ids[0]][1:]
