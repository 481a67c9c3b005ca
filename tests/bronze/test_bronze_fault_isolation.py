"""One bad file never stops a run: each case on tiny hand-written files, next to good files that must still load.

Every test checks the accounting too: rows read = loaded + quarantined for every file, nothing lost.
"""

from __future__ import annotations

import gzip
import io
import os
import stat

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql import functions as F
from test_bronze_bad_inputs import DOPA_HEADER, cp874, dopa_line

from jobs import ingest
from jobs.ingest_ledger import FILES_TABLE


def files_by_name(land) -> dict:
    return {r.file: r for r in land.files().collect()}


def assert_balanced(land) -> None:
    """rows_read = rows_loaded + rows_quarantined per file, and the tables hold exactly those rows."""
    files = land.files().collect()
    for r in files:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined, r.file
    assert land.bronze().count() == sum(r.rows_loaded for r in files)
    file_rows = land.quarantine().where("line_number IS NULL").count()
    assert land.quarantine().count() - file_rows == sum(r.rows_quarantined for r in files)
    assert file_rows == sum(1 for r in files if r.status == "quarantined_file" and r.rows_read == 0)


def test_truncated_gzip_is_quarantined_with_its_cause_and_the_rest_loads(landing):
    land = landing("dopa_registry")
    whole = gzip.compress(cp874(DOPA_HEADER, *[dopa_line(f"31006004456{i:02d}") for i in range(99)]))
    land.write("d1", "cut.csv.gz", whole[: len(whole) // 2])
    land.write("d1", "whole.csv.gz", whole)
    land.write("d1", "plain.csv", cp874(DOPA_HEADER, dopa_line("3100600445635")))
    land.ingest()
    files = files_by_name(land)
    assert files["cut.csv.gz"].status == "quarantined_file"
    assert "java.io.EOFException: Unexpected end of input stream" in files["cut.csv.gz"].file_reason
    assert (files["whole.csv.gz"].status, files["whole.csv.gz"].rows_loaded) == ("loaded", 99)
    assert (files["plain.csv"].status, files["plain.csv"].rows_loaded) == ("loaded", 1)
    assert land.quarantined() == [("cut.csv.gz", None, "unreadable_file")]
    assert sorted(r._line_number for r in land.bronze().where("_source_file = 'whole.csv.gz'").collect()) == list(range(2, 101))
    assert_balanced(land)


ODD_NAMES = ["a:b.csv", "x[1].csv", "{y}.csv", "st*r.csv", "q?.csv", "sp ace.csv", "pc%20t.csv", "ไทย.csv", "ok.csv"]


def test_odd_file_and_folder_names_are_read_literally(landing):
    land = landing("dopa_registry")
    for i, name in enumerate(ODD_NAMES):
        land.write("2018-06-30", name, cp874(DOPA_HEADER, dopa_line(f"31006004456{i:02d}"), dopa_line(f"12345456787{i:02d}")))
    land.write("ส่ง [2] {x}", "a:b.csv", cp874(DOPA_HEADER, dopa_line("3300100123456")))
    land.ingest()
    assert {(r.delivery, r.file, r.status, r.rows_loaded) for r in land.files().collect()} == {
        *{("2018-06-30", name, "loaded", 2) for name in ODD_NAMES},
        ("ส่ง [2] {x}", "a:b.csv", "loaded", 1),
    }
    rows = land.bronze().select("_delivery", "_source_file", "_line_number", "pid").collect()
    assert sorted((r._source_file, r._line_number, r.pid) for r in rows if r._delivery == "2018-06-30") == sorted(
        (name, line, f"{prefix}{i:02d}") for i, name in enumerate(ODD_NAMES) for line, prefix in ((2, "31006004456"), (3, "12345456787"))
    )
    assert land.quarantined() == []


def test_files_split_into_many_pieces_keep_their_line_numbers(landing, monkeypatch):
    """Splits of 400 bytes (a line is about 120): every file is read in many partitions, lines cut by a split
    boundary, and lines are still numbered as in the file."""
    monkeypatch.setitem(ingest.READ_SETTINGS, "spark.sql.files.maxPartitionBytes", "400")
    monkeypatch.setitem(ingest.READ_SETTINGS, "spark.sql.files.openCostInBytes", "400")
    land = landing("dopa_registry")
    lines = [dopa_line(f"31006004{i:05d}") if i % 7 else "broken" for i in range(1, 40)]
    land.write("d1", "one.csv", cp874(DOPA_HEADER, *lines))
    land.write("d1", "two.csv", cp874(DOPA_HEADER, *lines[:5], final_newline=False))
    land.ingest()
    got = sorted((r._source_file, r._line_number, r.pid) for r in land.bronze().collect())
    expected = [("one.csv", i + 1, f"31006004{i:05d}") for i in range(1, 40) if i % 7] + [
        ("two.csv", i + 1, f"31006004{i:05d}") for i in range(1, 6)
    ]
    assert got == sorted(expected)
    assert land.quarantined() == sorted(("one.csv", i + 1, "wrong_column_count") for i in range(1, 40) if i % 7 == 0)
    assert_balanced(land)


def test_corrupt_parquet_keeps_its_cause_and_others_load(landing):
    land = landing("dcy_child_grant")
    table = pa.table({"application_no": [f"C{i}" for i in range(50)], "child_first_name": ["x" * 40] * 50})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="none")
    good = buffer.getvalue()
    land.write("d1", "good.parquet", good)
    land.write("d1", "not.parquet", b"PAR1 this is not parquet")
    # A readable footer over a damaged first page: the failure only shows when the rows are read.
    land.write("d1", "pages.parquet", good[:4] + b"\x00" * 16 + good[20:])
    land.ingest()
    files = files_by_name(land)
    assert (files["good.parquet"].status, files["good.parquet"].rows_loaded) == ("loaded", 50)
    assert files["not.parquet"].status == "quarantined_file"
    assert "is not a Parquet file" in files["not.parquet"].file_reason
    assert files["pages.parquet"].status == "quarantined_file"
    assert "Py4J" not in files["pages.parquet"].file_reason and "Exception" in files["pages.parquet"].file_reason
    assert land.quarantined() == [("not.parquet", None, "unreadable_file"), ("pages.parquet", None, "unreadable_file")]
    assert_balanced(land)


@pytest.mark.slow  # a file removed between listing and reading (19 s): in make test-slow, so CI
def test_a_file_that_vanishes_after_listing_is_quarantined(landing, monkeypatch):
    land = landing("dopa_registry")
    land.write("d1", "good.csv", cp874(DOPA_HEADER, dopa_line("3100600445635")))
    gone = land.write("d1", "gone.csv", cp874(DOPA_HEADER, dopa_line("1234545678781")))
    survey = ingest.survey_source

    def survey_then_delete(*args):
        found = survey(*args)
        gone.unlink()
        return found

    monkeypatch.setattr(ingest, "survey_source", survey_then_delete)
    land.ingest()
    files = files_by_name(land)
    assert files["gone.csv"].status == "quarantined_file"
    assert "FileNotFoundException" in files["gone.csv"].file_reason
    assert (files["good.csv"].status, files["good.csv"].rows_loaded) == ("loaded", 1)
    assert_balanced(land)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_quarantined(landing):
    land = landing("dopa_registry")
    land.write("d1", "good.csv", cp874(DOPA_HEADER, dopa_line("3100600445635")))
    locked = land.write("d1", "locked.csv", cp874(DOPA_HEADER, dopa_line("1234545678781")))
    locked.chmod(0)
    try:
        land.ingest()
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)
    files = files_by_name(land)
    assert files["locked.csv"].status == "quarantined_file" and "ermission denied" in files["locked.csv"].file_reason
    assert files["good.csv"].rows_loaded == 1


def test_hidden_entries_and_empty_folders_are_recorded_as_ignored_once(landing):
    land = landing("dopa_registry")
    land.write("d1", "good.csv", cp874(DOPA_HEADER, dopa_line("3100600445635")))
    land.write("d1", "_SUCCESS", b"")
    land.write("d1", ".good.csv.crc", b"crc")
    land.write("_staging", "half.csv", cp874(DOPA_HEADER, dopa_line("1234545678781")))
    (land.root / land.source / "2018-07-31").mkdir(parents=True)
    land.ingest()
    land.ingest()
    files = {(r.delivery, r.file): (r.status, r.file_reason) for r in land.files().collect()}
    assert files == {
        ("d1", "good.csv"): ("loaded", None),
        ("d1", "_SUCCESS"): ("ignored", "hidden file: names starting with '_' are not deliveries"),
        ("d1", ".good.csv.crc"): ("ignored", "hidden file: names starting with '.' are not deliveries"),
        ("", "_staging"): ("ignored", "hidden folder: names starting with '_' are not deliveries"),
        ("", "2018-07-31"): ("ignored", "empty folder: nothing to load"),
    }
    assert land.bronze().count() == 1


def test_python_dict_and_other_lenient_json_is_invalid(landing):
    land = landing("cdd_bmn")
    good = '{"hh_id": "10010101-00001", "members": [{"member_no": 1, "first_name": "สมชาย"}]}'
    lenient = [
        "{'hh_id': '10010101-00002', 'members': []}",
        '{hh_id: "10010101-00003"}',
        '{"hh_id": "10010101-00004" /* checked */}',
        '{"hh_id": "10010101-00005", "own_food_value": NaN}',
        '{"hh_id": "10010101-00006", "own_food_value": -Infinity}',
        '{"hh_id": "10010101-00007", "own_food_value": 0500}',
        '{"hh_id": "10010101-00008"}{"hh_id": "10010101-00009"}',
    ]
    land.write("d1", "bmn.jsonl", ("\n".join([good, *lenient]) + "\n").encode())
    land.ingest()
    assert land.quarantined() == [("bmn.jsonl", line, "invalid_json") for line in range(2, 9)]
    assert [r.hh_id for r in land.bronze().collect()] == ["10010101-00001"]
    assert_balanced(land)


def test_nul_bytes_and_over_long_fields_have_their_own_reasons(landing):
    csv_land = landing("dopa_registry")
    long_name = "ก" * 4001
    csv_land.write(
        "d1",
        "dopa.csv",
        cp874(
            DOPA_HEADER,
            dopa_line("3100600445635"),
            dopa_line("1234545678781", first="สม\x00ชาย"),
            dopa_line("3300100123456", first=long_name),
        ),
    )
    csv_land.ingest()
    assert csv_land.quarantined() == [("dopa.csv", 3, "nul_byte"), ("dopa.csv", 4, "field_too_long")]
    reasons = {r.line_number: r.reason for r in csv_land.quarantine().collect()}
    assert reasons[4] == "field(s) longer than allowed, in characters: first_name (4001 > 4000)"
    assert_balanced(csv_land)

    json_land = landing("cdd_bmn")
    members = '[{"member_no": 1, "first_name": "' + "x" * 5000 + '"}]'  # members may be long (max_chars 200000)
    json_land.write(
        "d1",
        "bmn.jsonl",
        b'{"hh_id": "H1", "house_no": "1\\u0000"}\n{"hh_id": "H2", "house_no": "1\x002"}\n'
        + ('{"hh_id": "H3", "house_no": "' + "9" * 4001 + '"}\n').encode()
        + ('{"hh_id": "H4", "members": ' + members + "}\n").encode(),
    )
    json_land.ingest()
    assert json_land.quarantined() == [("bmn.jsonl", 1, "nul_byte"), ("bmn.jsonl", 2, "nul_byte"), ("bmn.jsonl", 3, "field_too_long")]
    assert [len(r.members) for r in json_land.bronze().collect()] == [len(members.replace(" ", ""))]
    assert_balanced(json_land)


@pytest.mark.slow  # files missing optional columns (15 s): in make test-slow, so CI
def test_missing_optional_columns_are_recorded(landing):
    csv_land = landing("dopa_registry")
    header = DOPA_HEADER.replace("title,", "")
    csv_land.write("d1", "dopa.csv", cp874(header, dopa_line("3100600445635").replace(",นาย,", ",")))
    csv_land.ingest()
    row = csv_land.files().first()
    assert (row.status, row.missing_columns, row.rows_loaded) == ("loaded", ["title"], 1)
    assert csv_land.bronze().first().title is None

    json_land = landing("dep_disability")
    json_land.write("d1", "a.jsonl", b'{"card_no": "D1", "pid": "1", "phone": "0"}\n{"card_no": "D2", "pid": "2"}\n')
    json_land.write("d2", "b.jsonl", b'{"card_no": "D3", "pid": "3", "phone": "0", "email": "e"}\n')
    json_land.ingest()
    files = files_by_name(json_land)
    everything_else = [
        "title",
        "first_name",
        "last_name",
        "sex",
        "birth_date",
        "disability_type",
        "card_issued_date",
        "card_expiry_date",
        "allowance_monthly",
        "village_code",
        "subdistrict_code",
        "district_code",
        "province_code",
    ]
    assert files["a.jsonl"].missing_columns == everything_else
    assert (files["b.jsonl"].missing_columns, files["b.jsonl"].extra_columns) == (everything_else, ["email"])


@pytest.mark.slow  # one batch of files with different headers (14 s): in make test-slow, so CI
def test_files_with_different_headers_in_one_batch(landing):
    land = landing("dopa_registry")
    columns = DOPA_HEADER.split(",")
    reordered = ",".join([columns[-1], *columns[:-1]])
    land.write("d1", "a.csv", cp874(DOPA_HEADER, dopa_line("3100600445635")))
    land.write("d1", "b.csv", cp874(reordered, "alive," + dopa_line("1234545678781").removesuffix(",alive")))
    land.write("d1", "c.csv", cp874(DOPA_HEADER.replace("pid", "id"), dopa_line("3300100123456")))
    land.ingest()
    got = sorted((r._source_file, r.pid, r.status) for r in land.bronze().collect())
    assert got == [("a.csv", "3100600445635", "alive"), ("b.csv", "1234545678781", "alive")]
    assert land.quarantined() == [("c.csv", 2, "missing_required_column")]
    assert_balanced(land)


def test_missing_landing_root_is_a_configuration_error(config, tmp_path, monkeypatch, capsys):
    from jobs.__main__ import main

    monkeypatch.setenv("TPMAP_LANDING", str(tmp_path / "nowhere"))
    assert main(["ingest"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("configuration error: paths.landing:") and "nowhere" in error and "\n" not in error
    moved = config.model_copy(update={"paths": config.paths.model_copy(update={"landing": str(tmp_path / "nowhere")})})
    ingest.preflight(moved, ingest.Options(), ("reference", "generate"))  # generate makes it first


def test_landing_folders_without_a_contract_are_recorded_once(spark, tmp_path):
    from jobs.runs import JobRun

    (tmp_path / "nso_census" / "2018-06-30").mkdir(parents=True)
    (tmp_path / "nso_census" / "2018-06-30" / "census.csv").write_bytes(b"id\n1\n")
    (tmp_path / "_tmp").mkdir()
    (tmp_path / "dopa_registry").mkdir()
    lfs = ingest.LandingFileSystem(spark)
    for _ in range(2):
        ingest.record_foreign_entries(spark, lfs, str(tmp_path), {"dopa_registry"}, JobRun("ingest", {}))
    rows = spark.table(FILES_TABLE).where(F.col("path").startswith(tmp_path.as_uri().replace("file:///", "file:/"))).collect()
    assert sorted((r.source, r.status, r.file_reason) for r in rows) == [
        ("_tmp", "ignored", "not a source folder: hidden name"),
        ("nso_census", "ignored", "not a source folder: no contract conf/sources/nso_census.yaml"),
    ]
