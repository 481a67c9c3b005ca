#!/usr/bin/env python
"""Are two lakehouses' results the same? Row counts of every table, and a checksum of every gold and public
table, side by side (DuckDB over the Delta files: no Spark).

    python scripts/compare_lakehouses.py /work/local/warehouse /work/cluster/warehouse

The checksum is order-free (a sum of row hashes) and leaves out what differs between two runs of the same
data by design: run ids and timestamps (columns `run_id`, `*_at`); doubles are rounded to 9 significant
places first, since a sum's last bits depend on how the rows were partitioned. Exit 0 when every count and
checksum agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from scripts.duckdb_query import connect, delta_tables  # noqa: E402

COUNTED = ("bronze", "silver", "gold", "public", "ref")
CHECKSUMMED = ("gold", "public")
FLOATS = ("DOUBLE", "FLOAT", "REAL")


def _kept(column: str) -> bool:
    return column != "run_id" and not column.endswith("_at")


def _value(column: str, kind: str) -> str:
    quoted = f'"{column}"'
    rounded = f"round({quoted}, 8 - CAST(floor(log10(abs({quoted}))) AS INT))"
    return f"CASE WHEN {quoted} = 0 OR NOT isfinite({quoted}) THEN {quoted} ELSE {rounded} END" if kind in FLOATS else quoted


def table_summary(con, table: str, checksum: bool) -> tuple[int, int | None]:
    """(rows, checksum or None) of one table."""
    if not checksum:
        return con.sql(f"SELECT count(*) FROM {table}").fetchone()[0], None
    columns = [(name, kind) for name, kind, *_ in con.sql(f"DESCRIBE {table}").fetchall() if _kept(name)]
    row = ", ".join(_value(name, kind) for name, kind in columns)
    rows, total = con.sql(f"SELECT count(*), coalesce(sum(hash({row})::HUGEINT), 0) % 18446744073709551557 FROM {table}").fetchone()
    return rows, int(total)


def summaries(warehouse: Path) -> dict[str, tuple[int, int | None]]:
    names = sorted(delta_tables(warehouse, COUNTED))
    con = connect(warehouse, COUNTED)
    return {name: table_summary(con, name, name.split(".")[0] in CHECKSUMMED) for name in names}


def compare(left: dict, right: dict) -> list[tuple[str, object, object, bool]]:
    """Per table in either: (table, left summary, right summary, equal)."""
    return [(t, left.get(t), right.get(t), left.get(t) == right.get(t)) for t in sorted(set(left) | set(right))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[1], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__
    )
    parser.add_argument("left", type=Path, help="a warehouse folder (<root>/warehouse)")
    parser.add_argument("right", type=Path, help="the other warehouse folder")
    args = parser.parse_args(argv)
    rows = compare(summaries(args.left), summaries(args.right))
    width = max(len(t) for t, *_ in rows)
    print(f"{'table':<{width}}  {'rows (left)':>12}  {'rows (right)':>12}  {'checksum':>8}  same")
    for table, left, right, same in rows:
        lrows, lsum = left if left else ("-", None)
        rrows, rsum = right if right else ("-", None)
        check = "-" if lsum is None and rsum is None else ("equal" if lsum == rsum else "differs")
        print(
            f"{table:<{width}}  {lrows:>12,}  {rrows:>12,}  {check:>8}  {'yes' if same else 'NO'}"
            if left and right
            else f"{table:<{width}}  {lrows!s:>12}  {rrows!s:>12}  {check:>8}  NO"
        )
    differing = [t for t, *_, same in rows if not same]
    print(f"{len(rows) - len(differing)} of {len(rows)} tables agree" + (f"; differ: {', '.join(differing)}" if differing else ""))
    return 0 if not differing else 1


if __name__ == "__main__":
    sys.exit(main())
