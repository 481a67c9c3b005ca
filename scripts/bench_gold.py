"""Benchmark and checks for the gold stage.

    python scripts/bench_gold.py --scale 0.01 0.1          # synthetic silver-shaped input, timings
    python scripts/bench_gold.py --lakehouse                # gold with the pipeline's vs the truth's linkage

Synthetic mode: builds silver-shaped households, members, linkage and welfare at scale S (S = 1 is
TPMAP 2561: 12.9 million households, ~73 thousand villages), computes the household facts once
(cached), then times (a) the village-level aggregation alone and (b) the one-pass ROLLUP over all five
levels, each on the same cached input, best of --repeat runs.

Lakehouse mode (needs silver.*, ref.* and <truth>/ from the pipeline): computes gold twice, with
silver.person_xref and with the truth's linkage, and prints the national target poor of both and their
relative difference (goal < 1 %), and the Spearman rank correlation of province target-poor rates with
the published 2561 rates (goal >= 0.8).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config import load_config
from jobs.indicators import area_names, load_catalogue, silver_inputs
from jobs.spark import get_spark
from transforms.gold import areas, deprivation, evaluation, persons
from transforms.gold.build import build_gold

HOUSEHOLDS_AT_1 = 12_935_866


def synthetic_inputs(spark: SparkSession, scale: float, seed: int = 7) -> dict[str, DataFrame]:
    n = max(1000, int(HOUSEHOLDS_AT_1 * scale))

    def r(i):
        return F.rand(seed + i)

    def yes(i, p_fail):
        return r(i) >= p_fail

    # 76 provinces x 12 districts x 8 subdistricts x 10 villages = 72,960 village codes.
    v = (F.col("id") * 7919) % 72960
    village = F.format_string(
        "%02d%02d%02d%02d", (v / 960).cast("int") + 10, ((v / 80).cast("int") % 12) + 1, ((v / 10).cast("int") % 8) + 1, (v % 10) + 1
    )
    hh = (
        spark.range(n)
        .withColumn("village_code", village)
        .withColumn("hh_id", F.format_string("%s-%05d", F.col("village_code"), (F.col("id") % 99999).cast("int")))
        .withColumn("hh_id", F.concat(F.col("hh_id"), F.lit("-"), F.col("id").cast("string")))
        .select(
            F.concat(F.lit("cdd_bmn:"), "hh_id").alias("record_id"),
            "hh_id",
            F.lit("2561").alias("survey_round"),
            "village_code",
            F.substring("village_code", 1, 6).alias("subdistrict_code"),
            F.substring("village_code", 1, 4).alias("district_code"),
            F.substring("village_code", 1, 2).alias("province_code"),
            F.struct(
                *[
                    yes(i, 0.01).alias(n_)
                    for i, n_ in enumerate(["labelled_packaged_food", "cooked_meat", "washed_vegetables", "hand_washing_serving_spoon"])
                ]
            ).alias("food_hygiene"),
            F.struct(
                *[
                    yes(10 + i, 0.01).alias(n_)
                    for i, n_ in enumerate(
                        ["reads_label", "stores_properly", "no_self_prescribed_antibiotics", "household_remedies_correct"]
                    )
                ]
            ).alias("medicine_use"),
            F.struct(yes(20, 0.01).alias("secure_tenure"), yes(21, 0.01).alias("durable_house")).alias("housing"),
            (r(22) * 20).alias("drinking_water_litres_min"),
            (r(23) * 200 + 20).alias("use_water_litres_min"),
            F.struct(
                *[
                    yes(30 + i, 0.005).alias(n_)
                    for i, n_ in enumerate(
                        [
                            "tidy",
                            "clean",
                            "ventilated",
                            "no_stagnant_water",
                            "garbage_managed",
                            "no_disease_vectors",
                            "toilet_hygienic",
                            "safe_from_hazards",
                        ]
                    )
                ]
            ).alias("home_hygiene"),
            F.struct(
                (r(40) * 30000).cast("long").alias("remittances"),
                F.lit(0).cast("long").alias("rent"),
                F.lit(0).cast("long").alias("pensions"),
                F.lit(0).cast("long").alias("allowances"),
            ).alias("income_other"),
            (r(41) * 10000).cast("long").alias("own_food_value"),
            (F.floor(r(42) * 5) + 1).cast("int").alias("member_count"),
        )
    )
    age = F.floor(r(50) * 90).cast("int")
    members = (
        hh.select(
            "hh_id",
            "member_count",
            "village_code",
            "subdistrict_code",
            "district_code",
            "province_code",
            F.explode(F.sequence(F.lit(1), F.col("member_count"))).alias("member_no"),
        )
        .withColumn("age", age)
        .select(
            F.format_string("cdd_bmn_member:%s-%02d", F.col("hh_id"), F.col("member_no")).alias("record_id"),
            "hh_id",
            "member_no",
            "age",
            F.when(r(51) < 0.5, "M").otherwise("F").alias("sex"),
            "village_code",
            "subdistrict_code",
            "district_code",
            "province_code",
            F.when(F.col("age") == 0, (r(52) * 2000 + 1800).cast("int")).alias("birth_weight_g"),
            F.when(F.col("age") >= 6, (r(53) * 8).cast("int")).alias("exercise_days_per_week"),
            F.when(F.col("age") >= 6, (r(54) * 90).cast("int")).alias("exercise_minutes_per_day"),
            F.when(F.col("age").between(3, 5), yes(55, 0.05)).alias("preschool_care"),
            F.when(F.col("age").between(6, 14), F.when(r(56) < 0.02, "not_in_school").otherwise("in_school")).alias("schooling"),
            F.when(F.col("age").between(15, 16), yes(57, 0.5)).alias("finished_m3_last_year"),
            F.when(F.col("age").between(15, 16), yes(58, 0.1)).alias("continued_m4"),
            F.when(F.col("age").between(15, 59), yes(59, 0.01)).alias("literate_numerate"),
            F.when(F.col("age") >= 15, F.when(r(60) < 0.05, "none").otherwise("farmer")).alias("occupation"),
            F.when(F.col("age") >= 15, (r(61) * 150000).cast("long")).otherwise(F.lit(0).cast("long")).alias("income_main"),
            F.lit(0).cast("long").alias("income_secondary"),
            F.when(F.col("age").between(15, 59), r(62) < 0.1).alias("full_time_student"),
            (r(63) < 0.015).alias("disabled"),
            yes(64, 0.3).alias("disability_self_care"),
            (r(65) < 0.02).alias("chronic_illness"),
            F.when(F.col("age") >= 60, yes(66, 0.01)).alias("elderly_care"),
            yes(67, 0.01).alias("disability_care"),
        )
    )
    xref = members.select("record_id", F.lit("cdd_bmn_member").alias("source"), F.col("record_id").alias("person_id"))
    mof = members.where(r(70) < 0.3).select(
        F.concat(F.lit("mof_welfare:"), "record_id").alias("record_id"),
        F.col("record_id").alias("_pid"),
        F.when(r(71) < 0.8, "verified").otherwise("registered").alias("welfare_status"),
    )
    xref = xref.unionByName(mof.select("record_id", F.lit("mof_welfare").alias("source"), F.col("_pid").alias("person_id")))
    person_rows = members.select(
        F.col("record_id").alias("person_id"),
        "sex",
        F.expr("date_sub(date'2018-06-30', age * 365)").alias("birth_date"),
        "village_code",
        "subdistrict_code",
        "district_code",
        "province_code",
    )

    def empty_program(amount):
        return spark.createDataFrame([], f"record_id string, {amount} int")

    return {
        "households": hh,
        "members": members,
        "xref": xref,
        "persons": person_rows,
        "welfare_registry": mof.drop("_pid"),
        "elderly_allowance": empty_program("monthly_amount"),
        "disability_allowance": empty_program("allowance_monthly"),
        "child_grant": empty_program("amount_monthly"),
    }


def household_facts(inputs: dict[str, DataFrame], catalogue, secret: str) -> DataFrame:
    keys = ["hh_id", "survey_round"] if "survey_round" in inputs["members"].columns else ["hh_id"]
    hh = deprivation.with_household_deprivation(inputs["households"], inputs["members"], catalogue)
    from udfs.pseudonym import hmac_sha256

    people = persons.with_person_poverty(
        inputs["members"], hh, inputs["xref"], inputs["welfare_registry"], lambda c: hmac_sha256(c, secret), catalogue.elderly_age_min, keys
    )
    return hh.join(persons.household_person_counts(people, keys), on=keys, how="left").fillna(0)


def _best_of(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def bench(spark: SparkSession, scale: float, repeat: int, catalogue, secret: str) -> None:
    started = time.perf_counter()
    facts = household_facts(synthetic_inputs(spark, scale), catalogue, secret).cache()
    households = facts.count()
    prepare = time.perf_counter() - started
    measures = areas.area_measures(catalogue)

    def village_only():
        return facts.groupBy(*deprivation.AREA_CODES).agg(*measures).write.format("noop").mode("overwrite").save()

    def all_levels():
        return areas.aggregate_all_levels(facts, catalogue).write.format("noop").mode("overwrite").save()

    def five_jobs():
        return [facts.groupBy(*deprivation.AREA_CODES[:i]).agg(*measures).write.format("noop").mode("overwrite").save() for i in range(5)]

    t_village = _best_of(repeat, village_only)
    t_all = _best_of(repeat, all_levels)
    t_five = _best_of(repeat, five_jobs)
    rows = areas.aggregate_all_levels(facts, catalogue).count()
    print(f"S={scale}: {households:,} households (facts built and cached in {prepare:.1f} s); {rows:,} area rows", flush=True)
    print(f"  village level alone      {t_village:7.2f} s", flush=True)
    print(f"  all 5 levels, one ROLLUP {t_all:7.2f} s  ({t_all / t_village:.2f} x village)", flush=True)
    print(f"  5 separate groupBys      {t_five:7.2f} s  ({t_five / t_village:.2f} x village)", flush=True)
    facts.unpersist()


def lakehouse_checks(spark: SparkSession, config, catalogue, secret: str) -> None:
    inputs = {name: spark.table(table) for name, table in silver_inputs().items()}
    names = area_names(spark)
    ours = build_gold(inputs, names, catalogue, secret).area_indicators.cache()
    truth = config.paths.resolved("truth")
    truth_inputs = dict(inputs, xref=evaluation.truth_xref(spark.read.parquet(f"{truth}/records")))
    theirs = build_gold(truth_inputs, names, catalogue, secret).area_indicators
    tp_ours = ours.where("level = 'country'").first()["poor_jpt_mofval_cnt"]
    tp_truth = theirs.where("level = 'country'").first()["poor_jpt_mofval_cnt"]
    diff = abs(tp_ours - tp_truth) / tp_truth * 100 if tp_truth else float("nan")
    print(
        f"target poor nationally: pipeline linkage {tp_ours:,}, truth linkage {tp_truth:,}, difference {diff:.2f} % (goal < 1 %)",
        flush=True,
    )
    published = spark.table("ref.tpmap2561_province").select("province_code", F.col("jpt_mofval_pov_rate").alias("rate")).toPandas()
    rho = evaluation.spearman(evaluation.province_rates(ours).toPandas(), published)
    print(f"province target-poor rates vs published 2561: Spearman {rho:.3f} (goal >= 0.8)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, nargs="*", default=[0.01, 0.1])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--lakehouse", action="store_true", help="check the pipeline's gold against truth and published")
    parser.add_argument("--env", default=os.environ.get("TPMAP_ENV", "local"))
    args = parser.parse_args()
    config = load_config(args.env)
    catalogue = load_catalogue()
    spark = get_spark(config, app_name="tpmap-bench-gold", extra={"spark.sql.shuffle.partitions": "4"})
    secret = config.pseudonym_secret()
    if args.lakehouse:
        lakehouse_checks(spark, config, catalogue, secret)
    else:
        for scale in args.scale:
            bench(spark, scale, args.repeat, catalogue, secret)
    spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
