"""The generated world at run-all's scale (0.001): valid unique IDs, known codes, complete truth,
exact file accounting, and identical files for the same seed and scale."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import functions as F

from jobs import generate
from jobs.runs import JobRun


def _valid(pid: str) -> bool:
    if len(pid) != 13 or not pid.isdigit():
        return False
    check = (11 - sum((14 - i) * int(d) for i, d in enumerate(pid[:12], start=1)) % 11) % 10
    return check == int(pid[12])


@pytest.fixture(scope="module")
def world(pipeline, config):
    pipeline("generate")
    return Path(config.paths.resolved("landing")), config.paths.resolved("truth")


def test_registry_ids_valid_unique_and_codes_known(spark, world):
    landing, _ = world
    files = sorted((landing / "dopa_registry").glob("*/*.csv"))
    assert files
    frame = pd.read_csv(files[0], encoding="cp874", encoding_errors="replace", dtype=str, keep_default_na=False, on_bad_lines="skip", engine="python")
    frame = frame[frame["pid"].str.fullmatch(r"\d{13}")]
    assert len(frame) > 10_000
    assert frame["pid"].map(_valid).all()
    assert frame["pid"].is_unique
    assert set(frame["pid"].str[0]) <= {"1", "3", "6", "7", "8"}
    known = {r[0] for r in spark.table("ref.district").select("district_code").collect()}
    assert set(frame["district_code"]) <= known
    assert (frame["pid"].str[1:5] == frame["district_code"]).all()
    villages = {r[0] for r in spark.table("ref.village").select("village_code").collect()}
    assert set(frame.loc[frame["village_code"] != "", "village_code"]) <= villages


def test_truth_records_all_have_a_person(spark, world):
    _, truth = world
    records = spark.read.parquet(f"{truth}/records")
    persons = spark.read.parquet(f"{truth}/persons")
    assert records.join(persons, "person_id", "left_anti").count() == 0
    sources = {r[0] for r in records.select("source").distinct().collect()}
    assert sources == {"dopa_registry", "cdd_bmn_member", "mof_welfare", "dla_elderly", "dep_disability", "dcy_child_grant"}
    assert persons.groupBy("pid").count().where("count > 1").count() == 0
    assert records.groupBy("source", "record_key").count().where("count > 1").count() == 0


def test_files_account_for_every_line(spark, world):
    landing, truth = world
    files = spark.read.parquet(f"{truth}/files").collect()
    broken = spark.read.parquet(f"{truth}/broken_rows").toPandas()
    assert sum(1 for f in files if f.duplicate_of) == 1
    for f in files:
        path = landing / f.source / f.delivery / f.file
        if path.suffix == ".parquet":
            assert len(pd.read_parquet(path)) == f.data_rows
            continue
        lines = path.read_bytes().split(b"\n")
        if lines[-1] == b"":
            lines = lines[:-1]
        header = 1 if path.suffix == ".csv" else 0
        assert len(lines) - header == f.data_rows, f.file
        mine = broken[(broken.source == f.source) & (broken.delivery == f.delivery) & (broken.file == f.file)]
        assert len(mine) == f.broken_rows
        for row in mine.itertuples():
            assert lines[row.line_number - 1].startswith((b"X", b'{"')), (f.file, row.line_number)


def test_moved_addresses_are_recorded_and_stay_in_the_province(spark, world):
    """Welfare records written with the current address: about the configured 3 %, a real village of the
    registered province but not the registered village, and the file carries the written village."""
    landing, truth = world
    moved = spark.read.parquet(f"{truth}/errors").where("source = 'mof_welfare' AND error_kind = 'moved_address'").toPandas()
    records = spark.read.parquet(f"{truth}/records").where("source = 'mof_welfare'").count()
    assert 0.02 < len(moved) / records < 0.04, len(moved) / records
    assert (moved.true_value != moved.written_value).all()
    assert (moved.true_value.str[:2] == moved.written_value.str[:2]).all()
    villages = {r[0] for r in spark.table("ref.village").select("village_code").collect()}
    assert set(moved.written_value) <= villages
    frame = pd.concat(pd.read_csv(f, encoding="utf-8-sig", encoding_errors="replace", dtype=str, keep_default_na=False, on_bad_lines="skip", engine="python")
                      for f in sorted((landing / "mof_welfare").glob("2018-06-30/*.csv")))
    written = frame.set_index("application_no").village_code
    assert (written.reindex(moved.record_key).values == moved.written_value.values).all()


def test_same_seed_and_scale_give_identical_files(spark, config, world, tmp_path):
    landing, _ = world
    paths = config.paths.model_copy(update={"landing": str(tmp_path / "landing"), "truth": str(tmp_path / "truth")})
    copy = config.model_copy(update={"paths": paths})
    args = argparse.Namespace(scale=config.run_all.scale, seed=config.run_all.seed, source=["mof_welfare", "dcy_child_grant"])
    generate.run(spark, copy, args, JobRun("generate", vars(args)))
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    for source in args.source:
        again = sorted((tmp_path / "landing" / source).rglob("*.*"))
        first = sorted((landing / source).rglob("*.*"))
        assert [p.relative_to(tmp_path / "landing") for p in again] == [p.relative_to(landing) for p in first]
        assert [digest(p) for p in again] == [digest(p) for p in first]
    errors = spark.read.parquet(str(tmp_path / "truth" / "errors")).where(F.col("source") == "mof_welfare")
    assert errors.where("error_kind = 'duplicate_record'").count() > 0
