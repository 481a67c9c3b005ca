#!/usr/bin/env python
"""Query the lakehouse's Delta tables with DuckDB, without Spark.

    .venv/bin/python scripts/duckdb_query.py "SELECT level, count(*) FROM public.area_indicators GROUP BY level"
    .venv/bin/python scripts/duckdb_query.py --csv "SELECT * FROM ref.province"
    .venv/bin/python scripts/duckdb_query.py --role official "SELECT count(*) FROM gold.person_welfare"

Every table folder under the warehouse (`<warehouse>/<db>.db/<table>/` with a `_delta_log/`) becomes a
view `<db>.<table>` over DuckDB's `delta_scan` (checkpoints, removed files, deletion vectors, column
mapping, partitions), at the version complete runs left (jobs/publication.py): a stage still running, or
killed, is not seen half-done. By default (role analyst) only the
published databases are opened: public (disclosure-controlled figures) and ref (published reference
data); --role official opens every database, which only works for a user allowed to read their files.
The warehouse is the environment's (`$TPMAP_ENV`, TPMAP_* overrides) unless --warehouse is given.

The `delta` extension is loaded from the `duckdb-extension-delta` package (PyPI, installed with the
project), by file path: nothing is downloaded and nothing is written to ~/.duckdb, so it works offline.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobs.publication import UNFINISHED, Publication, folder_versions, publication_of

EXTENSION_PACKAGE = "duckdb-extension-delta"


class DeltaExtensionMissing(Exception):
    """The `delta` extension for this DuckDB is not installed from its package."""


def delta_extension_path() -> Path:
    """The `delta.duckdb_extension` file that duckdb-extension-delta ships for the installed DuckDB."""
    fix = f"install it with: .venv/bin/pip install {EXTENSION_PACKAGE}=={duckdb.__version__}  (or .venv/bin/pip install -e '.[dev]')"
    try:
        import duckdb_extension_delta
    except ImportError:
        raise DeltaExtensionMissing(f"the {EXTENSION_PACKAGE} package is not installed; {fix}") from None
    path = Path(duckdb_extension_delta.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "delta.duckdb_extension"
    if not path.is_file():
        raise DeltaExtensionMissing(f"{EXTENSION_PACKAGE} has no extension for DuckDB {duckdb.__version__} ({path}); {fix}")
    return path


ANALYST_DATABASES = ("public", "ref")


def delta_tables(warehouse: Path, databases: tuple[str, ...] | None = None) -> dict[str, Path]:
    """{'public.area_indicators': folder} for every Delta table in the warehouse (of `databases` if given)."""
    folders = [warehouse / f"{d}.db" for d in databases] if databases is not None else sorted(warehouse.glob("*.db"))
    return {
        f"{db.name.removesuffix('.db')}.{table.name}": table
        for db in folders
        if db.is_dir()
        for table in sorted(db.iterdir())
        if (table / "_delta_log").is_dir()
    }


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(warehouse: Path, databases: tuple[str, ...] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the delta extension loaded and a view per Delta table (schema = database)."""
    extension = delta_extension_path()
    # No extension is fetched behind our back: the one we need is loaded from its file.
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    con.sql(f"LOAD {_quote(str(extension))}")
    folders = delta_tables(warehouse, databases)
    pinned = folder_versions(folders, publication(con, warehouse))
    for name, folder in folders.items():
        schema, table = name.split(".", 1)
        con.sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        version = pinned.get(name)
        if version is not None and version < 0:
            print(f"duckdb_query: skipping {name}: only an unfinished run has written it", file=sys.stderr)
            continue
        at = f", version => {version}" if version is not None else ""
        try:
            con.sql(f'CREATE VIEW "{schema}"."{table}" AS SELECT * FROM delta_scan({_quote(str(folder.resolve()))}{at})')
        except duckdb.Error as err:  # one unreadable table must not hide the others
            print(f"duckdb_query: skipping {name}: {err}", file=sys.stderr)
    return con


def publication(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Publication:
    """What the runs recorded in ops.job_runs publish (jobs/publication.py): each table is read as complete
    runs left it. Without ops.job_runs (or the right to read it), every table at its latest version."""
    runs = warehouse / "ops.db" / "job_runs"
    if not (runs / "_delta_log").is_dir():
        return Publication({}, frozenset())
    try:
        rows = con.sql(
            f"SELECT run_id, job, status, published, ended_at FROM delta_scan({_quote(str(runs.resolve()))}) "
            f"WHERE status IN {UNFINISHED} OR (status = 'succeeded' AND published IS NOT NULL)"
        ).fetchall()
    except (duckdb.Error, OSError) as err:
        print(f"duckdb_query: run records unreadable ({err}); every table at its latest version", file=sys.stderr)
        return Publication({}, frozenset())
    return publication_of(rows)


def default_warehouse() -> Path:
    from jobs.config import load_config

    return Path(load_config(os.environ.get("TPMAP_ENV", "local")).paths.resolved("warehouse"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Query the lakehouse's Delta tables with DuckDB (no Spark).")
    parser.add_argument("sql", help="one SQL statement; tables as <db>.<table>, e.g. public.area_indicators")
    parser.add_argument(
        "--role",
        choices=("analyst", "official"),
        default="analyst",
        help="analyst (default): public and ref only; official: every database",
    )
    parser.add_argument("--warehouse", type=Path, default=None, help="warehouse folder (default: the environment's)")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    args = parser.parse_args(argv)
    warehouse = args.warehouse or default_warehouse()
    if not warehouse.is_dir():
        print(f"duckdb_query: no warehouse at {warehouse} (run the pipeline first, or give --warehouse)", file=sys.stderr)
        return 2
    databases = ANALYST_DATABASES if args.role == "analyst" else None
    try:
        con = connect(warehouse, databases)
    except DeltaExtensionMissing as err:
        print(f"duckdb_query: {err}", file=sys.stderr)
        return 2
    try:
        result = con.sql(args.sql)
    except duckdb.CatalogException as err:
        schemas = sorted({name.split(".")[0] for name in delta_tables(warehouse, databases)})
        print(
            f"duckdb_query: {err}\nDelta tables under {warehouse} are <db>.<table> in: {', '.join(schemas) or 'none'}"
            " (list them: SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal)",
            file=sys.stderr,
        )
        return 1
    except duckdb.Error as err:
        print(f"duckdb_query: {err}", file=sys.stderr)
        return 1
    if result is None:
        return 0
    if args.csv:  # row by row, so integers stay integers (pandas would turn DuckDB's HUGEINT sums into floats)
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(result.columns)
        out.writerows(result.fetchall())
    else:
        print(result.df().to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
