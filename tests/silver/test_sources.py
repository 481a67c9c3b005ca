"""Source adapters through the whole person pipeline, on hand-made bronze rows of each remaining source."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality

from transforms.contracts import load_contracts
from transforms.silver.pipeline import person_sources, standardize_persons

PERSON_SOURCES = person_sources(load_contracts())


def known(spark):
    return {
        "province_code": spark.createDataFrame([("50",)], "province_code string"),
        "district_code": spark.createDataFrame([("5001",)], "district_code string"),
        "subdistrict_code": spark.createDataFrame([("500101",)], "subdistrict_code string"),
        "village_code": spark.createDataFrame([("50010101",)], "village_code string"),
    }


META = "_delivery string, _line_number long, _ingested_at timestamp, _batch_id string"
META_ROW = ("2018-06-30", 2, dt.datetime(2026, 1, 1), "b1")
CANON = "record_id string, pid string, pid_valid boolean, title string, first_name string, birth_date date, phone string, village_code string, district_code string, _issues array<string>"


def standardized(spark, settings, silver, schema, rows, extra):
    df = spark.createDataFrame([(*r, *META_ROW) for r in rows], f"{schema}, {META}")
    out = df.transform(standardize_persons(PERSON_SOURCES[silver], settings, known(spark)))
    return out.select(*[c.split()[0] for c in CANON.split(", ")], *extra)


def test_mof_welfare(spark, settings):
    schema = "application_no string, pid string, title string, first_name string, last_name string, birth_date string, phone string, house_no string, village_code string, subdistrict_code string, district_code string, province_code string, declared_income string, status string, registered_date string"
    rows = [
        (
            "A1",
            "3 1006 00445 63 5",
            "น.ส.",
            "วิไล\u200bวรรณ",
            "ศรีสุข",
            "25200101",
            "+66 (0)81 234 5678",
            "5",
            "50010101",
            "500101",
            "5001",
            "50",
            "36,000",
            "verified",
            "25600715",
        )
    ]
    actual = standardized(spark, settings, "mof_welfare", schema, rows, ["declared_income", "welfare_status", "registered_date"])
    expected = spark.createDataFrame(
        [
            (
                "mof_welfare:A1",
                "3100600445635",
                True,
                "นางสาว",
                "วิไลวรรณ",
                dt.date(1977, 1, 1),
                "+66812345678",
                "50010101",
                "5001",
                [],
                36000,
                "verified",
                dt.date(2017, 7, 15),
            )
        ],
        f"{CANON}, declared_income long, welfare_status string, registered_date date",
    )
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_dla_elderly_excel_export(spark, settings):
    schema = "recipient_no string, pid string, title string, first_name string, last_name string, birth_date string, local_office_code string, subdistrict_code string, district_code string, province_code string, monthly_amount string, paid_month string"
    rows = [
        ("R1", "3.10060044563E+12", "นาง", "บุญมา", "มีสุข", "00/00/2490", "6500101", "500101", "5001", "50", "1,000", "2561-10"),
        ("R2", "3.100600445635E+12", "นาย", "ทองดี", "มีสุข", "12/05/2490", "6500101", "500101", None, None, "700", "2561-10"),
    ]
    actual = standardized(spark, settings, "dla_elderly", schema, rows, ["monthly_amount", "paid_month"])
    expected = spark.createDataFrame(
        [
            (
                "dla_elderly:R1",
                None,
                None,
                "นาง",
                "บุญมา",
                dt.date(1947, 1, 1),
                None,
                None,
                "5001",
                ["pid_scientific_notation_lossy"],
                1000,
                "2018-10",
            ),
            ("dla_elderly:R2", "3100600445635", True, "นาย", "ทองดี", dt.date(1947, 5, 12), None, None, "5001", [], 700, "2018-10"),
        ],
        f"{CANON}, monthly_amount int, paid_month string",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_dep_disability(spark, settings):
    schema = "card_no string, pid string, title string, first_name string, last_name string, sex string, birth_date string, disability_type string, card_issued_date string, card_expiry_date string, allowance_monthly string, village_code string, subdistrict_code string, district_code string, province_code string, phone string"
    rows = [
        (
            "D1",
            "1234545678781",
            "",
            "ด.ญ.กนกพร",
            "รักไทย",
            "2",
            "2555-13-05",
            "Autism",
            "2560-01-31",
            "2566-01-30",
            "800",
            "50010199",
            "500101",
            "5001",
            "50",
            "12345",
        )
    ]
    actual = standardized(
        spark, settings, "dep_disability", schema, rows, ["disability_type", "card_issued_date", "card_expiry_date", "allowance_monthly"]
    )
    expected = spark.createDataFrame(
        [("dep_disability:D1", "1234545678781", True, "เด็กหญิง", "กนกพร", dt.date(2012, 5, 13), None, None, "5001",
          ["name_title_glued", "birth_date_day_month_swapped", "phone_invalid", "village_code_unknown"], "autism", dt.date(2017, 1, 31), dt.date(2023, 1, 30), 800)],
        f"{CANON}, disability_type string, card_issued_date date, card_expiry_date date, allowance_monthly int",
    )  # fmt: skip
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_dcy_child_grant_describes_the_child(spark, settings):
    schema = "application_no string, child_pid string, child_title string, child_first_name string, child_last_name string, child_sex string, child_birth_date date, mother_pid string, mother_first_name string, mother_last_name string, phone string, amount_monthly int, village_code string, subdistrict_code string, district_code string, province_code string"
    rows = [
        (
            "C1",
            None,
            "ด.ช.",
            "ณัฐพล",
            "ใจดี",
            "1",
            dt.date(2561, 4, 2),
            "1-2345-45678-78-1",
            "สมศรี",
            "ใจดี",
            "0812345678",
            600,
            "50010101",
            "500101",
            "5001",
            "50",
        )
    ]
    actual = standardized(spark, settings, "dcy_child_grant", schema, rows, ["mother_pid", "mother_pid_valid", "amount_monthly", "sex"])
    expected = spark.createDataFrame(
        [("dcy_child_grant:C1", None, None, "เด็กชาย", "ณัฐพล", dt.date(2018, 4, 2), "+66812345678", "50010101", "5001",
          ["pid_missing", "birth_date_era_corrected"], "1234545678781", True, 600, "M")],
        f"{CANON}, mother_pid string, mother_pid_valid boolean, amount_monthly int, sex string",
    )  # fmt: skip
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_survey_members_live_where_their_household_was_surveyed(spark, settings):
    """Members carry the household's house and area codes (the survey writes them once per household)."""
    import json

    schema = "hh_id string, house_code string, village_code string, subdistrict_code string, district_code string, province_code string, members string"
    members = json.dumps(
        [{"member_no": 1, "first_name": "สมชาย", "last_name": "ใจดี"}, {"member_no": 2, "first_name": "สมศรี", "last_name": "ใจดี"}],
        ensure_ascii=False,
    )
    rows = [
        ("50010101-00001", "50010012345", "50010101", "500101", "5001", "50", members),
        # Only the village given: the parents come from its prefix, as for any other record.
        ("50010101-00002", None, "50010101", None, None, None, json.dumps([{"member_no": 1, "first_name": "มานี"}], ensure_ascii=False)),
    ]
    df = spark.createDataFrame([(*r, *META_ROW) for r in rows], f"{schema}, {META}")
    actual = df.transform(standardize_persons(PERSON_SOURCES["cdd_bmn_member"], settings, known(spark))).select(
        "record_id", "house_code", "village_code", "subdistrict_code", "district_code", "province_code"
    )
    expected = spark.createDataFrame(
        [
            ("cdd_bmn_member:50010101-00001-01", "50010012345", "50010101", "500101", "5001", "50"),
            ("cdd_bmn_member:50010101-00001-02", "50010012345", "50010101", "500101", "5001", "50"),
            ("cdd_bmn_member:50010101-00002-01", None, "50010101", "500101", "5001", "50"),
        ],
        "record_id string, house_code string, village_code string, subdistrict_code string, district_code string, province_code string",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_survey_members_carry_their_round_and_a_member_listed_again_is_new_content(spark, settings):
    """The same household and member in rounds 2561 and 2562 (answers unchanged): each row carries its round, and
    the two contents differ, so the later round's listing replaces the earlier one in silver (merge by record)."""
    import json

    schema = "survey_round string, hh_id string, house_code string, village_code string, members string"
    members = json.dumps([{"member_no": 1, "first_name": "สมชาย", "last_name": "ใจดี"}], ensure_ascii=False)
    rows = [(r, "50010101-00001", "50010012345", "50010101", members) for r in ("2561", "2562")]
    df = spark.createDataFrame([(*r, *META_ROW) for r in rows], f"{schema}, {META}")
    adapted = PERSON_SOURCES["cdd_bmn_member"].adapter(df)
    actual = adapted.select("record_key", "survey_round", "hh_id")
    expected = spark.createDataFrame(
        [("50010101-00001-01", "2561", "50010101-00001"), ("50010101-00001-01", "2562", "50010101-00001")],
        "record_key string, survey_round string, hh_id string",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)
    assert adapted.select("_content_hash").distinct().count() == 2


def test_survey_member_given_by_age_only_gets_a_birth_year(spark, settings):
    """Interview 15/03/2561 (2018 CE): a member aged 40 without a birth date was born about 1978; a member with
    a birth date keeps it; an unreadable interview date or no age gives no estimate."""
    import json

    schema = "hh_id string, house_code string, village_code string, subdistrict_code string, district_code string, province_code string, interview_date string, members string"
    members = json.dumps(
        [
            {"member_no": 1, "first_name": "สมชาย", "age": 40},
            {"member_no": 2, "first_name": "สมศรี", "birth_date": "01/02/2520", "age": 41},
            {"member_no": 3, "first_name": "มานี"},
        ],
        ensure_ascii=False,
    )
    rows = [
        ("50010101-00001", "50010012345", "50010101", "500101", "5001", "50", "15/03/2561", members),
        ("50010101-00002", "50010012346", "50010101", "500101", "5001", "50", "not a date", json.dumps([{"member_no": 1, "age": 30}])),
    ]
    df = spark.createDataFrame([(*r, *META_ROW) for r in rows], f"{schema}, {META}")
    actual = df.transform(standardize_persons(PERSON_SOURCES["cdd_bmn_member"], settings, known(spark))).select(
        "record_id", "birth_date", "birth_date_precision", "birth_year"
    )
    expected = spark.createDataFrame(
        [
            ("cdd_bmn_member:50010101-00001-01", None, "age", 1978),
            ("cdd_bmn_member:50010101-00001-02", dt.date(1977, 2, 1), "day", 1977),
            ("cdd_bmn_member:50010101-00001-03", None, None, None),
            ("cdd_bmn_member:50010101-00002-01", None, None, None),
        ],
        "record_id string, birth_date date, birth_date_precision string, birth_year int",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)
