"""Job `reference`: load the administrative areas and the published TPMAP 2561 figures into ref.*.

The files are small (the largest has 84 thousand rows), so they are read on the driver from
conf/reference/ — which travels with the code, also to a cluster — and written as Delta tables.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pyspark.sql import SparkSession

from jobs.config import PROJECT_ROOT, AppConfig
from jobs.options import JobOptions
from jobs.runs import JobRun
from jobs.tables import ensure_databases, save_table

DESCRIPTION = "Load reference tables (areas, published TPMAP 2561 figures) into the ref database"
REFERENCE_DIR = PROJECT_ROOT / "conf" / "reference"
LEVELS = ("country", "province", "district", "subdistrict", "village")
ATTRIBUTION = (
    "Areas: kongvut/thai-province-data (MIT, 2025-09) plus codes only the TPMAP 2561 survey uses; "
    "figures: TPMAP public extract for year 2561 (NESDC with NECTEC). See conf/reference/README.md."
)

PUBLISHED_MEANINGS = {
    "household.CNT": "households surveyed",
    "HOUSEMEMBER_CNT": "persons surveyed",
    "MOF_REG_CNT": "surveyed persons registered for the state welfare card",
    "MOF_VAL_CNT": "surveyed persons verified (card holders)",
    "ELDERLY_CNT": "surveyed persons aged 60+",
    "DISABLED_CNT": "surveyed persons with a disability",
    "CHRONICPATIENT_CNT": "surveyed persons with a chronic illness",
    "happiness": "mean self-rated happiness score",
    "poor.household.CNT": "households failing at least one of the 17 TPMAP indicators",
    "poor.JPT.CNT": "persons in BMN-poor households",
    "poor.JPT.MOFreg.CNT": "BMN-poor persons registered for the welfare card",
    "poor.JPT.MOFval.CNT": "target poor: BMN-poor persons verified as card holders",
    "poor.JPT.MOFval.health": "target poor deprived in the health dimension",
    "poor.JPT.MOFval.living": "target poor deprived in the living-conditions dimension",
    "poor.JPT.MOFval.education": "target poor deprived in the education dimension",
    "poor.JPT.MOFval.income": "target poor deprived in the income dimension",
    "poor.JPT.MOFval.accessibility": "target poor deprived in the access-to-public-services dimension",
    "JPT.MOFval.pov.rate": "target poor / persons surveyed x 100",
}
_PATTERNS = [
    (re.compile(r"indicator(\d+)\.ALL"), "persons in households where BMN indicator {} applies"),
    (re.compile(r"indicator(\d+)\.CNT"), "persons in households failing BMN indicator {}"),
    (re.compile(r"poor\.JPT\.MOFval\.ind(\d+)\.CNT"), "target poor deprived in BMN indicator {}"),
]
AREA_ID_COLUMNS = {
    "province_ID": "province_code",
    "amphur_ID": "district_code",
    "tumbol_ID": "subdistrict_code",
    "village_ID": "village_id",
}


def snake_name(published: str) -> str:
    """`poor.JPT.MOFval.ind1.CNT` -> `poor_jpt_mofval_ind1_cnt` (dots make SQL awkward)."""
    return AREA_ID_COLUMNS.get(published) or published.replace(".", "_").lower()


def published_comment(published: str) -> str:
    meaning = PUBLISHED_MEANINGS.get(published)
    for pattern, template in _PATTERNS:
        match = pattern.fullmatch(published)
        if match:
            meaning = template.format(match.group(1))
    return f"{meaning} (published column {published})" if meaning else f"published column {published}"


def _read_csv(relative: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / relative, dtype=str, keep_default_na=False, na_values=[""])


def provinces() -> pd.DataFrame:
    return _read_csv("admin/provinces.csv")


def districts() -> pd.DataFrame:
    admin = _read_csv("admin/districts.csv")
    extra = _read_csv("admin/districts_supplement.csv")
    frame = pd.concat([admin.assign(source="dopa"), extra.assign(source="tpmap2561")], ignore_index=True)
    return frame.drop_duplicates("district_code", keep="first")


def village_names() -> pd.DataFrame:
    """The 2559 village-name list; 75 names contain an unquoted comma, so split on the first one only."""
    with gzip.open(REFERENCE_DIR / "tpmap2561/village_names_bmn2559.csv.gz", "rt", encoding="utf-8") as handle:
        next(handle)
        pairs = [line.rstrip("\n").split(",", 1) for line in handle if line.strip()]
    return pd.DataFrame(pairs, columns=["village_code", "village_name"])


def villages() -> pd.DataFrame:
    """One row per 8-digit BMN village code, with the published 10-digit ids it covers (sorted)."""
    ids = _read_csv("tpmap2561/village_common.csv.gz")["village_ID"].sort_values(ignore_index=True)
    codes = ids.str[:8].to_numpy()
    # An id starts with its code, so sorted ids are grouped by code: one split, not a Python call per village.
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    grouped = pd.DataFrame({"village_code": codes[starts], "tpmap_village_ids": [a.tolist() for a in np.split(ids.to_numpy(), starts[1:])]})
    frame = grouped.merge(village_names().drop_duplicates("village_code"), on="village_code", how="left")
    frame["moo"] = frame["village_code"].str[6:8]
    frame["subdistrict_code"] = frame["village_code"].str[:6]
    frame["district_code"] = frame["village_code"].str[:4]
    frame["province_code"] = frame["village_code"].str[:2]
    return frame[["village_code", "moo", "village_name", "subdistrict_code", "district_code", "province_code", "tpmap_village_ids"]]


def subdistricts(district_frame: pd.DataFrame, village_frame: pd.DataFrame) -> pd.DataFrame:
    """DOPA subdistricts plus the survey's own units (municipal pseudo-subdistricts 51-58, retired codes)."""
    admin = _read_csv("admin/subdistricts.csv").assign(is_municipal=False, source="dopa")
    survey_codes = set(_read_csv("tpmap2561/subdistrict_common.csv")["tumbol_ID"]) | set(village_frame["subdistrict_code"])
    missing = sorted(survey_codes - set(admin["subdistrict_code"]))
    names = district_frame.set_index("district_code")
    rows = []
    for code in missing:
        number = int(code[4:])
        municipal = 51 <= number <= 58
        district = names.loc[code[:4]] if code[:4] in names.index else None
        dname_th = district["name_th"] if district is not None else code[:4]
        dname_en = district["name_en"] if district is not None else code[:4]
        rows.append(
            {
                "subdistrict_code": code,
                "district_code": code[:4],
                "province_code": code[:2],
                "name_th": f"เขตเทศบาล {number - 50} {dname_th}" if municipal else f"ตำบล {code} (รหัสสำรวจ จปฐ.)",
                "name_en": f"Municipal area {number - 50}, {dname_en}" if municipal else f"Survey subdistrict {code}",
                "postcode": None,
                "is_municipal": municipal,
                "source": "tpmap2561",
            }
        )
    return pd.concat([admin, pd.DataFrame(rows)], ignore_index=True)


def published_figures(level: str) -> pa.Table:
    """Common and target-poor files of one level joined on the area id; counts as integers, ids as text.

    Read with pyarrow's CSV reader (typed columns, no Python object per cell: the village files hold
    84 thousand rows of 113 columns).
    """
    suffix = ".gz" if level == "village" else ""
    common, poor = (_read_figures(f"tpmap2561/{level}_{part}.csv{suffix}") for part in ("common", "target_poor"))
    keys = [c for c in common.column_names if c in AREA_ID_COLUMNS]
    if not keys:  # the country: one row in each file
        return pa.Table.from_arrays([*common.columns, *poor.columns], names=[*common.column_names, *poor.column_names])
    if len(common) != len(poor) or len(common.group_by(keys).aggregate([])) != len(common):
        raise ValueError(f"{level}: the common and target-poor files must hold the same areas once each")
    joined = common.join(poor, keys=keys, join_type="full outer", coalesce_keys=True)
    return joined.select([*common.column_names, *[c for c in poor.column_names if c not in keys]])


def _read_figures(relative: str) -> pa.Table:
    ratios = ("happiness", "JPT.MOFval.pov.rate")
    path = REFERENCE_DIR / relative
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split(",")
    types = {c: pa.string() if c in AREA_ID_COLUMNS else pa.float64() if c in ratios else pa.int64() for c in header}
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))


AREA_COMMENTS = {
    "province_code": "Province code (2 digits; 10 = Bangkok)",
    "district_code": "District code (4 digits: province + 2)",
    "subdistrict_code": "Subdistrict code (6 digits: district + 2); 51-58 endings are the survey's municipal areas",
    "village_code": "BMN village code (8 digits: subdistrict + moo number)",
    "village_id": "Published TPMAP village id (10 digits: village code + 2-digit suffix)",
    "name_th": "Name in Thai",
    "name_en": "Name in English (romanised)",
    "region_th": "Region in Thai",
    "postcode": "Postal code",
    "is_municipal": "True for the survey's municipal pseudo-subdistricts (codes ending 51-58)",
    "source": "dopa = DOPA area list; tpmap2561 = code used only by the TPMAP 2561 survey (derived name)",
    "moo": "Village (moo) number within the subdistrict (2 characters; a few municipal communities use letters)",
    "village_name": "Village name from the BMN 2559 survey (null where the survey list has none)",
    "tpmap_village_ids": "Published 10-digit TPMAP village ids under this 8-digit code",
}


def _area_table(spark: SparkSession, frame: pd.DataFrame, table: str, comment: str, run: JobRun) -> None:
    df = spark.createDataFrame(frame)
    run.wrote(table, save_table(df, table, AREA_COMMENTS, table_comment=f"{comment}. {ATTRIBUTION}"))


def _figures_table(spark: SparkSession, level: str, run: JobRun) -> None:
    figures = published_figures(level)
    comments = {snake_name(c): (AREA_COMMENTS.get(snake_name(c)) or published_comment(c)) for c in figures.column_names}
    df = spark.createDataFrame(figures.rename_columns([snake_name(c) for c in figures.column_names]))
    table = f"ref.tpmap2561_{level}"
    run.wrote(table, save_table(df, table, comments, table_comment=f"Published TPMAP 2561 figures per {level}. {ATTRIBUTION}"))


class Options(JobOptions):
    """No options of its own."""


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    del config, args
    ensure_databases(spark)
    district_frame, village_frame = districts(), villages()
    _area_table(spark, provinces(), "ref.province", "Provinces", job_run)
    _area_table(spark, district_frame, "ref.district", "Districts", job_run)
    _area_table(
        spark, subdistricts(district_frame, village_frame), "ref.subdistrict", "Subdistricts and survey pseudo-subdistricts", job_run
    )
    _area_table(spark, village_frame, "ref.village", "BMN villages", job_run)
    for level in LEVELS:
        _figures_table(spark, level, job_run)


def reference_path(*parts: str) -> Path:
    return REFERENCE_DIR.joinpath(*parts)
