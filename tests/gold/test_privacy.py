"""Privacy: keyed pseudonyms, no ID / phone / name in gold, the dev secret refused, the published tables
disclosure-controlled (nothing comes back by subtraction)."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tests.gold.conftest import GOLD_DB, PUBLIC_DB
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

    prod = config.model_copy(update={"env": "cluster"})
    monkeypatch.setenv(config.secrets.pseudonym_secret_env, DEV_PSEUDONYM_SECRET)
    with pytest.raises(ConfigError, match="development secret"):
        indicators.preflight(prod, indicators.Options(), ())
    with pytest.raises(ConfigError, match="development secret"):
        indicators.run(spark, prod, indicators.Options(), JobRun("indicators", {}))


def _gold_tables(spark):
    # Session temporary views (e.g. Splink's working views) are not gold tables.
    return [f"{db}.{t.name}" for db in (GOLD_DB, PUBLIC_DB) for t in spark.catalog.listTables(db) if not t.isTemporary]


def _table_text(df):
    """Every row as JSON text, without fractional columns (ratios: digits after a point are no identifier)."""
    kept = [f.name for f in df.schema.fields if not isinstance(f.dataType, (T.DoubleType, T.FloatType)) and f.name != "person_key"]
    return [r["v"] for r in df.select(F.to_json(F.struct(*kept)).alias("v")).collect()]


def test_no_identifier_phone_or_name_in_any_gold_table(spark, gold, world):
    pids = {m["pid"] for m in world["members"]} | {p[1] for p in world["persons"]}
    names = {m["first_name"] for m in world["members"]} | {m["last_name"] for m in world["members"]} | {p[3] for p in world["persons"]}
    plain_hashes = {hashlib.sha256(p.encode()).hexdigest() for p in pids}
    tables = _gold_tables(spark)
    assert {
        f"{GOLD_DB}.household_deprivation",
        f"{GOLD_DB}.person_poverty",
        f"{GOLD_DB}.person_welfare",
        f"{GOLD_DB}.area_indicators",
        f"{GOLD_DB}.welfare_coverage",
        f"{PUBLIC_DB}.area_indicators",
        f"{PUBLIC_DB}.welfare_coverage",
    } <= set(tables)
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
    expected = {
        hmac.new(config.pseudonym_secret().encode(), m["_person_id"].encode(), hashlib.sha256).hexdigest()
        for m in world["members"]
        if "_person_id" in m
    }
    assert keys - {None} == expected
    assert None in keys  # the unlinked members stay, without a key


def test_published_tables_hide_small_counts_at_every_level(spark, gold):
    from transforms.gold.privacy import area_count_columns

    raw = spark.table(f"{GOLD_DB}.area_indicators").toPandas().set_index(["level", "area_code"]).sort_index()
    shown = spark.table(f"{PUBLIC_DB}.area_indicators").toPandas().set_index(["level", "area_code"]).sort_index()
    assert raw.index.equals(shown.index)
    counts = area_count_columns(list(raw.columns))
    values, published = raw[counts].to_numpy(), shown[counts].astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
    small, hidden = (values > 0) & (values < 5), published != published
    levels = raw.index.get_level_values("level").to_numpy()
    assert set(levels[small.any(axis=1)]) >= {"village", "subdistrict", "district"}, "the world must have small counts above villages"
    assert hidden[small].all()  # every small count, at every level
    assert (published[~hidden] == values[~hidden]).all() and not hidden[values == 0].any()
    assert (hidden & ~small).any(), "small counts with visible siblings need complementary cells"
    rate_parts = shown["poor_jpt_mofval_cnt"].isna() | shown["housemember_cnt"].isna()
    assert shown.loc[rate_parts, "jpt_mofval_pov_rate"].isna().all()


def test_nothing_comes_back_by_subtraction_from_the_published_tables(spark, gold):
    from transforms.gold.privacy import recoverable

    area = spark.table(f"{PUBLIC_DB}.area_indicators").toPandas()
    cover = spark.table(f"{PUBLIC_DB}.welfare_coverage").toPandas()
    assert recoverable(area, cover).empty


def test_the_attack_recovers_cells_of_the_old_views(spark, gold, catalogue):
    """Hiding only small village and subdistrict counts (the old gold.v_* views) is undone by subtraction."""
    from transforms.gold.privacy import area_count_columns, recoverable

    area = spark.table(f"{GOLD_DB}.area_indicators").toPandas()
    cover = spark.table(f"{GOLD_DB}.welfare_coverage").toPandas()
    for frame, counts in (
        (area, area_count_columns(list(area.columns))),
        (
            cover,
            [
                "recipients",
                "target_poor",
                "target_poor_reached",
                "target_poor_not_reached",
                "recipients_not_poor",
                "recipients_not_surveyed",
            ],
        ),
    ):
        old = frame["level"].isin(["village", "subdistrict"])
        for column in counts:
            frame[column] = frame[column].astype("Int64").mask(old & frame[column].between(1, 4))
    assert len(recoverable(area, cover)) > 0


def test_hidden_cells_per_level_are_recorded(spark, gold):
    summary = spark.table("ops.disclosure").where(F.col("database") == PUBLIC_DB).toPandas()
    assert set(summary["level"]) == {"country", "province", "district", "subdistrict", "village"}
    assert summary["primary"].sum() > 0 and summary["complementary"].sum() > 0
