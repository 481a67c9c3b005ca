"""The standardize job on hand-made bronze batches: MERGE on record_id, duplicates, later delivery wins,
data-quality counts, typed payloads of the survey (households and members)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from chispa import assert_df_equality

from jobs.runs import JobRun
from jobs.standardize import Databases, standardize_source
from transforms.contracts import load_contracts

DBS = Databases(bronze="t_bronze", silver="t_silver", ops="t_ops")
META = "_extra map<string,string>, _source_file string, _delivery string, _line_number long, _ingested_at timestamp, _batch_id string, _row_hash string"
DOPA = "pid string, title string, first_name string, last_name string, sex string, birth_date string, house_code string, village_code string, subdistrict_code string, district_code string, province_code string, status string"
NOW = dt.datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def dbs(spark):
    for name in (DBS.bronze, DBS.silver, DBS.ops):
        spark.sql(f"DROP DATABASE IF EXISTS {name} CASCADE")
        spark.sql(f"CREATE DATABASE {name}")
    yield DBS
    for name in (DBS.bronze, DBS.silver, DBS.ops):
        spark.sql(f"DROP DATABASE IF EXISTS {name} CASCADE")


@pytest.fixture(scope="module")
def known(spark):
    return {
        "province_code": spark.createDataFrame([("30",)], "province_code string"),
        "district_code": spark.createDataFrame([("3001",)], "district_code string"),
        "subdistrict_code": spark.createDataFrame([("300101",)], "subdistrict_code string"),
        "village_code": spark.createDataFrame([("30010101",)], "village_code string"),
    }


def bronze_rows(rows, delivery, batch):
    return [(*r, {}, f"landing/{delivery}/f.csv", delivery, i + 2, NOW, batch, str(hash(r))) for i, r in enumerate(rows)]


def append_bronze(spark, table, schema, rows, delivery, batch):
    df = spark.createDataFrame(bronze_rows(rows, delivery, batch), f"{schema}, {META}")
    df.write.format("delta").mode("append").saveAsTable(f"{DBS.bronze}.{table}")


def run_source(spark, source, settings, known):
    job_run = JobRun("standardize", {})
    standardize_source(spark, load_contracts()[source], settings, known, job_run, DBS)
    return job_run


SOMCHAI = ("3100600445635", "", "นายสมชาย", "ใจดี", "1", "12/05/2510", "30010012345", "30010101", "300101", "3001", "30", "alive")
SOMSRI = ("1234545678781", "นาง", "สมศรี", "ใจดี", "2", "00/03/2515", "30010012345", "30010101", "300101", "3001", "30", "alive")
BUNMA = ("3100600445636", "นาย", "บุญมา", "มีสุข", "1", "00/00/2490", "30010012346", "30010101", "300101", "3001", "99", "dead")
SOMSRI_MARRIED = SOMSRI[:3] + ("รักไทย",) + SOMSRI[4:]
NEWBORN = ("1103700012346", "ด.ญ.", "กนกพร", "รักไทย", "2", "01/02/2561", "30010012345", "30010101", "300101", "3001", "30", "alive")


def test_merge_duplicates_later_delivery_and_quality(spark, dbs, known, settings):
    append_bronze(spark, "dopa_registry", DOPA, [SOMCHAI, SOMSRI, BUNMA], "2018-06-30", "b1")
    first = run_source(spark, "dopa_registry", settings, known)
    assert first.rows_read == {"bronze.dopa_registry": 3}
    assert first.rows_written == {f"{DBS.silver}.dopa_registry": 3}

    silver = spark.table(f"{DBS.silver}.dopa_registry")
    actual = silver.select(
        "record_id",
        "pid",
        "pid_valid",
        "title",
        "first_name",
        "last_name",
        "sex",
        "birth_date",
        "birth_date_precision",
        "province_code",
        "is_alive",
        "_issues",
    )
    expected = spark.createDataFrame(
        [
            ("dopa_registry:1234545678781", "1234545678781", True, "นาง", "สมศรี", "ใจดี", "F", dt.date(1972, 3, 1), "month", "30", True, []),
            (
                "dopa_registry:3100600445635",
                "3100600445635",
                True,
                "นาย",
                "สมชาย",
                "ใจดี",
                "M",
                dt.date(1967, 5, 12),
                "day",
                "30",
                True,
                ["name_title_glued"],
            ),
            (
                "dopa_registry:3100600445636",
                "3100600445636",
                False,
                "นาย",
                "บุญมา",
                "มีสุข",
                "M",
                dt.date(1947, 1, 1),
                "year",
                None,
                False,
                ["pid_invalid_checksum", "province_code_unknown"],
            ),
        ],
        "record_id string, pid string, pid_valid boolean, title string, first_name string, last_name string, sex string, birth_date date, birth_date_precision string, province_code string, is_alive boolean, _issues array<string>",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True, ignore_metadata=True)

    # Redelivery: SOMCHAI unchanged (duplicate), SOMSRI married (later delivery wins), a newborn.
    append_bronze(spark, "dopa_registry", DOPA, [SOMCHAI, SOMSRI_MARRIED, NEWBORN, NEWBORN], "2018-09-30", "b2")
    second = run_source(spark, "dopa_registry", settings, known)
    assert second.rows_written == {f"{DBS.silver}.dopa_registry": 3}  # SOMSRI replaced, the newborn inserted, SOMCHAI's batch moved
    names = {r.record_id: (r.last_name, r._batch_id) for r in spark.table(f"{DBS.silver}.dopa_registry").collect()}
    assert names == {
        "dopa_registry:3100600445635": ("ใจดี", "b2"),  # unchanged, now last delivered in b2
        "dopa_registry:1234545678781": ("รักไทย", "b2"),
        "dopa_registry:3100600445636": ("มีสุข", "b1"),
        "dopa_registry:1103700012346": ("รักไทย", "b2"),
    }

    # Nothing new: nothing read, nothing written.
    assert run_source(spark, "dopa_registry", settings, known).rows_read == {"bronze.dopa_registry": 0}

    quality = spark.table(DBS.quality).select("source", "batch_id", "rows", "issue", "issue_rows")
    expected_quality = spark.createDataFrame(
        [
            ("dopa_registry", "b1", 3, "name_title_glued", 1),
            ("dopa_registry", "b1", 3, "pid_invalid_checksum", 1),
            ("dopa_registry", "b1", 3, "province_code_unknown", 1),
            # SOMCHAI's glued title is not counted again: silver held the row as it is, so it was not standardised again.
            ("dopa_registry", "b2", 4, "duplicate_exact", 2),
        ],
        "source string, batch_id string, rows long, issue string, issue_rows long",
    )
    assert_df_equality(quality, expected_quality, ignore_nullable=True, ignore_row_order=True, ignore_metadata=True)


BMN = "survey_round string, hh_id string, house_code string, house_no string, village_code string, subdistrict_code string, district_code string, province_code string, interview_date string, food_hygiene string, medicine_use string, housing string, drinking_water_litres_min string, use_water_litres_min string, home_hygiene string, income_other string, own_food_value string, members string"


def member(no, pid, title, first, last, sex, birth, age, relation, **answers):
    return {
        "member_no": no,
        "pid": pid,
        "title": title,
        "first_name": first,
        "last_name": last,
        "sex": sex,
        "birth_date": birth,
        "age": age,
        "relation": relation,
        **answers,
    }


def test_survey_households_and_members(spark, dbs, known, settings):
    members = [
        member(
            1,
            "3-1006-00445-63-5",
            "นาย",
            "สมชาย",
            "ใจดี",
            "1",
            "12/05/2510",
            51,
            "head",
            income_main=120000,
            literate_numerate="y",
            disabled="n",
            exercise_days_per_week=3,
        ),
        member(
            2,
            None,
            None,
            "ด.ช.ณัฐพล",
            "ใจดี",
            "1",
            "31/02/2558",
            3,
            "child",
            income_main=0,
            preschool_care="y",
            disabled="n",
            birth_weight_g=None,
        ),
    ]
    household = (
        "2561", "30010101-00012", "30010012345", "12/3", "30010101", "300101", "3001", "30", "15/03/2561",
        json.dumps({"labelled_packaged_food": "y", "cooked_meat": "y", "washed_vegetables": "n", "hand_washing_serving_spoon": "n"}),
        json.dumps({"reads_label": "y", "stores_properly": "y", "no_self_prescribed_antibiotics": "y", "household_remedies_correct": "n"}),
        json.dumps({"secure_tenure": "y", "durable_house": "n"}), "6.5", "80.0",
        json.dumps({k: "y" for k in ("tidy", "clean", "ventilated", "no_stagnant_water", "garbage_managed", "no_disease_vectors", "toilet_hygienic", "safe_from_hazards")}),
        json.dumps({"remittances": 12000, "rent": 0, "pensions": 0, "allowances": 7200}), "5000", json.dumps(members, ensure_ascii=False),
    )  # fmt: skip
    append_bronze(spark, "cdd_bmn", BMN, [household], "2018-06-30", "s1")
    job_run = run_source(spark, "cdd_bmn", settings, known)
    assert job_run.rows_written == {f"{DBS.silver}.cdd_bmn": 1, f"{DBS.silver}.cdd_bmn_member": 2}

    hh = spark.table(f"{DBS.silver}.cdd_bmn").first()
    assert (hh.record_id, hh.interview_date, hh.member_count, hh.drinking_water_litres_min) == (
        "cdd_bmn:30010101-00012",
        dt.date(2018, 3, 15),
        2,
        6.5,
    )
    assert (hh.food_hygiene.washed_vegetables, hh.housing.durable_house, hh.income_other.allowances, hh.own_food_value) == (
        False,
        False,
        7200,
        5000,
    )

    people = spark.table(f"{DBS.silver}.cdd_bmn_member").select(
        "record_id",
        "pid",
        "title",
        "first_name",
        "birth_date",
        "hh_id",
        "member_no",
        "age",
        "income_main",
        "literate_numerate",
        "preschool_care",
        "exercise_days_per_week",
        "_issues",
    )
    expected = spark.createDataFrame(
        [
            (
                "cdd_bmn_member:30010101-00012-01",
                "3100600445635",
                "นาย",
                "สมชาย",
                dt.date(1967, 5, 12),
                "30010101-00012",
                1,
                51,
                120000,
                True,
                None,
                3,
                [],
            ),
            (
                "cdd_bmn_member:30010101-00012-02",
                None,
                "เด็กชาย",
                "ณัฐพล",
                None,
                "30010101-00012",
                2,
                3,
                0,
                None,
                True,
                None,
                ["pid_missing", "name_title_glued", "birth_date_impossible"],
            ),
        ],
        "record_id string, pid string, title string, first_name string, birth_date date, hh_id string, member_no int, age int, income_main long, literate_numerate boolean, preschool_care boolean, exercise_days_per_week int, _issues array<string>",
    )
    assert_df_equality(people, expected, ignore_nullable=True, ignore_row_order=True, ignore_metadata=True)
