"""One test per bad-input class, on tiny hand-written files (real cp874 bytes, a UTF-8 byte-order mark)."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import functions as F

DOPA_HEADER = "pid,title,first_name,last_name,sex,birth_date,house_code,village_code,subdistrict_code,district_code,province_code,status"


def dopa_line(pid: str, first: str = "สมชาย", last: str = "ใจดี") -> str:
    return f"{pid},นาย,{first},{last},1,12/05/2510,30010012345,30010101,300101,3001,30,alive"


def cp874(*lines: str, final_newline: bool = True) -> bytes:
    text = "\r\n".join(lines) + ("\r\n" if final_newline else "")
    return text.encode("cp874")


def test_cp874_thai_values_are_decoded_and_kept_as_delivered(landing):
    land = landing("dopa_registry")
    land.write("2018-06-30", "dopa.csv", cp874(DOPA_HEADER, dopa_line("3100600445635"), dopa_line("1234545678781", "สมหญิง", "รักไทย")))
    land.ingest()
    rows = (
        land.bronze()
        .orderBy("_line_number")
        .select("pid", "first_name", "last_name", "_line_number", "_delivery", "_source_file")
        .collect()
    )
    assert [tuple(r) for r in rows] == [
        ("3100600445635", "สมชาย", "ใจดี", 2, "2018-06-30", "dopa.csv"),
        ("1234545678781", "สมหญิง", "รักไทย", 3, "2018-06-30", "dopa.csv"),
    ]
    assert land.quarantined() == []


def test_bytes_invalid_in_cp874_are_quarantined_as_bad_encoding(landing):
    land = landing("dopa_registry")
    good = cp874(DOPA_HEADER, dopa_line("3100600445635"))
    # 0xFC and 0xFF are not characters in Windows-874.
    bad = dopa_line("1234545678781").encode("cp874").replace("สมชาย".encode("cp874"), b"\xfc\xff") + b"\r\n"
    land.write("d1", "dopa.csv", good + bad + cp874(dopa_line("3300100123456")))
    land.ingest()
    assert land.quarantined() == [("dopa.csv", 3, "bad_encoding")]
    assert land.bronze().count() == 2
    raw = land.quarantine().select("raw_text").first().raw_text
    assert "\ufffd" in raw and raw.startswith("1234545678781,")


def test_byte_order_mark_is_removed_from_the_header(landing):
    land = landing("mof_welfare")
    header = "application_no,pid,title,first_name,last_name,birth_date,phone,house_no,village_code,subdistrict_code,district_code,province_code,declared_income,status,registered_date"
    line = "A0001,3100600445635,นาง,สมศรี,ใจงาม,25100512,081-234-5678,12/3,30010101,300101,3001,30,36000,verified,25601001"
    land.write("2017-12-31", "mof.csv", ("\ufeff" + header + "\n" + line + "\n").encode("utf-8"))
    land.ingest()
    row = land.bronze().select("application_no", "first_name", "status", "_extra").first()
    assert (row.application_no, row.first_name, row.status, row._extra) == ("A0001", "สมศรี", "verified", {})
    assert land.files().select("extra_columns").first().extra_columns == []


def test_wrong_column_count_respects_quotes(landing):
    land = landing("dopa_registry")
    quoted = dopa_line("3100600445635").replace("ใจดี", '"ใจ,ดี"')  # a quoted comma is not a separator
    too_few = "1234545678781,นาย,สมชาย"
    too_many = dopa_line("3300100123456") + ",extra"
    land.write("d1", "dopa.csv", cp874(DOPA_HEADER, quoted, too_few, too_many))
    land.ingest()
    assert land.quarantined() == [("dopa.csv", 3, "wrong_column_count"), ("dopa.csv", 4, "wrong_column_count")]
    assert land.bronze().select("last_name").first().last_name == "ใจ,ดี"
    reasons = sorted(r.reason for r in land.quarantine().collect())
    assert reasons == ["line has 13 fields; header has 12", "line has 3 fields; header has 12"]


def test_invalid_json_lines_are_quarantined(landing):
    land = landing("dep_disability")
    good = '{"card_no": "D1", "pid": "3100600445635", "allowance_monthly": 800}'
    land.write("d1", "dep.jsonl", "\n".join([good, '{"card_no": "D2", "pid": ', "[1, 2]", good.replace("D1", "D3"), ""]).encode())
    land.ingest()
    assert land.quarantined() == [("dep.jsonl", 2, "invalid_json"), ("dep.jsonl", 3, "invalid_json")]
    rows = land.bronze().orderBy("_line_number").select("card_no", "allowance_monthly", "_line_number").collect()
    assert [tuple(r) for r in rows] == [("D1", "800", 1), ("D3", "800", 4)]


def test_missing_required_field_csv_and_json(landing):
    csv_land = landing("dopa_registry")
    csv_land.write("d1", "dopa.csv", cp874(DOPA_HEADER, dopa_line(""), dopa_line("3100600445635"), dopa_line("  ")))
    csv_land.ingest()
    assert csv_land.quarantined() == [("dopa.csv", 2, "missing_required"), ("dopa.csv", 4, "missing_required")]
    assert csv_land.quarantine().select("reason").first().reason == "required field(s) empty: pid"

    json_land = landing("dep_disability")
    json_land.write("d1", "dep.jsonl", b'{"card_no": null, "pid": "1"}\n{"pid": "2"}\n{"card_no": "D3"}\n')
    json_land.ingest()
    assert json_land.quarantined() == [("dep.jsonl", 1, "missing_required"), ("dep.jsonl", 2, "missing_required")]


def test_truncated_last_line_csv_and_json(landing):
    csv_land = landing("dopa_registry")
    cut = dopa_line("3300100123456")[:40]
    csv_land.write("d1", "dopa.csv", cp874(DOPA_HEADER, dopa_line("3100600445635"), cut, final_newline=False))
    # The same short line with a final newline is an ordinary wrong column count.
    csv_land.write("d2", "dopa.csv", cp874(DOPA_HEADER, cut, dopa_line("3100600445635")))
    # A complete last line without a final newline is fine.
    csv_land.write("d3", "dopa.csv", cp874(DOPA_HEADER, dopa_line("1234545678781"), final_newline=False))
    csv_land.ingest()
    assert csv_land.quarantined() == [("dopa.csv", 2, "wrong_column_count"), ("dopa.csv", 3, "truncated_last_line")]
    assert sorted(r._delivery for r in csv_land.bronze().collect()) == ["d1", "d2", "d3"]

    json_land = landing("dep_disability")
    json_land.write("d1", "dep.jsonl", b'{"card_no": "D1"}\n{"card_no": "D2", "pid": "31006')
    json_land.ingest()
    assert json_land.quarantined() == [("dep.jsonl", 2, "truncated_last_line")]


def test_missing_required_column_quarantines_the_file_and_others_still_load(landing):
    land = landing("dopa_registry")
    renamed = DOPA_HEADER.replace("pid,", "citizen_id,")
    land.write("d1", "renamed.csv", cp874(renamed, dopa_line("3100600445635"), dopa_line("1234545678781")))
    land.write("d2", "good.csv", cp874(DOPA_HEADER, dopa_line("3300100123456")))
    land.ingest()
    assert land.quarantined() == [("renamed.csv", 2, "missing_required_column"), ("renamed.csv", 3, "missing_required_column")]
    assert "pid" in land.quarantine().select("reason").first().reason
    files = {r.file: r for r in land.files().collect()}
    assert files["renamed.csv"].status == "quarantined_file"
    assert "required column(s) pid missing" in files["renamed.csv"].file_reason
    assert (files["good.csv"].status, files["good.csv"].rows_loaded) == ("loaded", 1)
    assert land.bronze().count() == 1


def test_extra_column_is_kept_in_extra_and_reported(landing):
    land = landing("dopa_registry")
    land.write("d1", "dopa.csv", cp874(DOPA_HEADER + ",email", dopa_line("3100600445635") + ",a@b.th", dopa_line("1234545678781") + ","))
    land.ingest()
    extras = sorted((r.pid, r._extra) for r in land.bronze().collect())
    assert extras == [("1234545678781", {"email": None}), ("3100600445635", {"email": "a@b.th"})]
    assert land.files().select("extra_columns").first().extra_columns == ["email"]


def test_excel_trailing_empty_column_is_expected(landing):
    land = landing("dla_elderly")
    header = "recipient_no,pid,title,first_name,last_name,birth_date,local_office_code,subdistrict_code,district_code,province_code,monthly_amount,paid_month,"
    line = 'R1,3.10060044563E+12,นาย,สมชาย,ใจดี,12/05/2490,6300101,300101,3001,30,"1,000",2561-06,'
    land.write("d1", "dla.csv", ("\ufeff" + header + "\r\n" + line + "\r\n").encode("utf-8"))
    land.ingest()
    row = land.bronze().first()
    assert (row.recipient_no, row.pid, row.monthly_amount, row.paid_month, row._extra) == (
        "R1",
        "3.10060044563E+12",
        "1,000",
        "2561-06",
        {},
    )
    assert land.files().first().extra_columns == []


def test_parquet_is_typed_with_record_index_and_unreadable_file_is_quarantined(landing):
    import datetime as dt

    land = landing("dcy_child_grant")
    table = pa.table(
        {
            "application_no": ["C1", None, "C3"],
            "child_pid": [None, "1", "2"],
            "child_birth_date": [dt.date(2017, 1, 2), None, dt.date(2016, 5, 6)],
            "amount_monthly": pa.array([600, 600, 600], pa.int32()),
            "province_code": ["30", "30", "30"],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    land.write("d1", "dcy.parquet", buffer.getvalue())
    land.write("d2", "broken.parquet", b"PAR1 this is not parquet")
    land.ingest()
    rows = land.bronze().orderBy("_line_number").select("application_no", "child_birth_date", "amount_monthly", "_line_number").collect()
    assert [tuple(r) for r in rows] == [("C1", dt.date(2017, 1, 2), 600, 1), ("C3", dt.date(2016, 5, 6), 600, 3)]
    assert dict(land.bronze().dtypes)["amount_monthly"] == "int"
    assert land.quarantined() == [("broken.parquet", None, "unreadable_file"), ("dcy.parquet", 2, "missing_required")]
    status = {r.file: (r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) for r in land.files().collect()}
    assert status == {"broken.parquet": ("quarantined_file", 0, 0, 0), "dcy.parquet": ("loaded", 3, 2, 1)}


def test_every_file_balances_and_counts_are_recorded(landing):
    land = landing("dopa_registry")
    land.write("d1", "dopa.csv", cp874(DOPA_HEADER, dopa_line("3100600445635"), "x,y", dopa_line(""), dopa_line("1")))
    land.ingest()
    row = land.files().first()
    assert (row.rows_read, row.rows_loaded, row.rows_quarantined) == (4, 2, 2)
    assert row.quarantined_by_reason == {"wrong_column_count": 1, "missing_required": 1}
    assert row.checksum and row.size_bytes > 0 and row.seconds >= 0
    assert land.bronze().where(F.col("_row_hash").rlike("^[0-9a-f]{64}$")).count() == 2


def test_landing_listing_hashes_streamed_bytes_and_skips_hidden_files(spark, tmp_path):
    """The listing behind redelivery detection and the truncated-last-line check: SHA-256 of the bytes (as
    hashlib computes it), the last byte, an empty file, and hidden `.`/`_` files and folders left out."""
    import hashlib

    from jobs.landing import list_landing_files

    files = {
        "d1/a.csv": b"pid\r\n3100600445635\r\n",
        "d1/b.csv": b"pid\n3100600445635",  # truncated last line
        "d2/empty.csv": b"",
        "d2/.a.csv.crc": b"hidden",
        "_tmp/c.csv": b"hidden folder",
        "top.csv": b"x\n",
    }
    for name, data in files.items():
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_bytes(data)
    got = [(f.delivery, f.file, f.checksum, f.size_bytes, f.ends_with_newline) for f in list_landing_files(spark, str(tmp_path), "src")]

    def sha(name):
        return hashlib.sha256(files[name]).hexdigest()

    assert got == [
        ("", "top.csv", sha("top.csv"), 2, True),
        ("d1", "a.csv", sha("d1/a.csv"), 20, True),
        ("d1", "b.csv", sha("d1/b.csv"), 17, False),
        ("d2", "empty.csv", sha("d2/empty.csv"), 0, False),
    ]
    assert list_landing_files(spark, str(tmp_path), "no_such_source") == []
