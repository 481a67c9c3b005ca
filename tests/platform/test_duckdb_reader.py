"""scripts/duckdb_query.py: DuckDB's delta extension (from the duckdb-extension-delta package) reads the
current version of Delta tables that Spark wrote, offline, with the same answers as Spark."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "duckdb_query.py"
sys.path.insert(0, str(SCRIPT.parent))
import duckdb_query  # noqa: E402

COLUMNS = "id, grp, amount, day"


def _rows(start: int, stop: int) -> list[tuple]:
    return [(i, f"g{i % 3}", i * 1.5, dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(start, stop)]


@pytest.fixture(scope="module")
def warehouse(spark, tmp_path_factory):
    """A warehouse whose tables' current versions differ from their first: overwritten, appended to,
    rows deleted (with deletion vectors), a checkpoint, partitions, a renamed column (column mapping)."""
    from delta.tables import DeltaTable

    root = tmp_path_factory.mktemp("duck") / "warehouse"
    schema = "id INT, grp STRING, amount DOUBLE, day DATE"

    areas = str(root / "public.db" / "areas")
    spark.createDataFrame(_rows(0, 20), schema).write.format("delta").partitionBy("grp").save(areas)
    spark.sql(f"ALTER TABLE delta.`{areas}` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', 'delta.checkpointInterval' = '2')")
    spark.createDataFrame(_rows(100, 130), schema).write.format("delta").mode("overwrite").save(areas)
    spark.createDataFrame(_rows(200, 210), schema).write.format("delta").mode("append").save(areas)
    DeltaTable.forPath(spark, areas).delete("id % 4 = 1")

    renamed = str(root / "ref.db" / "renamed")
    spark.createDataFrame([(1, "a"), (2, "b"), (3, "c")], "code INT, label STRING").write.format("delta").save(renamed)
    spark.sql(
        f"ALTER TABLE delta.`{renamed}` SET TBLPROPERTIES ("
        "'delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')"
    )
    spark.sql(f"ALTER TABLE delta.`{renamed}` RENAME COLUMN label TO name")
    DeltaTable.forPath(spark, renamed).delete("code = 2")

    (root / "public.db" / "not_a_table").mkdir()  # no _delta_log: not exposed
    return root


def _spark_rows(spark, path: Path, columns: str, **options) -> list[tuple]:
    frame = spark.read.format("delta").options(**options).load(str(path))
    return sorted(tuple(r) for r in frame.selectExpr(*columns.split(", ")).collect())


def test_duckdb_returns_exactly_the_current_rows(spark, warehouse):
    path = warehouse / "public.db" / "areas"
    current = _spark_rows(spark, path, COLUMNS)
    assert current != _spark_rows(spark, path, COLUMNS, versionAsOf=0), "the table should have changed since v0"
    assert list((path / "_delta_log").glob("*.checkpoint*.parquet")), "the table should have a checkpoint"
    assert any(p.name.startswith("deletion_vector") for p in path.iterdir()), "the delete should use a deletion vector"

    con = duckdb_query.connect(warehouse)
    got = sorted(con.sql(f"SELECT {COLUMNS} FROM public.areas").fetchall())
    assert got == current
    assert len(got) == 30 + 10 - 11 and not any(row[0] % 4 == 1 or row[0] < 100 for row in got)

    query = "SELECT grp, count(*) AS n, sum(amount) AS total FROM {} GROUP BY grp"
    spark_answer = sorted(tuple(r) for r in spark.sql(query.format(f"delta.`{path}`")).collect())
    assert sorted(con.sql(query.format("public.areas")).fetchall()) == spark_answer


def test_column_mapping_and_table_listing(spark, warehouse):
    con = duckdb_query.connect(warehouse)
    assert (
        sorted(con.sql("SELECT code, name FROM ref.renamed").fetchall())
        == _spark_rows(spark, warehouse / "ref.db" / "renamed", "code, name")
        == [(1, "a"), (3, "c")]
    )
    assert set(duckdb_query.delta_tables(warehouse)) == {"public.areas", "ref.renamed"}


def _cli(args: list[str], home: Path, offline: bool = True) -> subprocess.CompletedProcess:
    """The script in a fresh process, with an empty HOME (no ~/.duckdb extension folder) and, where the
    machine allows a private network namespace, no network at all."""
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    prefix = []
    if offline and shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        prefix = ["unshare", "-rn"]
    return subprocess.run([*prefix, sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_works_offline_from_the_package(spark, warehouse, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = _cli(["--csv", "--warehouse", str(warehouse), "SELECT count(*) AS rows, sum(amount) AS total FROM public.areas"], home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    spark_rows, spark_total = spark.sql(f"SELECT count(*), sum(amount) FROM delta.`{warehouse / 'public.db' / 'areas'}`").first()
    assert lines[0] == "rows,total"
    assert lines[1] == f"{spark_rows},{spark_total}"
    assert list(home.iterdir()) == [], "nothing is installed into HOME: the extension is loaded from its package"


def test_clear_errors(warehouse, tmp_path, capsys, monkeypatch):
    assert duckdb_query.main(["--warehouse", str(tmp_path / "missing"), "SELECT 1"]) == 2
    assert "no warehouse at" in capsys.readouterr().err

    assert duckdb_query.main(["--warehouse", str(warehouse), "SELECT * FROM public.nope"]) == 1
    err = capsys.readouterr().err
    assert "nope does not exist" in err and "public, ref" in err

    monkeypatch.setitem(sys.modules, "duckdb_extension_delta", None)  # as if the package were not installed
    assert duckdb_query.main(["--warehouse", str(warehouse), "SELECT 1"]) == 2
    err = capsys.readouterr().err
    assert "duckdb-extension-delta package is not installed" in err
    assert f"pip install duckdb-extension-delta=={__import__('duckdb').__version__}" in err
