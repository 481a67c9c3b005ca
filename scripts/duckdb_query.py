#!/usr/bin/env python
"""Query the lakehouse's Delta tables with DuckDB, without Spark.

    .venv/bin/python scripts/duckdb_query.py "SELECT level, count(*) FROM gold.area_indicators GROUP BY level"
    .venv/bin/python scripts/duckdb_query.py --csv "SELECT * FROM ref.province"

Every table folder under the warehouse (`<warehouse>/<db>.db/<table>/` with a `_delta_log/`) becomes a
view `<db>.<table>`. The warehouse is the environment's (`$TPMAP_ENV`, TPMAP_* overrides) unless
--warehouse is given.

Two readers:
- DuckDB's `delta` extension (`delta_scan`) when it is installed (`INSTALL delta` once, online);
  it is used offline afterwards.
- otherwise this script's own reader: it replays the Delta log (latest Parquet checkpoint + JSON
  commits) to find the table's current Parquet files and reads them with `read_parquet`. It refuses
  tables whose files alone do not give the current rows (deletion vectors, column mapping) instead of
  returning wrong answers. Spark's views (gold.v_*) live in the metastore, not in files: query the
  tables, or use scripts/sql.sh / the Thrift server for the views.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class DeltaReadError(Exception):
    """The table cannot be read correctly from its Parquet files alone."""


def _checkpoint_actions(log: Path) -> tuple[int, list[dict]]:
    """(version, add/remove/metaData actions) of the latest checkpoint, or (-1, [])."""
    pointer = log / "_last_checkpoint"
    if not pointer.is_file():
        return -1, []
    version = json.loads(pointer.read_text())["version"]
    files = sorted(log.glob(f"{version:020d}.checkpoint*.parquet"))
    if not files:
        return -1, []
    con = duckdb.connect()
    paths = ", ".join(f"'{f}'" for f in files)
    rows = con.sql(f"SELECT add, remove, metaData FROM read_parquet([{paths}], union_by_name = true)").fetchall()
    actions = []
    for add, remove, meta in rows:
        for kind, value in (("add", add), ("remove", remove), ("metaData", meta)):
            if value is not None and value.get("path" if kind != "metaData" else "id") is not None:
                actions.append({kind: value})
    return version, actions


def current_files(table_dir: Path) -> list[str]:
    """Absolute paths of the Parquet files that make up the table's latest version."""
    log = table_dir / "_delta_log"
    version, actions = _checkpoint_actions(log)
    for commit in sorted(log.glob("*.json")):
        if int(commit.stem) > version:
            actions += [json.loads(line) for line in commit.read_text().splitlines() if line.strip()]
    live: dict[str, dict] = {}
    for action in actions:
        if "add" in action:
            live[action["add"]["path"]] = action["add"]
        elif "remove" in action:
            live.pop(action["remove"]["path"], None)
        elif "metaData" in action:
            mode = (action["metaData"].get("configuration") or {}).get("delta.columnMapping.mode", "none")
            if mode != "none":
                raise DeltaReadError(f"{table_dir}: column mapping ({mode}) needs the delta extension or Spark")
    if any(add.get("deletionVector") for add in live.values()):
        raise DeltaReadError(f"{table_dir}: deletion vectors need the delta extension or Spark")
    return [str(table_dir / path) for path in sorted(live)]


def delta_tables(warehouse: Path) -> dict[str, Path]:
    """{'gold.area_indicators': folder} for every Delta table in the warehouse."""
    return {
        f"{db.name.removesuffix('.db')}.{table.name}": table
        for db in sorted(warehouse.glob("*.db"))
        for table in sorted(db.iterdir())
        if (table / "_delta_log").is_dir()
    }


def _has_delta_extension(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.sql("LOAD delta")
        return True
    except duckdb.Error:
        return False


def connect(warehouse: Path, use_extension: bool = True) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view per Delta table (schema = database)."""
    con = duckdb.connect()
    extension = use_extension and _has_delta_extension(con)
    for name, folder in delta_tables(warehouse).items():
        schema, table = name.split(".")
        con.sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        if extension:
            source = f"delta_scan('{folder}')"
        else:
            try:
                files = current_files(folder)
            except DeltaReadError as err:
                print(f"duckdb_query: skipping {name}: {err}", file=sys.stderr)
                continue
            if not files:
                continue
            listed = ", ".join(f"'{f}'" for f in files)
            source = f"read_parquet([{listed}], hive_partitioning = true, union_by_name = true)"
        con.sql(f'CREATE VIEW "{schema}"."{table}" AS SELECT * FROM {source}')
    return con


def default_warehouse() -> Path:
    from jobs.config import load_config

    return Path(load_config(os.environ.get("TPMAP_ENV", "local")).paths.resolved("warehouse"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Query the lakehouse's Delta tables with DuckDB (no Spark).")
    parser.add_argument("sql", help="one SQL statement; tables as <db>.<table>, e.g. gold.area_indicators")
    parser.add_argument("--warehouse", type=Path, default=None, help="warehouse folder (default: the environment's)")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.add_argument("--no-extension", action="store_true", help="use the built-in Delta log reader even if the extension is installed")
    args = parser.parse_args(argv)
    warehouse = args.warehouse or default_warehouse()
    if not warehouse.is_dir():
        print(f"duckdb_query: no warehouse at {warehouse}", file=sys.stderr)
        return 2
    con = connect(warehouse, use_extension=not args.no_extension)
    try:
        result = con.sql(args.sql)
    except duckdb.Error as err:
        print(f"duckdb_query: {err}", file=sys.stderr)
        return 1
    if result is None:
        return 0
    if args.csv:
        result.df().to_csv(sys.stdout, index=False)
    else:
        print(result.df().to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
