"""Hand-made silver records with the canonical columns (conf/CONTRACTS.md) for the linkage tests."""

from __future__ import annotations

import random
from datetime import date

import pytest
from pyspark.sql import types as T

from transforms.linkage.records import CANONICAL, with_blocking_keys
from transforms.linkage.settings import load_linkage_settings

SILVER_SCHEMA = T.StructType(
    [
        T.StructField("record_id", T.StringType()),
        T.StructField("source", T.StringType()),
        T.StructField("record_key", T.StringType()),
        T.StructField("pid", T.StringType()),
        T.StructField("pid_valid", T.BooleanType()),
        T.StructField("title", T.StringType()),
        T.StructField("first_name", T.StringType()),
        T.StructField("last_name", T.StringType()),
        T.StructField("first_name_key", T.StringType()),
        T.StructField("last_name_key", T.StringType()),
        T.StructField("birth_date", T.DateType()),
        T.StructField("birth_date_precision", T.StringType()),
        T.StructField("birth_year", T.IntegerType()),
        T.StructField("sex", T.StringType()),
        T.StructField("phone", T.StringType()),
        T.StructField("house_code", T.StringType()),
        T.StructField("village_code", T.StringType()),
        T.StructField("subdistrict_code", T.StringType()),
        T.StructField("district_code", T.StringType()),
        T.StructField("province_code", T.StringType()),
        T.StructField("_delivery", T.StringType()),
    ]
)
assert tuple(SILVER_SCHEMA.fieldNames()) == CANONICAL


def record(source: str, key: str, **fields) -> dict:
    """One silver record: defaults for every canonical column, overridden by `fields`."""
    birth = fields.get("birth_date", date(1970, 5, 12))
    row = {
        "record_id": f"{source}:{key}",
        "source": source,
        "record_key": key,
        "pid": None,
        "pid_valid": False,
        "title": None,
        "first_name": "somchai",
        "last_name": "jaidee",
        "first_name_key": "SMC",
        "last_name_key": "JT",
        "birth_date": birth,
        "birth_date_precision": "day" if birth else None,
        "birth_year": birth.year if birth else None,
        "sex": "M",
        "phone": None,
        "house_code": "30010012345",
        "village_code": "30010101",
        "subdistrict_code": "300101",
        "district_code": "3001",
        "province_code": "30",
        "_delivery": "2018-06-30",
    }
    row.update(fields)
    if "pid" in fields and "pid_valid" not in fields:
        row["pid_valid"] = fields["pid"] is not None
    return row


@pytest.fixture(scope="session")
def make_records(spark):
    """rows -> linkage records (canonical columns + blocking keys), spine = dopa_registry."""

    def build(rows: list[dict]):
        df = spark.createDataFrame([tuple(r[c] for c in CANONICAL) for r in rows], SILVER_SCHEMA)
        return with_blocking_keys(df, "dopa_registry", load_linkage_settings().derived_keys)

    return build


FIRST = ["somchai", "somsak", "malee", "pranee", "wichai", "suda", "anan", "kanya", "chai", "nok", "boonmee", "sombat"]
LAST = ["jaidee", "saetang", "wongsa", "srisuk", "boonma", "kaewta", "thongdee", "phromma", "inta", "chanta"]


def small_world(seed: int = 7, persons: int = 120) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """A tiny silver world: a registry plus two sources with ID, name and date errors; and the truth."""
    rng = random.Random(seed)
    tables: dict[str, list[dict]] = {"dopa_registry": [], "mof_welfare": [], "dla_elderly": []}
    truth: dict[str, int] = {}
    for i in range(persons):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        birth = date(rng.randint(1930, 2010), rng.randint(1, 12), rng.randint(1, 28))
        pid = f"{rng.randint(1, 8)}{rng.randint(10**11, 10**12 - 1)}"
        village = f"3001010{rng.randint(1, 4)}"
        person = dict(
            pid=pid,
            first_name=first,
            last_name=last,
            first_name_key=first[:3].upper(),
            last_name_key=last[:3].upper(),
            birth_date=birth,
            birth_year=birth.year,
            sex=rng.choice("MF"),
            village_code=village,
            phone=f"+6681{i:07d}",
        )
        key = f"R{i:04d}"
        tables["dopa_registry"].append(record("dopa_registry", key, **{**person, "phone": None}))
        truth[f"dopa_registry:{key}"] = i
        for source in ("mof_welfare", "dla_elderly"):
            if rng.random() < 0.5:
                continue
            variant = dict(person)
            roll = rng.random()
            if roll < 0.3:
                variant.update(pid=None)
            elif roll < 0.45:
                variant.update(pid=pid[:5] + str((int(pid[5]) + 1) % 10) + pid[6:], pid_valid=False)
            elif roll < 0.55:
                variant.update(first_name=first + "a")
            key = f"{source[:3].upper()}{i:04d}"
            tables[source].append(record(source, key, **variant))
            truth[f"{source}:{key}"] = i
    return tables, truth
