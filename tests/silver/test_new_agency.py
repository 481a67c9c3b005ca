"""A seventh agency is a YAML file in conf/sources/ plus its test data: the registry carries it through
the contract checks, standardisation, erasure's column lists, gold's roles and the generator."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from chispa import assert_df_equality

from tests.silver.test_sources import known
from transforms.conf import ConfigError
from transforms.contracts import SOURCES_DIR, SourceContract, by_role, load_contracts
from transforms.erasure import named_persons, own_id_columns, surveys
from transforms.generator import sources as builders
from transforms.silver.pipeline import person_sources, standardize_persons

# A made-up agency: a widow's allowance register, delivered as a semicolon CSV with its own column names,
# an active/stopped status, a BE start date and the ID of the late spouse.
WIDOW_ALLOWANCE = """
source: dsdw_widow_allowance
description: Widow's allowance register (made up for the test) - semicolon CSV, UTF-8
format: csv
encoding: utf-8
delimiter: ";"
record_key: [case_no]
columns:
  - {name: case_no, required: true, description: "Case number"}
  - {name: citizen_id, description: "Citizen ID as delivered"}
  - {name: given_name, description: "Given name"}
  - {name: family_name, description: "Surname"}
  - {name: dob, description: "Birth date, BE dd/mm/yyyy"}
  - {name: province_code, description: "2-digit province code"}
  - {name: district_code, description: "4-digit district code"}
  - {name: monthly_baht, description: "Allowance, baht per month, with separators"}
  - {name: case_status, description: "Active or Stopped"}
  - {name: start_date, description: "First payment, BE dd/mm/yyyy"}
  - {name: spouse_id, description: "Late spouse's citizen ID"}
  - {name: spouse_name, description: "Late spouse's name"}
silver:
  calendar: BE
  person: {pid: citizen_id, first_name: given_name, last_name: family_name, birth_date: dob}
  payload:
    - {name: monthly_amount, source: monthly_baht, kind: int, description: "Allowance, baht per month"}
    - {name: active, source: case_status, kind: choice, values: {active: true, stopped: false}, description: "Still paid"}
    - {name: start_date, source: start_date, kind: event_date, description: "First payment (CE)"}
    - {name: spouse_pid, source: spouse_id, kind: citizen_id, names: [spouse_name], description: "Late spouse's ID"}
    - {name: spouse_name, source: spouse_name, description: "Late spouse's name"}
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """conf/sources/ as shipped, plus the made-up agency."""
    folder = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, folder)
    (folder / "dsdw_widow_allowance.yaml").write_text(WIDOW_ALLOWANCE, encoding="utf-8")
    return folder


def test_the_registry_carries_a_new_agency_everywhere(registry):
    contracts = load_contracts(registry)
    new = contracts["dsdw_widow_allowance"]
    assert new.silver_tables == ["dsdw_widow_allowance"]
    assert "dsdw_widow_allowance" in person_sources(contracts)
    assert own_id_columns(contracts)["dsdw_widow_allowance"] == "citizen_id"
    named = {n.table: n.columns for n in named_persons(contracts, "bronze")}
    assert named["dsdw_widow_allowance"] == ("spouse_id", "spouse_name")
    assert {n.table: n.columns for n in named_persons(contracts, "silver")}["dsdw_widow_allowance"] == (
        "spouse_pid",
        "spouse_pid_valid",
        "spouse_name",
    )
    assert surveys(contracts) == ["cdd_bmn"]
    assert "dsdw_widow_allowance" not in {c.source for c in by_role(contracts).values()}  # gold does not read it


def test_a_new_agency_standardises_by_its_yaml(spark, settings, registry):
    source = person_sources(load_contracts(registry))["dsdw_widow_allowance"]
    schema = ", ".join(f"{c} string" for c in load_contracts(registry)["dsdw_widow_allowance"].column_names)
    meta = "_delivery string, _line_number long, _ingested_at timestamp, _batch_id string"
    rows = [
        (
            "W1",
            "3100600445635",
            " สมศรี ",
            "ใจดี",
            "12/05/2510",
            "50",
            "5001",
            "1,200",
            " Active",
            "01/10/2560",
            "3-1006-00445-63-6",
            "สมชาย",
        ),
        ("W2", "123", "มาลี", "มีสุข", "31/02/2500", "50", "9999", "x", "closed", "", None, None),
    ]
    bronze = spark.createDataFrame(
        [(*r, "2018-06-30", i + 2, dt.datetime(2026, 1, 1), "b1") for i, r in enumerate(rows)], f"{schema}, {meta}"
    )
    columns = ["record_id", "pid", "pid_valid", "first_name", "birth_date", "district_code", "monthly_amount", "active", "start_date"]
    actual = bronze.transform(standardize_persons(source, settings, known(spark))).select(
        *columns, "spouse_pid", "spouse_pid_valid", "spouse_name"
    )
    expected = spark.createDataFrame(
        [
            ("dsdw_widow_allowance:W1", "3100600445635", True, "สมศรี", dt.date(1967, 5, 12), "5001", 1200, True, dt.date(2017, 10, 1),
             "3100600445636", False, "สมชาย"),
            ("dsdw_widow_allowance:W2", None, None, "มาลี", None, None, None, None, None, None, None, None),
        ],
        "record_id string, pid string, pid_valid boolean, first_name string, birth_date date, district_code string, monthly_amount int,"
        " active boolean, start_date date, spouse_pid string, spouse_pid_valid boolean, spouse_name string",
    )  # fmt: skip
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


def test_a_builder_writes_a_new_agency_with_an_existing_layout(spark, tmp_path):
    """An agency whose files look like an existing kind (here a second elderly allowance roll) is generated
    by that kind's builder, with its own key prefix and record source."""
    folder = tmp_path / "sources"
    folder.mkdir()
    text = (SOURCES_DIR / "dla_elderly.yaml").read_text(encoding="utf-8")
    text = text.replace("source: dla_elderly", "source: bma_elderly").replace("role: elderly_allowance\n", "")
    text = text.replace('key_prefix: "2"', 'key_prefix: "5"')
    (folder / "bma_elderly.yaml").write_text(text, encoding="utf-8")
    contract = load_contracts(folder)["bma_elderly"]
    everyone = spark.createDataFrame(
        [
            (
                50010000001,
                "3100600445635",
                "นาย",
                "สมชาย",
                "ใจดี",
                "M",
                dt.date(1940, 1, 1),
                78,
                True,
                "50",
                "5001",
                "500101",
                "50010101",
                "h1",
                1,
            )
        ],
        "person_id long, pid string, title string, first_name string, last_name string, sex string, birth_date date, age int,"
        " is_alive boolean, province_code string, district_code string, subdistrict_code string, village_code string, hh_key string,"
        " member_no int",
    )
    everyone = everyone.withColumns(
        {"phone": everyone.pid.substr(1, 0), "house_code": everyone.village_code, "maiden_name": everyone.last_name}
    )
    people = builders.Population(everyone, everyone.limit(0), everyone.limit(0))
    delivery = builders.BUILDERS[contract.generator.builder]("bma_elderly", people, {"take_up": 1.0}, 7, contract.generator)
    row = delivery.rows.first()
    a, b = builders._scramble(7, "5")  # the person's serial (1) through the source's bijection
    key = f"55001{(1 * a + b) % 10_000_000:07d}"
    assert delivery.rows.columns[: len(contract.column_names)] == contract.column_names
    assert (row.recipient_no, row.pid, row.monthly_amount) == (key, "3100600445635", "700")
    assert [tuple(r) for r in delivery.records.collect()] == [("bma_elderly", key, 50010000001)]


def test_two_sources_cannot_hold_one_gold_role(registry):
    text = (registry / "dla_elderly.yaml").read_text(encoding="utf-8").replace("source: dla_elderly", "source: dla_elderly_copy")
    (registry / "dla_elderly_copy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="role elderly_allowance claimed by more than one source"):
        load_contracts(registry)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"silver": {"calendar": "BE", "person": {"pid": "no_such_column"}}}, "no_such_column not among the columns"),
        ({"silver": {"calendar": "BE", "payload": [{"name": "x", "source": "case_no", "kind": "choice", "description": "x"}]}}, "values"),
        ({"silver": {"calendar": "BE", "payload": [{"name": "spouse", "source": "spouse_id", "kind": "citizen_id", "description": "x"}]}}, "ends in pid"),
        ({"role": "child_grant"}, "needs a silver section"),
        ({"generator": {"builder": "tax_office"}}, "builder"),
    ],
)  # fmt: skip
def test_a_wrong_registry_entry_is_refused(change, reason):
    import yaml

    raw = {**yaml.safe_load(WIDOW_ALLOWANCE), "silver": None, **change}
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises(ValueError, match=reason):
        SourceContract.model_validate(raw)
