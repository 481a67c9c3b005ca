"""A landing file's layout from its header line or Parquet schema, and the columns it lacks or adds (pure)."""

from __future__ import annotations

from datetime import datetime

from transforms.contracts import SourceContract
from transforms.landing_layout import LandingFile, Layout, PlannedFile, bronze_schema, file_columns, header_layout, parquet_layout

FILE = LandingFile("agency", "2018-06-30", "a.csv", "file:/landing/agency/2018-06-30/a.csv", 10, datetime(2026, 1, 1))


def _contract(fmt: str = "csv", **extra) -> SourceContract:
    columns = [
        {"name": "card_no", "required": True, "description": "key"},
        {"name": "pid", "description": "ID"},
        {"name": "amount", "description": "baht", **({"type": "int"} if fmt == "parquet" else {})},
    ]
    encoding = {} if fmt == "parquet" else {"encoding": "utf-8"}
    return SourceContract(source="agency", description="test", format=fmt, record_key=["card_no"], columns=columns, **encoding, **extra)


def test_a_header_gives_the_layout():
    assert header_layout(_contract(), FILE, " card_no , pid,amount") == PlannedFile(FILE, Layout(header=("card_no", "pid", "amount")))


def test_an_empty_file_has_no_layout():
    assert header_layout(_contract(), FILE, None) == "empty file: no header line"


def test_a_byte_order_mark_is_not_part_of_the_first_name():
    contract = _contract().model_copy(update={"encoding": "utf-8-sig", "delimiter": ";"})
    planned = header_layout(contract, FILE, "\ufeffcard_no;pid")
    assert planned.layout.header == ("card_no", "pid") and planned.layout.whole_file is None


def test_a_header_without_a_required_column_quarantines_the_whole_file():
    planned = header_layout(_contract(), FILE, "pid,amount")
    assert planned.layout.whole_file == (
        "missing_required_column",
        "required column(s) card_no missing from the header (found: pid, amount)",
    )


def test_parquet_types_are_checked_against_the_contract():
    contract = _contract("parquet")
    good = parquet_layout(contract, Layout(parquet_schema="s"), {"card_no": "string", "pid": "string", "amount": "int"})
    assert good.whole_file is None and good.types == (("card_no", "string"), ("pid", "string"), ("amount", "int"))
    mistyped = parquet_layout(contract, Layout(), {"card_no": "string", "amount": "double"})
    assert mistyped.whole_file == ("unreadable_file", "amount is double, contract says int")
    missing = parquet_layout(contract, Layout(), {"pid": "string", "amount": "bigint"})
    assert missing.whole_file == ("missing_required_column", "required column(s) card_no missing; amount is bigint, contract says int")


def test_csv_columns_extra_missing_and_the_excel_trailing_column():
    layout = Layout(header=("card_no", "note", "pid", ""))
    assert file_columns(_contract(), layout, rows_loaded=5) == (["", "note"], ["amount"])
    excel = _contract().model_copy(update={"trailing_empty_column": True})
    assert file_columns(excel, layout, rows_loaded=5) == (["note"], ["amount"])


def test_json_columns_come_from_the_keys_of_loaded_lines():
    contract = _contract("jsonl")
    assert file_columns(contract, Layout(), rows_loaded=3, key_mask=0b011, json_keys={"zone", "colour"}) == (["colour", "zone"], ["amount"])
    assert file_columns(contract, Layout(), rows_loaded=0, key_mask=0) == ([], [])  # nothing loaded: nothing known missing


def test_parquet_columns_and_a_whole_file_quarantine():
    contract = _contract("parquet")
    layout = Layout(types=(("card_no", "string"), ("zone", "string")))
    assert file_columns(contract, layout, rows_loaded=2) == (["zone"], ["pid", "amount"])
    quarantined = Layout(header=("pid",), whole_file=("missing_required_column", "why"))
    assert file_columns(_contract(), quarantined, rows_loaded=0) == ([], ["card_no", "amount"])


def test_bronze_schema_types_only_parquet_columns():
    lineage = "_extra map<string,string>, _source_file string, _delivery string, _line_number long, _ingested_at timestamp, _batch_id string, _row_hash string"
    assert bronze_schema(_contract()) == f"`card_no` string, `pid` string, `amount` string, {lineage}"
    assert bronze_schema(_contract("parquet")) == f"`card_no` string, `pid` string, `amount` int, {lineage}"
