"""Benchmark of the silver standardisation: rows per second per source, and the share of time in pandas UDFs.

Two inputs:
  --lakehouse   the bronze tables of the current lakehouse (run `python -m jobs run-all --to ingest --scale 0.01`
                first; TPMAP_ROOT picks the lakehouse);
  --synthetic N (default) N bronze-shaped rows per source built here from PyThaiNLP's name lists with the
                sources' formats and errors (glued titles, zero-width characters, BE/CE, 00 days, Excel IDs).
Each source is standardised twice, written to Spark's `noop` sink: as the job does it, and with the
phonetic-key pandas UDF replaced by a constant; the difference is the time spent in the UDF.

    python scripts/bench_standardize.py --synthetic 200000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from jobs.config import load_config  # noqa: E402
from jobs.spark import get_spark  # noqa: E402
from jobs.standardize import known_area_codes, load_settings, outputs_of  # noqa: E402
from transforms.silver import pipeline  # noqa: E402

SYNTHETIC_SOURCES = ("dopa_registry", "mof_welfare", "dla_elderly", "dep_disability")


def check_digit(first12: str) -> str:
    return str((11 - sum((14 - i) * int(d) for i, d in enumerate(first12, start=1)) % 11) % 10)


def synthetic_bronze(spark, source: str, rows: int, seed: int):
    """Bronze-shaped rows of one source: strings as delivered, with the errors real files carry."""
    from pythainlp.corpus import thai_family_names, thai_female_names, thai_male_names

    rnd = random.Random(seed)
    first = sorted(thai_male_names()) + sorted(thai_female_names())
    last = sorted(thai_family_names())
    areas = [r.village_code for r in spark.table("ref.village").select("village_code").limit(2000).collect()]
    data = []
    for n in range(rows):
        body = f"{rnd.randint(1, 5)}{rnd.randint(10**10, 10**11 - 1)}"
        pid = body + check_digit(body)
        if source == "dla_elderly" and rnd.random() < 0.3:
            pid = f"{pid[0]}.{pid[1:12]}E+12"  # Excel, last digit lost
        elif rnd.random() < 0.2:
            pid = f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"
        title = rnd.choice(["นาย", "นาง", "นางสาว", "ด.ช.", ""])
        name = rnd.choice(first)
        if rnd.random() < 0.2:
            name, title = title + name, ""
        if rnd.random() < 0.05:
            name = name[:2] + "\u200b" + name[2:]
        year = rnd.randint(2480, 2560) if rnd.random() > 0.05 else rnd.randint(1937, 2017)
        day, month = rnd.choice(["00", f"{rnd.randint(1, 28):02d}"]), f"{rnd.randint(0, 12):02d}"
        birth = {"mof_welfare": f"{year}{month}{day}", "dep_disability": f"{year}-{month}-{day}"}.get(source, f"{day}/{month}/{year}")
        village = rnd.choice(areas)
        phone = rnd.choice(["081-234-5678", "+66812345678", "0812345678", "02-123-4567", "12345", None])
        data.append((f"K{n}", pid, title, name, rnd.choice(last), rnd.choice(["1", "2"]), birth, phone, village, "2018-06-30", "bench"))
    frame = pd.DataFrame(
        data,
        columns=["key", "pid", "title", "first_name", "last_name", "sex", "birth_date", "phone", "village_code", "_delivery", "_batch_id"],
    )
    df = spark.createDataFrame(frame)
    df = (
        df.withColumn("subdistrict_code", F.substring("village_code", 1, 6))
        .withColumn("district_code", F.substring("village_code", 1, 4))
        .withColumn("province_code", F.substring("village_code", 1, 2))
        .withColumn("_ingested_at", F.current_timestamp())
        .withColumn("_line_number", F.monotonically_increasing_id())
    )
    extra = {
        "dopa_registry": {"house_code": F.concat(F.col("district_code"), F.lit("0012345")), "status": F.lit("alive")},
        "mof_welfare": {"application_no": F.col("key"), "house_no": F.lit("1"), "declared_income": F.lit("36,000"), "status": F.lit("verified"), "registered_date": F.lit("25600715")},
        "dla_elderly": {"recipient_no": F.col("key"), "local_office_code": F.lit("6300101"), "monthly_amount": F.lit("1,000"), "paid_month": F.lit("2561-10")},
        "dep_disability": {"card_no": F.col("key"), "disability_type": F.lit("visual"), "card_issued_date": F.lit("2560-01-31"), "card_expiry_date": F.lit("2566-01-30"), "allowance_monthly": F.lit("800")},
    }[source]
    for name, value in extra.items():
        df = df.withColumn(name, value)
    if source == "dopa_registry":
        df = df.withColumn("pid", F.regexp_replace("pid", "-", ""))
    return df.drop("key").cache()


def timed(df) -> float:
    started = time.perf_counter()
    df.write.format("noop").mode("overwrite").save()
    return time.perf_counter() - started


def constant_keys(engine: str):
    del engine
    return lambda df: df.withColumn("first_name_key", F.lit("k")).withColumn("last_name_key", F.lit("k"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--lakehouse", action="store_true", help="benchmark the bronze tables of the current lakehouse")
    group.add_argument("--synthetic", type=int, default=200_000, help="rows per source to build (default 200000)")
    parser.add_argument("--env", default="local")
    args = parser.parse_args()

    config = load_config(args.env)
    spark = get_spark(config, app_name="bench-standardize")
    settings = load_settings()
    if not spark.catalog.tableExists("ref.village"):
        sys.exit("ref.* missing: run `python -m jobs reference` first")
    known = {level: F.broadcast(df.cache()) for level, df in known_area_codes(spark).items()}
    sources = [s for s in ("dopa_registry", "cdd_bmn", "mof_welfare", "dla_elderly", "dep_disability", "dcy_child_grant")
               if spark.catalog.tableExists(f"bronze.{s}")] if args.lakehouse else list(SYNTHETIC_SOURCES)  # fmt: skip
    print(f"{'output':<18} {'rows in':>9} {'rows out':>9} {'seconds':>8} {'in/s':>9} {'out/s':>9} {'UDF share':>9}")
    for source in sources:
        bronze = spark.table(f"bronze.{source}").cache() if args.lakehouse else synthetic_bronze(spark, source, args.synthetic, seed=len(source))
        rows = bronze.count()  # materialise the input: time the standardisation only
        for output in outputs_of(source, settings, known):
            full = timed(bronze.transform(output.transform))
            real = pipeline.with_phonetic_keys
            pipeline.with_phonetic_keys = constant_keys
            try:
                rebuilt = [o for o in outputs_of(source, settings, known) if o.table == output.table][0]
                without_udf = timed(bronze.transform(rebuilt.transform))
            finally:
                pipeline.with_phonetic_keys = real
            share = max(full - without_udf, 0.0) / full
            rows_out = bronze.transform(output.transform).count()  # untimed: e.g. BMN members out of households in
            print(f"{output.table:<18} {rows:>9} {rows_out:>9} {full:>8.1f} {rows / full:>9.0f} {rows_out / full:>9.0f} {share:>9.0%}")
        bronze.unpersist()
    spark.stop()


if __name__ == "__main__":
    main()
