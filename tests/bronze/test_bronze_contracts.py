"""Source contracts: the six shipped ones load; a bad one fails naming the file, the key and the reason."""

from __future__ import annotations

import pytest

from jobs import ingest
from jobs.config import ConfigError
from transforms.contracts import load_contract, load_contracts

GOOD = """
source: demo
description: a demo source
format: csv
encoding: cp874
record_key: [id]
columns:
  - {name: id, required: true, description: record key}
"""


def test_shipped_contracts_load():
    contracts = load_contracts()
    assert sorted(contracts) == ["cdd_bmn", "dcy_child_grant", "dep_disability", "dla_elderly", "dopa_registry", "mof_welfare"]
    assert contracts["dopa_registry"].java_charset == "x-windows-874"
    assert contracts["mof_welfare"].has_bom and contracts["dla_elderly"].trailing_empty_column
    limits = contracts["cdd_bmn"].field_limits
    assert (limits["hh_id"], limits["members"]) == (4000, 200000)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("encoding: cp874", "encoding: latin-9"), "encoding: Input should be"),
        (("record_key: [id]", "record_key: [pid]"), "record_key: pid not among the columns"),
        (("format: csv", "format: csv\ncolour: blue"), "colour: unknown key"),
        (("description: a demo source\n", ""), "description: missing key"),
        (("format: csv", "format: csv\nmax_field_chars: 0"), "max_field_chars: Input should be greater than 0"),
    ],
)
def test_bad_contract_names_file_key_and_reason(tmp_path, change, message):
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        load_contract(path)
    assert str(path) in str(err.value)


def test_contract_name_must_match_its_file(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match="named for 'other'"):
        load_contract(path)


def test_validate_rejects_unknown_sources_before_spark():
    ingest.validate(ingest.Options(source=["dopa_registry"]))
    with pytest.raises(ValueError, match="unknown source"):
        ingest.validate(ingest.Options(source=["nso_census"]))
