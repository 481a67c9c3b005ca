"""Privacy: keyed pseudonyms, no ID / phone / name in gold, the dev secret refused, small counts suppressed."""

from __future__ import annotations

from tests.gold.conftest import GOLD_DB

import argparse
import hashlib
import hmac
import re

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T

from udfs.pseudonym import hmac_sha256

ID_13 = re.compile(r"(?<!\d)\d{13}(?!\d)")
PHONE = re.compile(r"\+66\d{8,9}|(?<!\d)0[689]\d{7,8}(?!\d)")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.mark.parametrize("secret", ["k", "a" * 64, "long-" * 30, "กุญแจลับ"])
def test_hmac_expression_equals_python_hmac(spark, secret):
    values = ["P0001", "3300100123456", "บุคคล", None]
    df = spark.createDataFrame([(v,) for v in values], "v string").select("v", hmac_sha256("v", secret).alias("h"))
    got = {r["v"]: r["h"] for r in df.collect()}
    for v in values[:-1]:
        assert got[v] == hmac.new(secret.encode(), v.encode(), hashlib.sha256).hexdigest()
    assert got[None] is None


def test_empty_secret_refused():
    with pytest.raises(ValueError):
        hmac_sha256("v", "")


def test_dev_secret_refused_outside_local(spark, config, monkeypatch):
    from jobs import indicators
    from jobs.config import DEV_PSEUDONYM_SECRET, ConfigError
    from jobs.runs import JobRun

    prod = config.model_copy(update={"env": "cluster", "secrets": config.secrets.model_copy(update={"allow_dev_secret": False})})
    monkeypatch.setenv(config.secrets.pseudonym_secret_env, DEV_PSEUDONYM_SECRET)
    with pytest.raises(ConfigError, match="development secret"):
        indicators.run(spark, prod, argparse.Namespace(catalogue=str(indicators.CATALOGUE_FILE)), JobRun("indicators", {}))


def _gold_tables(spark):
    # Session temporary views (e.g. Splink's working views) are not gold tables.
    return [f"{GOLD_DB}.{t.name}" for t in spark.catalog.listTables(GOLD_DB) if not t.isTemporary]


def _table_text(df):
    """Every row as JSON text, without fractional columns (ratios: digits after a point are no identifier)."""
    kept = [f.name for f in df.schema.fields if not isinstance(f.dataType, (T.DoubleType, T.FloatType)) and f.name != "person_key"]
    return [r["v"] for r in df.select(F.to_json(F.struct(*kept)).alias("v")).collect()]


def test_no_identifier_phone_or_name_in_any_gold_table(spark, gold, world):
    pids = {m["pid"] for m in world["members"]} | {p[1] for p in world["persons"]}
    names = {m["first_name"] for m in world["members"]} | {m["last_name"] for m in world["members"]} | {p[3] for p in world["persons"]}
    plain_hashes = {hashlib.sha256(p.encode()).hexdigest() for p in pids}
    tables = _gold_tables(spark)
    assert {f"{GOLD_DB}.household_deprivation", f"{GOLD_DB}.person_poverty", f"{GOLD_DB}.person_welfare", f"{GOLD_DB}.area_indicators",
            f"{GOLD_DB}.welfare_coverage", f"{GOLD_DB}.v_area_indicators", f"{GOLD_DB}.v_welfare_coverage"} <= set(tables)
    problems = []
    for table in tables:
        df = spark.table(table)
        banned = {"pid", "pid_raw", "person_id", "phone", "first_name", "last_name", "title"} & set(df.columns)
        problems += [(table, column) for column in banned]
        for text in _table_text(df):
            if ID_13.search(text) or PHONE.search(text) or any(p in text for p in pids) or any(n in text for n in names):
                problems.append((table, text[:200]))
        if "person_key" in df.columns:
            # A keyed hash may hold 13 digits in a row by chance: check it is a hash, and not the plain hash of a PID.
            keys = [r[0] for r in df.select("person_key").where("person_key IS NOT NULL").collect()]
            problems += [(table, k) for k in keys if not HEX64.match(k) or k in plain_hashes]
    assert problems == []


def test_scan_would_catch_a_leak(world):
    pid = world["members"][0]["pid"]
    assert ID_13.search(f"x {pid} y") and PHONE.search("+66812345678") and PHONE.search("tel 0812345678")


def test_person_keys_are_the_keyed_hash_of_person_id(spark, gold, world, config):
    keys = {r["person_key"] for r in spark.table(f"{GOLD_DB}.person_poverty").select("person_key").collect()}
    expected = {hmac.new(config.pseudonym_secret().encode(), m["_person_id"].encode(), hashlib.sha256).hexdigest()
                for m in world["members"] if "_person_id" in m}
    assert keys - {None} == expected
    assert None in keys  # the unlinked members stay, without a key


def test_views_suppress_small_counts_at_village_and_subdistrict(spark, gold):
    raw = spark.table(f"{GOLD_DB}.area_indicators")
    view = spark.table(f"{GOLD_DB}.v_area_indicators")
    joined = raw.alias("r").join(view.alias("v"), on=["level", "area_code"], how="inner")
    rows = joined.select("level", F.col("r.poor_jpt_mofval_cnt").alias("raw"), F.col("v.poor_jpt_mofval_cnt").alias("shown"),
                         F.col("r.household_cnt").alias("raw_hh"), F.col("v.household_cnt").alias("shown_hh"),
                         F.col("v.jpt_mofval_pov_rate").alias("rate")).collect()
    assert len(rows) == raw.count()
    small = [r for r in rows if r["level"] in ("village", "subdistrict") and 0 < r["raw"] < 5]
    assert small, "the world must have a small count to suppress"
    assert all(r["shown"] is None and r["rate"] is None for r in small)
    assert all(r["shown"] == r["raw"] for r in rows if r["level"] in ("country", "province", "district"))
    assert all(r["shown"] == r["raw"] for r in rows if r["raw"] == 0 or r["raw"] >= 5)
    assert all((r["shown_hh"] is None) == (r["level"] in ("village", "subdistrict") and 0 < r["raw_hh"] < 5) for r in rows)
