"""Linkage settings: the project's own, another schema's, and what is refused (with the file, key and reason)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from transforms.conf import ConfigError
from transforms.linkage.settings import SETTINGS_FILE, load_linkage_settings

FEBRL4 = SETTINGS_FILE.parent / "examples" / "febrl4_linkage.yaml"


def _written(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(FEBRL4.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "linkage.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_projects_settings_and_another_schemas_load():
    own = load_linkage_settings()
    assert (own.id_column, own.golden_record, own.columns, own.probabilistic.link_type) == ("pid", True, None, "dedupe_only")
    assert (own.derived_keys["pid_head"], own.derived_keys["pid_tail"]) == ("substring(pid, 1, 6)", "substring(pid, 8, 6)")
    febrl = load_linkage_settings(FEBRL4)
    assert (febrl.id_column, febrl.golden_record, febrl.probabilistic.link_type) == (None, False, "link_only")
    assert {"record_id", "source", "given_name", "soc_sec_id"} <= set(febrl.columns)


def test_another_schema_cannot_ask_for_the_canonical_id_pass_or_golden_record(tmp_path):
    path = _written(tmp_path, lambda raw: raw.update(golden_record=True))
    with pytest.raises(ConfigError, match="golden record need the canonical columns"):
        load_linkage_settings(path)
    path = _written(tmp_path, lambda raw: raw.update(columns=["source", "given_name"]))
    with pytest.raises(ConfigError, match="columns must include record_id and source"):
        load_linkage_settings(path)


def test_a_spine_with_duplicates_and_an_unknown_link_type_are_refused(tmp_path):
    path = _written(tmp_path, lambda raw: raw.update(spine_unique=False))
    with pytest.raises(ConfigError, match=r"linkage.yaml: invalid linkage settings\n  spine_unique: "):
        load_linkage_settings(path)
    path = _written(tmp_path, lambda raw: raw["probabilistic"].update(link_type="link_and_dedupe"))
    with pytest.raises(ConfigError, match="probabilistic.link_type: "):
        load_linkage_settings(path)


def test_distinct_within_names_a_derived_key(tmp_path):
    assert load_linkage_settings().probabilistic.distinct_within == "household"
    path = _written(tmp_path, lambda raw: raw["probabilistic"].update(distinct_within="household"))
    with pytest.raises(ConfigError, match="distinct_within: no derived key named 'household'"):
        load_linkage_settings(path)


def test_the_household_key_is_a_survey_members_record_key_without_its_member_number(spark):
    from pyspark.sql import functions as F

    expression = load_linkage_settings().derived_keys["household"]
    rows = [("cdd_bmn_member", "26030211-00001-04"), ("cdd_bmn_member", "HH-9-A-12"), ("mof_welfare", "131078629701")]
    got = [r[0] for r in spark.createDataFrame(rows, "source string, record_key string").select(F.expr(expression)).collect()]
    assert got == ["26030211-00001", "HH-9-A", None]


def test_unknown_if_shared_needs_the_groups_it_looks_in(tmp_path):
    assert load_linkage_settings().probabilistic.unknown_if_shared == {"first_name": "first_name_key"}
    path = _written(tmp_path, lambda raw: raw["probabilistic"].update(unknown_if_shared={"given_name": "given_name"}))
    with pytest.raises(ConfigError, match="unknown_if_shared needs probabilistic.distinct_within"):
        load_linkage_settings(path)


def test_id_conflict_refuted_by_names_comparisons_and_needs_agrees_on(tmp_path):
    assert load_linkage_settings().probabilistic.id_conflict_refuted_by == ["sex"]
    unknown = _written(
        tmp_path, lambda raw: raw["probabilistic"].update(id_conflict_agrees_on="date_of_birth", id_conflict_refuted_by=["sex"])
    )
    with pytest.raises(ConfigError, match="id_conflict_refuted_by: no comparison named sex"):
        load_linkage_settings(unknown)
    alone = _written(tmp_path, lambda raw: raw["probabilistic"].update(id_conflict_refuted_by=["given_name"]))
    with pytest.raises(ConfigError, match="id_conflict_refuted_by needs id_conflict_agrees_on"):
        load_linkage_settings(alone)
