"""gold.person_welfare, gold.welfare_coverage against the hand-made world; the TPMAP-layout export."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from pyspark.sql import functions as F

from tests.gold.conftest import GOLD_DB


def _target_poor_persons(world):
    from tests.gold.test_areas import household_flags

    verified = {next(x[2] for x in world["xref"] if x[0] == r[0]) for r in world["mof"] if r[6] == "verified"}
    poor_hh = set()
    for h in world["households"]:
        ms = [m for m in world["members"] if m["hh_id"] == h["hh_id"]]
        if any(dep for _, dep in household_flags(h, ms).values()):
            poor_hh.add(h["hh_id"])
    surveyed = {m["_person_id"] for m in world["members"] if "_person_id" in m}
    poor = {m["_person_id"] for m in world["members"] if "_person_id" in m and m["hh_id"] in poor_hh}
    return surveyed, poor, poor & verified


def test_person_welfare_registry_only_elderly(spark, gold, config):
    from udfs.pseudonym import hmac_sha256

    key = spark.range(1).select(hmac_sha256(F.lit("R000"), config.pseudonym_secret()).alias("k")).first()["k"]
    row = spark.table(f"{GOLD_DB}.person_welfare").where(F.col("person_key") == key).first()
    assert (row["age"], row["age_band"], row["programs"], row["elderly_allowance_monthly"], row["monthly_total"]) == (
        78,
        "70-79",
        ["elderly_allowance"],
        600,
        600,
    )


def test_person_welfare_one_row_per_person_with_totals(spark, gold, world, catalogue):
    df = spark.table(f"{GOLD_DB}.person_welfare").toPandas()
    assert len(df) == len(world["persons"]) and df["person_key"].is_unique
    parts = df[["welfare_card_monthly", "elderly_allowance_monthly", "disability_allowance_monthly", "child_grant_monthly"]].sum(axis=1)
    assert (df["monthly_total"] == parts).all()
    assert df["receives_welfare_card"].sum() == len({r[0] for r in world["mof"] if r[6] == "verified"})
    assert (df.loc[df["receives_welfare_card"], "welfare_card_monthly"] == catalogue.welfare_card_monthly_baht).all()


@pytest.mark.parametrize(
    "program,records", [("elderly_allowance", "dla"), ("disability_allowance", "dep"), ("child_grant", "dcy"), ("welfare_card", "mof")]
)
def test_country_coverage_by_hand(spark, gold, world, program, records):
    surveyed, poor, target = _target_poor_persons(world)
    rows = world[records] if records != "mof" else [r for r in world["mof"] if r[6] == "verified"]
    recipients = {next(x[2] for x in world["xref"] if x[0] == r[0]) for r in rows}
    got = spark.table(f"{GOLD_DB}.welfare_coverage").where(f"level = 'country' AND program = '{program}'").first()
    assert got["recipients"] == len(recipients)
    assert got["target_poor"] == len(target) > 0
    assert got["target_poor_reached"] == len(target & recipients)
    assert got["target_poor_not_reached"] == len(target - recipients)
    assert got["recipients_not_poor"] == len((recipients & surveyed) - poor)
    assert got["recipients_not_surveyed"] == len(recipients - surveyed)
    eligible = {p for p in surveyed if _eligible(program, world, p, p in poor)}
    assert got["eligible_poor"] == len(eligible & poor) > 0
    assert got["eligible_poor_not_reached"] == len((eligible & poor) - recipients)
    assert got["eligible_target_poor_reached"] == len(eligible & target & recipients)
    assert got["recipients_not_eligible"] == len((recipients & surveyed) - eligible)


def _eligible(program, world, person_id, poor):
    """The programs' rules (conf/indicators.yaml) written again: age on 2018-06-30 from the birth date."""
    member = next(m for m in world["members"] if m.get("_person_id") == person_id)
    born, on = member["birth_date"], (2018, 6, 30)
    age = on[0] - born.year - (on[1:] < (born.month, born.day))
    return {
        "welfare_card": age >= 18 and poor,
        "elderly_allowance": age >= 60,
        "disability_allowance": bool(member["disabled"]),
        "child_grant": age <= 5 and poor,
    }[program]


def test_coverage_levels_add_up(spark, gold):
    df = spark.table(f"{GOLD_DB}.welfare_coverage").toPandas()
    assert set(df["level"]) == {"country", "province", "district", "subdistrict", "village"}
    for level in ("province", "village"):
        sums = df[df["level"] == level].groupby("program")["recipients"].sum()
        country = df[df["level"] == "country"].set_index("program")["recipients"]
        pd.testing.assert_series_equal(sums.sort_index(), country.sort_index(), check_names=False)


def test_export_province_uses_published_layout(spark, gold, tmp_path):
    from jobs.export_tpmap import export_level, published_header

    written = export_level(spark, "province", tmp_path, f"{GOLD_DB}.area_indicators")
    assert len(written) == 2
    for part in ("common", "target_poor"):
        with open(tmp_path / f"province_{part}.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0].keys()) == published_header("province", part)
        assert [r["province_ID"] for r in rows] == ["30", "31"]
    common = pd.read_csv(tmp_path / "province_common.csv", dtype=str)
    areas = spark.table(f"{GOLD_DB}.area_indicators").where("level = 'province'").orderBy("area_code").toPandas()
    assert list(common["HOUSEMEMBER_CNT"].astype(int)) == list(areas["housemember_cnt"])
    assert list(common["indicator22.CNT"].astype(int)) == list(areas["indicator22_cnt"])
    assert common["indicator2.ALL"].isna().all()  # not one of TPMAP's 17: left empty
    poor = pd.read_csv(tmp_path / "province_target_poor.csv", dtype=str)
    assert list(poor["poor.JPT.MOFval.CNT"].astype(int)) == list(areas["poor_jpt_mofval_cnt"])


def test_export_village_ids_and_bad_level(spark, gold, tmp_path):

    from jobs.export_tpmap import Options, export_level, validate

    export_level(spark, "village", tmp_path, f"{GOLD_DB}.area_indicators")
    ids = pd.read_csv(tmp_path / "village_common.csv", dtype=str)["village_ID"]
    assert list(ids) == ["3001010101", "3001010201", "3001020101", "3002010101", "3101010101"]
    with pytest.raises(ValueError, match="--level"):
        validate(Options(level="region"))
