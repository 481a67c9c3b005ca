"""Hand-made silver-shaped inputs for the gold transforms (schemas as in conf/CONTRACTS.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import types as T

S, I, L, D, B = T.StringType(), T.IntegerType(), T.LongType(), T.DoubleType(), T.BooleanType()  # noqa: E741 - one letter per Spark type


def _struct(*names: str, kind=B) -> T.StructType:
    return T.StructType([T.StructField(n, kind) for n in names])


FOOD = ("labelled_packaged_food", "cooked_meat", "washed_vegetables", "hand_washing_serving_spoon")
MEDICINE = ("reads_label", "stores_properly", "no_self_prescribed_antibiotics", "household_remedies_correct")
HOUSING = ("secure_tenure", "durable_house")
HYGIENE = (
    "tidy",
    "clean",
    "ventilated",
    "no_stagnant_water",
    "garbage_managed",
    "no_disease_vectors",
    "toilet_hygienic",
    "safe_from_hazards",
)
OTHER_INCOME = ("remittances", "rent", "pensions", "allowances")
AREA = [T.StructField(c, S) for c in ("house_code", "village_code", "subdistrict_code", "district_code", "province_code")]

HOUSEHOLD_SCHEMA = T.StructType(
    [
        T.StructField("record_id", S),
        T.StructField("hh_id", S),
        T.StructField("survey_round", S),
        *AREA,
        T.StructField("interview_date", T.DateType()),
        T.StructField("food_hygiene", _struct(*FOOD)),
        T.StructField("medicine_use", _struct(*MEDICINE)),
        T.StructField("housing", _struct(*HOUSING)),
        T.StructField("drinking_water_litres_min", D),
        T.StructField("use_water_litres_min", D),
        T.StructField("home_hygiene", _struct(*HYGIENE)),
        T.StructField("income_other", _struct(*OTHER_INCOME, kind=L)),
        T.StructField("own_food_value", L),
        T.StructField("member_count", I),
        T.StructField("_issues", T.ArrayType(S)),
    ]
)
MEMBER_FIELDS = [
    ("record_id", S),
    ("source", S),
    ("record_key", S),
    ("pid_raw", S),
    ("pid", S),
    ("title", S),
    ("first_name", S),
    ("last_name", S),
    ("birth_date", T.DateType()),
    ("sex", S),
    ("phone", S),
    ("hh_id", S),
    ("member_no", I),
    ("age", I),
    ("relation", S),
    ("birth_weight_g", I),
    ("exercise_days_per_week", I),
    ("exercise_minutes_per_day", I),
    ("preschool_care", B),
    ("schooling", S),
    ("finished_m3_last_year", B),
    ("continued_m4", B),
    ("literate_numerate", B),
    ("occupation", S),
    ("income_main", L),
    ("income_secondary", L),
    ("full_time_student", B),
    ("disabled", B),
    ("disability_self_care", B),
    ("chronic_illness", B),
    ("elderly_care", B),
    ("disability_care", B),
]
MEMBER_SCHEMA = T.StructType([T.StructField(n, t) for n, t in MEMBER_FIELDS] + AREA[1:])
XREF_SCHEMA = (
    "record_id string, source string, person_id string, match_method string, match_probability double, match_weight double, run_id string"
)
PERSON_SCHEMA = (
    "person_id string, pid string, title string, first_name string, last_name string, birth_date date, sex string, "
    "house_code string, village_code string, subdistrict_code string, district_code string, province_code string, "
    "record_count int, sources array<string>"
)
MOF_SCHEMA = "record_id string, pid string, first_name string, last_name string, phone string, declared_income long, welfare_status string, registered_date date, village_code string"
DLA_SCHEMA = "record_id string, pid string, first_name string, last_name string, monthly_amount int, paid_month string"
DEP_SCHEMA = (
    "record_id string, pid string, first_name string, last_name string, phone string, disability_type string, allowance_monthly int"
)
DCY_SCHEMA = "record_id string, pid string, first_name string, last_name string, mother_pid string, phone string, amount_monthly int"


def areas_of(village: str) -> dict:
    return {"village_code": village, "subdistrict_code": village[:6], "district_code": village[:4], "province_code": village[:2]}


def household(hh_id: str, **over) -> dict:
    """A household that passes every household-grain indicator unless overridden."""
    village = hh_id[:8]
    row = {
        "record_id": f"cdd_bmn:{hh_id}",
        "hh_id": hh_id,
        "survey_round": "2561",
        "house_code": village + "123",
        **areas_of(village),
        "interview_date": dt.date(2018, 3, 15),
        "food_hygiene": {n: True for n in FOOD},
        "medicine_use": {n: True for n in MEDICINE},
        "housing": {n: True for n in HOUSING},
        "drinking_water_litres_min": 10.0,
        "use_water_litres_min": 100.0,
        "home_hygiene": {n: True for n in HYGIENE},
        "income_other": {"remittances": 0, "rent": 0, "pensions": 0, "allowances": 0},
        "own_food_value": 0,
        "member_count": None,
        "_issues": [],
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
        "record_id": f"cdd_bmn_member:{hh_id}-{no:02d}",
        "source": "cdd_bmn_member",
        "record_key": f"{hh_id}-{no:02d}",
        "pid_raw": pid,
        "pid": pid,
        "title": "นาย",
        "first_name": f"สมชาย{hh_id[-2:]}{no}",
        "last_name": "ใจดีมาก",
        "birth_date": dt.date(2018 - age, 1, 1),
        "sex": "M",
        "phone": "+66812345678",
        "hh_id": hh_id,
        "member_no": no,
        "age": age,
        "relation": "head" if no == 1 else "child",
        "birth_weight_g": 3000 if age == 0 else None,
        "exercise_days_per_week": 4 if age >= 6 else None,
        "exercise_minutes_per_day": 40 if age >= 6 else None,
        "preschool_care": True if 3 <= age <= 5 else None,
        "schooling": "in_school" if 6 <= age <= 14 else None,
        "finished_m3_last_year": None,
        "continued_m4": None,
        "literate_numerate": True if 15 <= age <= 59 else None,
        "occupation": "farmer" if age >= 15 else None,
        "income_main": 100000 if age >= 15 else 0,
        "income_secondary": 0,
        "full_time_student": False if 15 <= age <= 59 else None,
        "disabled": False,
        "disability_self_care": None,
        "chronic_illness": False,
        "elderly_care": True if age >= 60 else None,
        "disability_care": None,
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


VILLAGES = ["30010101", "30010102", "30010201", "30020101", "31010101"]


def _random_member(rng, hh_id: str, no: int) -> dict:
    age = rng.choice([0, 1, 4, 8, 12, 16, 17, 25, 35, 45, 59, 60, 67, 75, 82])
    over: dict = {}

    def fail():
        return rng.random() < 0.12

    if age == 0 and fail():
        over["birth_weight_g"] = rng.choice([2100, 2499])
    if age >= 6 and fail():
        over["exercise_days_per_week"] = 1
    if 3 <= age <= 5 and fail():
        over["preschool_care"] = False
    if 6 <= age <= 14 and fail():
        over["schooling"] = "not_in_school"
    if 15 <= age <= 18 and rng.random() < 0.5:
        over["finished_m3_last_year"] = True
        over["continued_m4"] = not fail()
    if 15 <= age <= 59 and fail():
        over["literate_numerate"] = False
    if 15 <= age <= 59 and rng.random() < 0.2:
        over["full_time_student"] = True
    if age >= 15 and fail():
        over.update(occupation="none", income_main=0)
    if rng.random() < 0.1:
        over.update(disabled=True, disability_self_care=rng.random() < 0.5, disability_care=not fail())
    if age >= 60 and fail():
        over["elderly_care"] = False
    over["chronic_illness"] = rng.random() < 0.1
    over["sex"] = rng.choice(["M", "F"])
    over["income_main"] = over.get("income_main", rng.choice([0, 30000, 60000, 150000]) if age >= 15 else 0)
    return member(hh_id, no, age, **over)


def _random_household(rng, hh_id: str) -> dict:
    over: dict = {}

    def fail():
        return rng.random() < 0.08

    if fail():
        over["food_hygiene"] = {rng.choice(FOOD): False}
    if fail():
        over["medicine_use"] = {rng.choice(MEDICINE): False}
    if fail():
        over["housing"] = {rng.choice(HOUSING): False}
    if fail():
        over["drinking_water_litres_min"] = rng.choice([4.0, 5.0])
    if fail():
        over["use_water_litres_min"] = rng.choice([30.0, 45.0])
    if fail():
        over["home_hygiene"] = {rng.choice(HYGIENE): False}
    over["income_other"] = {"remittances": rng.choice([0, 20000, 80000])}
    over["own_food_value"] = rng.choice([0, 5000])
    return household(hh_id, **over)


@pytest.fixture(scope="session")
def world(spark):
    """A small surveyed world (5 villages in 2 provinces) with linkage, welfare and allowances, as rows and DataFrames."""
    import random

    rng = random.Random(2561)
    households, members = [], []
    for v, village in enumerate(VILLAGES):
        for h in range(4 + v):
            hh_id = f"{village}-{h + 1:05d}"
            households.append(_random_household(rng, hh_id))
            for no in range(1, rng.randint(1, 5) + 1):
                members.append(_random_member(rng, hh_id, no))
    xref, persons, mof, dla, dep, dcy = [], [], [], [], [], []
    for i, m in enumerate(members):
        if i % 17 == 5:
            continue  # unlinked member record
        person_id = f"P{i:04d}"
        m["_person_id"] = person_id
        xref.append((m["record_id"], "cdd_bmn_member", person_id, "pid", 1.0, 20.0, "run1"))
        persons.append(
            (
                person_id,
                m["pid"],
                "นาย",
                m["first_name"],
                m["last_name"],
                m["birth_date"],
                m["sex"],
                m["house_code"] if "house_code" in m else None,
                m["village_code"],
                m["subdistrict_code"],
                m["district_code"],
                m["province_code"],
                2,
                ["cdd_bmn_member"],
            )
        )
        r = rng.random()
        if r < 0.45:
            status = "verified" if r < 0.3 else "registered"
            rid = f"mof_welfare:A{i:05d}"
            xref.append((rid, "mof_welfare", person_id, "pid", 1.0, 20.0, "run1"))
            mof.append((rid, m["pid"], m["first_name"], m["last_name"], "+66812345678", 50000, status, None, m["village_code"]))
        if m["age"] >= 60 and rng.random() < 0.7:
            rid = f"dla_elderly:E{i:05d}"
            xref.append((rid, "dla_elderly", person_id, "pid", 1.0, 20.0, "run1"))
            dla.append((rid, m["pid"], m["first_name"], m["last_name"], 600 if m["age"] < 70 else 700, "2018-05"))
        if m["disabled"] and rng.random() < 0.8:
            rid = f"dep_disability:D{i:05d}"
            xref.append((rid, "dep_disability", person_id, "pid", 1.0, 20.0, "run1"))
            dep.append((rid, m["pid"], m["first_name"], m["last_name"], "+66898765432", "physical", 800))
        if m["age"] <= 5 and rng.random() < 0.5:
            rid = f"dcy_child_grant:C{i:05d}"
            xref.append((rid, "dcy_child_grant", person_id, "pid", 1.0, 20.0, "run1"))
            dcy.append((rid, m["pid"], m["first_name"], m["last_name"], "3300100123456", "0812345678", 600))
    # Registry-only people (not surveyed), one of them an elderly-allowance recipient.
    for j in range(3):
        person_id = f"R{j:03d}"
        persons.append(
            (
                person_id,
                f"310101000000{j}",
                "นาง",
                f"มาลี{j}",
                "ศรีสุข",
                dt.date(1940, 1, 1),
                "F",
                None,
                "31010101",
                "310101",
                "3101",
                "31",
                1,
                ["dopa_registry"],
            )
        )
        if j == 0:
            xref.append(("dla_elderly:X0", "dla_elderly", person_id, "pid", 1.0, 20.0, "run1"))
            dla.append(("dla_elderly:X0", f"310101000000{j}", "มาลี0", "ศรีสุข", 600, "2018-05"))
    clean_members = [{k: v for k, v in m.items() if not k.startswith("_")} for m in members]
    maker = spark.createDataFrame
    inputs = {
        "households": maker(households, HOUSEHOLD_SCHEMA),
        "members": maker([[r.get(f.name) for f in MEMBER_SCHEMA.fields] for r in clean_members], MEMBER_SCHEMA),
        "xref": maker(xref, XREF_SCHEMA),
        "persons": maker(persons, PERSON_SCHEMA),
        "welfare_registry": maker(mof, MOF_SCHEMA),
        "elderly_allowance": maker(dla, DLA_SCHEMA),
        "disability_allowance": maker(dep, DEP_SCHEMA),
        "child_grant": maker(dcy, DCY_SCHEMA),
    }
    return {
        "households": households,
        "members": members,
        "mof": mof,
        "persons": persons,
        "inputs": inputs,
        "dla": dla,
        "dep": dep,
        "dcy": dcy,
        "xref": xref,
    }


GOLD_DB = "gold_test"
PUBLIC_DB = "gold_test_public"
SILVER_DB = "gold_test_silver"


@pytest.fixture(scope="session")
def gold(spark, config, world, reference_tables):
    """The indicators job run on the small world (as silver tables in their own database) into GOLD_DB.

    Own databases, so the pipeline's silver/gold in the same test session are left alone.
    """

    from jobs import indicators
    from jobs.runs import JobRun

    spark.sql(f"CREATE DATABASE IF NOT EXISTS {SILVER_DB}")
    for name, target in indicators.silver_inputs(SILVER_DB).items():
        world["inputs"][name].write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(target)
    args = indicators.validate(indicators.Options(silver_db=SILVER_DB, gold_db=GOLD_DB, public_db=PUBLIC_DB))
    job_run = JobRun("indicators", args.model_dump(mode="json"))
    indicators.run(spark, config, args, job_run)
    return job_run
