"""Search every file under a folder for a person: every Parquet file read row by row (not just a table's
current version), every other file (Delta log JSON, checkpoints, checksums) as text."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _text_columns(table: pa.Table) -> list[pa.ChunkedArray]:
    out = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            out.append(column)
        elif pa.types.is_nested(column.type):  # structs, lists, maps: as their Python text
            out.append(pa.chunked_array([pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())]))
    return out


def parquet_mentions(path: Path, pid: str, first: str, last: str) -> int:
    """Rows holding the ID in any text column, or the given name and the surname in the same row."""
    table = pq.read_table(path)
    if table.num_rows == 0:
        return 0
    columns = _text_columns(table)
    if not columns:
        return 0

    def any_column(pattern: str):
        hits = [pc.fill_null(pc.match_substring(c, pattern), False) for c in columns]
        result = hits[0]
        for hit in hits[1:]:
            result = pc.or_(result, hit)
        return result

    found = pc.or_(any_column(pid), pc.and_(any_column(first), any_column(last)))
    return int(pc.sum(pc.cast(found, pa.int64())).as_py() or 0)


def text_mentions(path: Path, pid: str, first: str, last: str) -> bool:
    text = path.read_bytes().decode("utf-8", errors="ignore")
    escaped = [json.dumps(name)[1:-1] for name in (first, last)]  # \\uXXXX as a JSON writer may escape Thai
    names = (first in text and last in text) or (escaped[0] in text and escaped[1] in text)
    return pid in text or names


def files_mentioning(root: Path, pid: str, first: str, last: str) -> dict[str, int]:
    """{file: rows (Parquet) or 1 (other files)} for every file under root that mentions the person."""
    found = {}
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        if path.name.endswith(".parquet") and not path.name.startswith("."):
            rows = parquet_mentions(path, pid, first, last)
            if rows:
                found[str(path.relative_to(root))] = rows
        elif text_mentions(path, pid, first, last):
            found[str(path.relative_to(root))] = 1
    return found
