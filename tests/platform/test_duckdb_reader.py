"""The Delta-log reader behind scripts/duckdb_query.py, on hand-written logs (no Spark needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import duckdb_query  # noqa: E402


def _table(root: Path, commits: list[list[dict]], files: dict[str, pd.DataFrame]) -> Path:
    log = root / "_delta_log"
    log.mkdir(parents=True)
    for version, actions in enumerate(commits):
        (log / f"{version:020d}.json").write_text("\n".join(json.dumps(a) for a in actions))
    for name, frame in files.items():
        frame.to_parquet(root / name)
    return root


def test_removed_files_are_not_read(tmp_path):
    table = _table(
        tmp_path / "wh" / "gold.db" / "t",
        [
            [{"metaData": {"id": "x", "configuration": {}}}, {"add": {"path": "a.parquet"}}],
            [{"remove": {"path": "a.parquet"}}, {"add": {"path": "b.parquet"}}],
        ],
        {"a.parquet": pd.DataFrame({"n": [1, 2]}), "b.parquet": pd.DataFrame({"n": [3]})},
    )
    assert duckdb_query.current_files(table) == [str(table / "b.parquet")]
    con = duckdb_query.connect(tmp_path / "wh", use_extension=False)
    assert con.sql("SELECT sum(n) FROM gold.t").fetchall()[0][0] == 3


def test_deletion_vectors_are_refused(tmp_path):
    table = _table(tmp_path / "t", [[{"add": {"path": "a.parquet", "deletionVector": {"storageType": "u"}}}]],
                   {"a.parquet": pd.DataFrame({"n": [1]})})
    with pytest.raises(duckdb_query.DeltaReadError, match="deletion vectors"):
        duckdb_query.current_files(table)


def test_column_mapping_is_refused(tmp_path):
    table = _table(tmp_path / "t", [[{"metaData": {"id": "x", "configuration": {"delta.columnMapping.mode": "name"}}}]], {})
    with pytest.raises(duckdb_query.DeltaReadError, match="column mapping"):
        duckdb_query.current_files(table)
