"""Benchmark: bronze ingest rows per second per source.

    python scripts/bench_ingest.py [--scale 0.01] [--seed 2561] [--root DIR] [--synthetic-rows N] [--reuse-landing]

Runs on a throw-away lakehouse (its own --root, never the shared lakehouse/). The landing zone comes
from the generate job at --scale when that job exists; otherwise (or with --synthetic-rows) each source
gets one file of N copies of a hand-written record with a few broken lines, so the ingest path can be
measured before the generator lands. With --reuse-landing and a --root whose landing zone already holds
files (e.g. from `python -m jobs generate`), those files are ingested as they are, so the lakehouse can go
on with `run-all --from standardize`. Prints one line per source: files, MB on the landing zone, rows read and
loaded, seconds, rows/s and MB/s (MB counts every file under the source, duplicates included). TPMAP_ENV picks
the environment (e.g. one with a smaller driver heap).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEMPLATES = {
    "dopa_registry": (
        "pid,title,first_name,last_name,sex,birth_date,house_code,village_code,subdistrict_code,district_code,province_code,status",
        "3100600445635,นาย,สมชาย,ใจดี,1,12/05/2510,30010012345,30010101,300101,3001,30,alive",
        "cp874",
    ),
    "mof_welfare": (
        "application_no,pid,title,first_name,last_name,birth_date,phone,house_no,village_code,subdistrict_code,district_code,province_code,declared_income,status,registered_date",
        "A{n},3100600445635,นาง,สมศรี,ใจงาม,25100512,081-234-5678,12/3,30010101,300101,3001,30,36000,verified,25601001",
        "utf-8-sig",
    ),
    "dla_elderly": (
        "recipient_no,pid,title,first_name,last_name,birth_date,local_office_code,subdistrict_code,district_code,province_code,monthly_amount,paid_month,",
        'R{n},3.10060044563E+12,นาย,สมชาย,ใจดี,12/05/2490,6300101,300101,3001,30,"1,000",2561-06,',
        "utf-8-sig",
    ),
    "dep_disability": (
        None,
        '{{"card_no": "D{n}", "pid": "3100600445635", "first_name": "สมชาย", "disability_type": "visual", "allowance_monthly": 800}}',
        "utf-8",
    ),
    "cdd_bmn": (
        None,
        '{{"survey_round": "2561", "hh_id": "30010101-{n:05d}", "village_code": "30010101", "housing": {{"secure_tenure": "y"}}, '
        '"members": [{{"member_no": 1, "pid": "3300100123456", "first_name": "สมชาย", "age": 51}}]}}',
        "utf-8",
    ),
}


def write_synthetic(landing: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    for source, (header, template, encoding) in TEMPLATES.items():
        lines = [header] if header else []
        for n in range(rows):
            lines.append("broken,line" if n % 1000 == 999 else template.format(n=n))
        path = landing / source / "2018-06-30" / f"{source}.{'csv' if header else 'jsonl'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    table = pa.table(
        {
            "application_no": [f"C{n}" for n in range(rows)],
            "child_pid": pa.array([None] * rows, pa.string()),
            "amount_monthly": pa.array([600] * rows, pa.int32()),
        }
    )
    path = landing / "dcy_child_grant" / "2018-06-30" / "dcy_child_grant.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    path.write_bytes(buffer.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2561)
    parser.add_argument("--root", default=None, help="throw-away lakehouse root (default: a new temp folder)")
    parser.add_argument("--synthetic-rows", type=int, default=None, help="skip the generator; N rows per source")
    parser.add_argument("--reuse-landing", action="store_true", help="ingest the landing zone already under --root")
    args = parser.parse_args()
    os.environ["TPMAP_ROOT"] = args.root or tempfile.mkdtemp(prefix="tpmap-bench-ingest-")

    from jobs import ingest, run_all
    from jobs.config import load_config
    from jobs.registry import available_jobs, load_job
    from jobs.runs import JobRun
    from jobs.spark import get_spark
    from jobs.tables import ensure_databases
    from transforms.contracts import load_contracts

    config = load_config(os.environ.get("TPMAP_ENV", "local"))
    spark = get_spark(config, app_name="tpmap-bench-ingest", extra={"spark.sql.shuffle.partitions": "2"})
    ensure_databases(spark)
    landing = config.paths.resolved("landing")
    if args.reuse_landing:
        if not any(Path(landing).glob("*/*/*")):
            parser.error(f"--reuse-landing: no delivery files under {landing}")
        print(f"landing: reusing {landing}")
    elif args.synthetic_rows or "generate" not in available_jobs():
        rows = args.synthetic_rows or 100_000
        print(f"landing: synthetic, {rows:,} rows per source (generator {'skipped' if args.synthetic_rows else 'not available'})")
        write_synthetic(Path(landing), rows)
    else:
        print(f"landing: generate --scale {args.scale} --seed {args.seed}")
        for name in ("reference", "generate"):
            options = run_all.stage_options(name, config, run_all.Options(scale=args.scale, seed=args.seed))
            load_job(name).run(spark, config, options, JobRun(name, {}))

    print(f"{'source':<16} {'files':>5} {'MB':>7} {'rows read':>11} {'loaded':>11} {'seconds':>8} {'rows/s':>9} {'MB/s':>6}")
    total_rows = total_seconds = 0.0
    with ingest._read_settings(spark):
        for name, contract in load_contracts().items():
            job_run = JobRun("ingest", {"source": [name]})
            started = time.monotonic()
            ingest.ingest_source(spark, contract, landing, job_run)
            seconds = time.monotonic() - started
            read = sum(job_run.rows_read.values())
            loaded = job_run.rows_written.get(f"bronze.{name}", 0)
            megabytes = sum(f.stat().st_size for f in Path(landing, name).rglob("*") if f.is_file()) / 1e6
            total_rows, total_seconds = total_rows + read, total_seconds + seconds
            print(
                f"{name:<16} {len(job_run.rows_read):>5} {megabytes:>7.0f} {read:>11,} {loaded:>11,} {seconds:>8.1f} "
                f"{read / seconds:>9,.0f} {megabytes / seconds:>6.1f}"
            )
            print("    " + ", ".join(f"{phase} {sec:.1f}" for phase, sec in job_run.phase_seconds.items()))
    print(f"{'all':<16} {'':>5} {'':>7} {total_rows:>11,.0f} {'':>11} {total_seconds:>8.1f} {total_rows / total_seconds:>9,.0f}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
