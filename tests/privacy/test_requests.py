"""Erasure requests are checked before Spark starts, and never show an ID; the pure erasure helpers."""

from __future__ import annotations

import json

import pytest

from transforms.erasure import Requests, check_pid, parse_request_file, pid_checksum_ok, redact, without_members

VALID = "3300100123459"  # checksum digit 9


def _args(**kw):
    from jobs import erase

    return erase.Options(**kw)


def test_checksum():
    assert pid_checksum_ok(VALID) and not pid_checksum_ok("3300100123456")


def test_requests_are_checked_before_spark(tmp_path):
    from jobs import erase

    with pytest.raises(ValueError, match="13-digit"):
        erase.validate(_args(pid="12345", reason="r"))
    with pytest.raises(ValueError, match="checksum") as err:
        erase.validate(_args(pid="3300100123456", reason="r"))
    assert "3300100123456" not in str(err.value)
    with pytest.raises(ValueError, match="must not contain a citizen ID"):
        erase.validate(_args(pid=VALID, reason=f"about {VALID[:4]}-{VALID[4:]}"))
    with pytest.raises(ValueError, match="needs a reason"):
        erase.validate(_args(pid=VALID))
    with pytest.raises(ValueError, match="either --pid"):
        erase.validate(_args())
    bad = tmp_path / "requests.csv"
    bad.write_text(f"pid,reason\n{VALID},ok\n12,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: .*13-digit"):
        erase.validate(_args(file=str(bad)))


def test_validated_arguments_never_show_an_id(tmp_path):
    from jobs import erase
    from jobs.options import recorded as recorded_options

    args = erase.validate(_args(pid=VALID, reason="PDPA request 1"))
    recorded = json.dumps(recorded_options(args, "local"))  # as jobs.runs records the arguments
    assert VALID not in recorded and "IDs redacted" in recorded and VALID not in repr(args)
    assert args.requests.pids == [VALID]


def test_request_file(tmp_path):
    requests = parse_request_file(f"pid,reason\n{VALID},first\n\n3100100000014,\n", default_reason="batch 7")
    assert [(r.pid, r.reason) for r in requests.items] == [(VALID, "first"), ("3100100000014", "batch 7")]
    assert isinstance(requests, Requests) and VALID not in str(requests)
    with pytest.raises(ValueError, match="header"):
        parse_request_file(f"{VALID}\n", None)


def test_without_members_keeps_the_others_and_their_types():
    members = json.dumps(
        [
            {"member_no": 1, "pid": "1111111111111", "first_name": "ก", "age": 40, "disabled": None},
            {"member_no": 2, "pid": VALID, "first_name": "ข", "age": 9, "disabled": "n"},
            {"member_no": None, "pid": None, "first_name": "ค", "age": 3, "disabled": "n"},
        ],
        ensure_ascii=False,
    )
    kept, removed = without_members(members, {3}, {VALID})  # member 2 by ID, the third by its position
    assert removed == 2
    assert json.loads(kept) == [{"member_no": 1, "pid": "1111111111111", "first_name": "ก", "age": 40, "disabled": None}]
    assert "ก" in kept  # Thai kept as text, not \\u escapes
    assert without_members(members, set(), {"9999999999999"}) == (members, 0)


def test_mentions_finds_ids_written_with_separators_and_full_names(spark):
    from pyspark.sql import functions as F

    from transforms.erasure import mentions

    rows = [(f"x,{VALID},y",), ("x,3-3001-00123-45-9,y",), ("สมชาย,ใจดี,1",), ("สมชาย,อื่น,1",), (None,)]
    df = spark.createDataFrame(rows, "t string").select(mentions(F.col("t"), [VALID], [("สมชาย", "ใจดี")]).alias("m"))
    assert [r.m for r in df.collect()] == [True, True, True, False, False]


def test_redact():
    assert redact(f'{{"record_id": "dopa_registry:{VALID}"}}', [VALID]) == '{"record_id": "dopa_registry:<erased>"}'
    assert redact(None, [VALID]) is None


def test_check_pid_strips_spaces():
    assert check_pid(f" {VALID} ") == VALID


def test_duckdb_opens_only_the_published_databases_by_default(tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    import duckdb_query

    for table in ("public.db/area_indicators", "ref.db/province", "gold.db/person_welfare", "bronze.db/dopa_registry"):
        (tmp_path / table / "_delta_log").mkdir(parents=True)
    assert set(duckdb_query.delta_tables(tmp_path, duckdb_query.ANALYST_DATABASES)) == {"public.area_indicators", "ref.province"}
    assert len(duckdb_query.delta_tables(tmp_path)) == 4
