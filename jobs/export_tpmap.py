"""Job `export-tpmap`: public.area_indicators (disclosure-controlled) of one level and survey round (the latest,
or --round) as CSVs in the published TPMAP layout.

Writes <out>/<level>_common.csv and <out>/<level>_target_poor.csv with exactly the published
header (conf/reference/tpmap2561/<level>_*.csv): the same column names, order and area id columns.
BMN indicators outside TPMAP's 17, happiness, and anything else gold does not compute are left empty,
and so are the counts disclosure control hid (small counts and the cells that would give them back).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
from pydantic import Field
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config import AppConfig
from jobs.options import JobOptions
from jobs.publication import load_publication, read_published
from jobs.reference import REFERENCE_DIR, snake_name
from jobs.runs import JobRun

DESCRIPTION = "Export public.area_indicators of one level as CSVs in the published TPMAP column layout"
LEVELS = ("country", "province", "district", "subdistrict", "village")
PARTS = ("common", "target_poor")
_RATES = {"happiness", "JPT.MOFval.pov.rate"}


class Options(JobOptions):
    level: str = Field(default="province", description=f"one of {', '.join(LEVELS)} (default province)")
    out: str | None = Field(default=None, description="output folder (default <root>/exports/tpmap/<round>)")
    survey_round: int | None = Field(
        default=None, description="survey round (BE year) to export (default: the latest published)", json_schema_extra={"flag": "--round"}
    )


def validate(args: Options) -> Options:
    if args.level not in LEVELS:
        raise ValueError(f"--level must be one of {', '.join(LEVELS)}, not {args.level!r}")
    return args


def published_header(level: str, part: str) -> list[str]:
    """The published file's header, read from the reference copy that travels with the code."""
    name = f"tpmap2561/{level}_{part}.csv" + (".gz" if level == "village" else "")
    path = REFERENCE_DIR / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def to_published(frame: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """Columns renamed to the published names in the published order; missing ones empty."""
    out = pd.DataFrame(index=frame.index)
    for column in header:
        source = snake_name(column)
        if source in frame.columns:
            out[column] = frame[source] if column in _RATES else frame[source].astype("Int64")
        else:
            out[column] = pd.Series([pd.NA] * len(frame), index=frame.index, dtype="object")
    return out


def published_rows(spark: SparkSession, table: str, survey_round: int | None) -> tuple[DataFrame, str]:
    """The table as published, of one survey round (default the latest it holds), and that round."""
    rows = read_published(spark, table, load_publication(spark))
    chosen = str(survey_round) if survey_round is not None else rows.agg(F.max("survey_round")).first()[0]
    held = rows.where(F.col("survey_round") == F.lit(chosen))
    if chosen is None or held.isEmpty():
        raise ValueError(f"{table} holds no survey round {survey_round}" if survey_round else f"{table} is empty: run indicators first")
    return held, chosen


def export_level(
    spark: SparkSession, level: str, out: Path, table: str = "public.area_indicators", survey_round: int | None = None
) -> dict[str, int]:
    """The level's rows of one survey round (default the latest) as the two published CSVs in `out`."""
    return write_level(published_rows(spark, table, survey_round)[0], level, out)


def write_level(rows: DataFrame, level: str, out: Path) -> dict[str, int]:
    """One round's published area rows of `level` as the two published CSVs in `out`; rows per file."""
    rows = rows.where(F.col("level") == level)
    if level == "village":
        # Published ids are the 8-digit village code plus a 2-digit suffix, almost always 01.
        rows = rows.withColumn("village_id", F.concat(F.col("village_code"), F.lit("01")))
    frame = rows.orderBy("area_code").toPandas()
    for column in ("province_code", "district_code", "subdistrict_code", "village_id"):
        if column in frame.columns:
            frame[column] = frame[column].astype("string")
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for part in PARTS:
        header = published_header(level, part)
        path = out / f"{level}_{part}.csv"
        published = to_published(frame, header)
        for column in header:
            if snake_name(column) in ("province_code", "district_code", "subdistrict_code", "village_id"):
                published[column] = frame[snake_name(column)]
        published.to_csv(path, index=False)
        written[str(path)] = len(published)
    return written


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    rows, survey_round = published_rows(spark, "public.area_indicators", args.survey_round)
    out = Path(args.out) if args.out else Path(config.paths.resolved("root")) / "exports" / "tpmap" / survey_round
    written = write_level(rows, args.level, out)
    job_run.read("public.area_indicators", next(iter(written.values()), 0))
    for path, count in written.items():
        job_run.wrote(path, count)
