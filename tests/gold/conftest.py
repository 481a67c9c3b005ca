"""Hand-made silver-shaped inputs for the gold transforms (schemas as in conf/CONTRACTS.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import types as T

S, I, L, D, B = T.StringType(), T.IntegerType(), T.LongType(), T.DoubleType(), T.BooleanType()


def _struct(*names: str, kind=B) -> T.StructType:
    return T.StructType([T.StructField(n, kind) for n in names])


FOOD = ("labelled_packaged_food", "cooked_meat", "washed_vegetables", "hand_washing_serving_spoon")
MEDICINE = ("reads_label", "stores_properly", "no_self_prescribed_antibiotics", "household_remedies_correct")
HOUSING = ("secure_tenure", "durable_house")
HYGIENE = ("tidy", "clean", "ventilated", "no_stagnant_water", "garbage_managed", "no_disease_vectors", "toilet_hygienic", "safe_from_hazards")
OTHER_INCOME = ("remittances", "rent", "pensions", "allowances")
AREA = [T.StructField(c, S) for c in ("house_code", "village_code", "subdistrict_code", "district_code", "province_code")]

HOUSEHOLD_SCHEMA = T.StructType(
    [T.StructField("record_id", S), T.StructField("hh_id", S), T.StructField("survey_round", S), *AREA,
     T.StructField("interview_date", T.DateType()),
     T.StructField("food_hygiene", _struct(*FOOD)), T.StructField("medicine_use", _struct(*MEDICINE)),
     T.StructField("housing", _struct(*HOUSING)), T.StructField("drinking_water_litres_min", D),
     T.StructField("use_water_litres_min", D), T.StructField("home_hygiene", _struct(*HYGIENE)),
     T.StructField("income_other", _struct(*OTHER_INCOME, kind=L)), T.StructField("own_food_value", L),
     T.StructField("member_count", I), T.StructField("_issues", T.ArrayType(S))]
)
MEMBER_FIELDS = [
    ("record_id", S), ("source", S), ("record_key", S), ("pid_raw", S), ("pid", S), ("title", S), ("first_name", S),
    ("last_name", S), ("birth_date", T.DateType()), ("sex", S), ("phone", S), ("hh_id", S), ("member_no", I), ("age", I),
    ("relation", S), ("birth_weight_g", I), ("exercise_days_per_week", I), ("exercise_minutes_per_day", I),
    ("preschool_care", B), ("schooling", S), ("finished_m3_last_year", B), ("continued_m4", B), ("literate_numerate", B),
    ("occupation", S), ("income_main", L), ("income_secondary", L), ("full_time_student", B), ("disabled", B),
    ("disability_self_care", B), ("chronic_illness", B), ("elderly_care", B), ("disability_care", B),
]
MEMBER_SCHEMA = T.StructType([T.StructField(n, t) for n, t in MEMBER_FIELDS] + AREA[1:])
XREF_SCHEMA = "record_id string, source string, person_id string, match_method string, match_probability double, match_weight double, run_id string"
PERSON_SCHEMA = ("person_id string, pid string, title string, first_name string, last_name string, birth_date date, sex string, "
                 "house_code string, village_code string, subdistrict_code string, district_code string, province_code string, "
                 "record_count int, sources array<string>")
MOF_SCHEMA = "record_id string, pid string, first_name string, last_name string, phone string, declared_income long, welfare_status string, registered_date date, village_code string"
DLA_SCHEMA = "record_id string, pid string, first_name string, last_name string, monthly_amount int, paid_month string"
DEP_SCHEMA = "record_id string, pid string, first_name string, last_name string, phone string, disability_type string, allowance_monthly int"
DCY_SCHEMA = "record_id string, pid string, first_name string, last_name string, mother_pid string, phone string, amount_monthly int"


def areas_of(village: str) -> dict:
    return {"village_code": village, "subdistrict_code": village[:6], "district_code": village[:4], "province_code": village[:2]}


def household(hh_id: str, **over) -> dict:
    """A household that passes every household-grain indicator unless overridden."""
    village = hh_id[:8]
    row = {
        "record_id": f"cdd_bmn:{hh_id}", "hh_id": hh_id, "survey_round": "2561", "house_code": village + "123",
        **areas_of(village), "interview_date": dt.date(2018, 3, 15),
        "food_hygiene": {n: True for n in FOOD}, "medicine_use": {n: True for n in MEDICINE},
        "housing": {n: True for n in HOUSING}, "drinking_water_litres_min": 10.0, "use_water_litres_min": 100.0,
        "home_hygiene": {n: True for n in HYGIENE},
        "income_other": {"remittances": 0, "rent": 0, "pensions": 0, "allowances": 0}, "own_food_value": 0,
        "member_count": None, "_issues": [],
    }
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(row.get(key), dict):
            row[key] = {**row[key], **value}
        else:
            row[key] = value
    return row


def member(hh_id: str, no: int, age: int, **over) -> dict:
    """A member who passes every member-grain indicator for their age unless overridden."""
    village = hh_id[:8]
    pid = f"1{village}{hh_id[-3:]}{no:01d}"[:13].ljust(13, "7")
    row = {
        "record_id": f"cdd_bmn_member:{hh_id}-{no:02d}", "source": "cdd_bmn_member", "record_key": f"{hh_id}-{no:02d}",
        "pid_raw": pid, "pid": pid, "title": "นาย", "first_name": f"สมชาย{hh_id[-2:]}{no}", "last_name": "ใจดีมาก",
        "birth_date": dt.date(2018 - age, 1, 1), "sex": "M", "phone": "+66812345678", "hh_id": hh_id, "member_no": no,
        "age": age, "relation": "head" if no == 1 else "child",
        "birth_weight_g": 3000 if age == 0 else None,
        "exercise_days_per_week": 4 if age >= 6 else None, "exercise_minutes_per_day": 40 if age >= 6 else None,
        "preschool_care": True if 3 <= age <= 5 else None, "schooling": "in_school" if 6 <= age <= 14 else None,
        "finished_m3_last_year": None, "continued_m4": None,
        "literate_numerate": True if 15 <= age <= 59 else None, "occupation": "farmer" if age >= 15 else None,
        "income_main": 100000 if age >= 15 else 0, "income_secondary": 0,
        "full_time_student": False if 15 <= age <= 59 else None, "disabled": False, "disability_self_care": None,
        "chronic_illness": False, "elderly_care": True if age >= 60 else None, "disability_care": None,
        **{k: v for k, v in areas_of(village).items()},
    }
    row.update(over)
    return row


@pytest.fixture(scope="session")
def catalogue():
    from jobs.indicators import load_catalogue

    return load_catalogue()


@pytest.fixture(scope="session")
def make(spark):
    """make.households([...]), make.members([...]), make.df(rows, schema)."""

    class Maker:
        def households(self, rows):
            return spark.createDataFrame(rows, HOUSEHOLD_SCHEMA)

        def members(self, rows):
            return spark.createDataFrame([[r.get(f.name) for f in MEMBER_SCHEMA.fields] for r in rows], MEMBER_SCHEMA)

        def df(self, rows, schema):
            return spark.createDataFrame(rows, schema)

    return Maker()
